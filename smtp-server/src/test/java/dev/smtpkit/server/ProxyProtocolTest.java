package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.testsupport.RawClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PROXY protocol (HAProxy's proxy-protocol.txt): headers, good and bad, in the server's
 * connection driver ({@link MemoryLink}, whose peer is 127.0.0.1); on each socket transport, the
 * per-client limit on the address a header names and the header in front of implicit TLS.
 */
class ProxyProtocolTest {

    private static final byte[] V2_SIGNATURE = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    private static final TrustedNetworks LOOPBACK = TrustedNetworks.parse("127.0.0.0/8, ::1/128");

    /** Who the handler was told the client is, at MAIL. */
    record Seen(InetSocketAddress remote, Optional<InetSocketAddress> proxy) {
    }

    private static SessionHandler.Factory recording(List<Seen> seen) {
        return connection -> new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                seen.add(new Seen(connection.remoteAddress(), connection.proxyAddress()));
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) throws IOException {
                content.readAllBytes();
            }
        };
    }

    static byte[] v1(String source, int port) {
        return ("PROXY TCP4 " + source + " 192.0.2.1 " + port + " 25\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A version 2 PROXY header for TCP over IPv6 (§2.2), with one TLV after the addresses. */
    static byte[] v2Tcp6(byte[] source, int sourcePort) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(V2_SIGNATURE);
        byte[] tlv = {0x04, 0x00, 0x02, 'o', 'k'};
        int length = 36 + tlv.length;
        b.writeBytes(new byte[] {0x21, 0x21, (byte) (length >> 8), (byte) length});
        b.writeBytes(source);
        b.writeBytes(new byte[16]);
        b.writeBytes(new byte[] {(byte) (sourcePort >> 8), (byte) sourcePort, 0, 25});
        b.writeBytes(tlv);
        return b.toByteArray();
    }

    static byte[] concat(byte[] a, String b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    @DisplayName("proxy-protocol.txt §2.1: a version 1 header names the client the handler sees; SMTP in the same write is kept")
    void version1() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        MemoryLink c = MemoryLink.open(MemoryLink.server().proxyProtocol(LOOPBACK).handler(recording(seen)));
        c.send(concat(v1("198.51.100.7", 40000), "EHLO client.test\r\nMAIL FROM:<a@example.com>\r\n"));
        assertThat(c.reply()).startsWith("220 mx.test");
        assertThat(c.reply()).startsWith("250-mx.test");
        assertThat(c.reply()).startsWith("250");
        assertThat(seen).singleElement().satisfies(s -> {
            assertThat(s.remote()).isEqualTo(new InetSocketAddress("198.51.100.7", 40000));
            assertThat(s.proxy()).hasValueSatisfying(p -> assertThat(p.getAddress().isLoopbackAddress()).isTrue());
        });
    }

    @Test
    @DisplayName("proxy-protocol.txt §2.2: a version 2 header with IPv6 addresses and a TLV")
    void version2() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        byte[] source = java.net.InetAddress.getByName("2001:db8::42").getAddress();
        MemoryLink c = MemoryLink.open(MemoryLink.server().proxyProtocol(LOOPBACK).handler(recording(seen)));
        c.send(v2Tcp6(source, 50001));
        assertThat(c.reply()).startsWith("220");
        c.ask("EHLO client.test");
        assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(seen.get(0).remote()).isEqualTo(new InetSocketAddress("2001:db8::42", 50001));
    }

    @Test
    @DisplayName("proxy-protocol.txt §2.2: LOCAL (a health check) keeps the peer's own address")
    void version2Local() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream local = new ByteArrayOutputStream();
        local.writeBytes(V2_SIGNATURE);
        local.writeBytes(new byte[] {0x20, 0x00, 0x00, 0x00});
        MemoryLink c = MemoryLink.open(MemoryLink.server().proxyProtocol(LOOPBACK).handler(recording(seen)));
        c.send(local.toByteArray());
        assertThat(c.reply()).startsWith("220");
        c.ask("EHLO client.test");
        c.ask("MAIL FROM:<a@example.com>");
        assertThat(seen.get(0).remote().getAddress().isLoopbackAddress()).isTrue();
        assertThat(seen.get(0).proxy()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"EHLO client.test\r\n", "PROXY TCP4 1.2.3 192.0.2.1 1 25\r\n", "PROXY UDP4 x\r\n",
            "PROXY TCP4 198.51.100.7 192.0.2.1 65536 25\r\n", "PROXY TCP4 198.51.100.7 192.0.2.1 1 25\n", "\r\n\r\n\0\r\nQUIT\n\u0031\u0011\u0000\u000c"})
    @DisplayName("proxy-protocol.txt §2: a malformed header closes the connection without a reply")
    void malformed(String header) {
        MemoryLink c = MemoryLink.open(MemoryLink.server().proxyProtocol(LOOPBACK).messageHandler(new Inbox()));
        c.send(header.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(c.reply()).isEmpty();
    }

    @Test
    @DisplayName("proxy-protocol.txt §2: a header cut short by the end of input closes without a reply")
    void truncated() {
        MemoryLink c = MemoryLink.open(MemoryLink.server().proxyProtocol(LOOPBACK).messageHandler(new Inbox()));
        c.send("PROXY TCP4 198.51.100.7").endInput();
        assertThat(c.reply()).isEmpty();
    }

    @Test
    @DisplayName("a peer outside the trusted networks is closed without a reply, header or not")
    void untrustedPeer() {
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().proxyProtocol(TrustedNetworks.parse("10.0.0.0/8"))
                .messageHandler(inbox));
        c.send(v1("198.51.100.7", 40000));
        assertThat(c.reply()).isEmpty();
    }

    @Test
    @DisplayName("maxConnectionsPerClient counts the client the header names, not the proxy")
    void perClientLimitOnProxiedAddress() throws Exception {
        try (SmtpServer server = SmtpServerTest.local().proxyProtocol(LOOPBACK).maxConnectionsPerClient(1)
                .messageHandler(new Inbox()).build().start();
             RawClient first = new RawClient(server.port());
             RawClient other = new RawClient(server.port());
             RawClient again = new RawClient(server.port())) {
            first.send(v1("198.51.100.7", 40000));
            assertThat(first.reply()).startsWith("220");
            other.send(v1("198.51.100.8", 40000));
            assertThat(other.reply()).startsWith("220");
            again.send(v1("198.51.100.7", 40001));
            assertThat(again.reply()).startsWith("421 4.7.0");
            assertThat(again.atEnd()).isTrue();
            assertThat(first.ask("NOOP")).startsWith("250");
        }
    }

    @Test
    @DisplayName("RFC 8314 §3.3 behind a proxy: the PROXY header first, then the TLS handshake")
    void implicitTlsBehindProxy() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = SmtpServerTest.local().tls(TestTls.SERVER.serverContext()).implicitTlsPort(0)
                .proxyProtocol(LOOPBACK).handler(recording(seen)).build().start()) {
            java.net.Socket plain = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.implicitTlsPort());
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write(v1("198.51.100.9", 41000));
            try (TestTls.Client t = new TestTls.Client(TestTls.SERVER.clientContext(), plain)) {
                assertThat(t.reply()).startsWith("220");
                t.ask("EHLO client.test");
                assertThat(t.ask("MAIL FROM:<a@example.com>")).startsWith("250");
            }
        }
        assertThat(seen.get(0).remote()).isEqualTo(new InetSocketAddress("198.51.100.9", 41000));
    }

    @Test
    @DisplayName("without proxyProtocol a PROXY line is just an unknown command")
    void offByDefault() {
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(new Inbox()));
        assertThat(c.reply()).startsWith("220");
        assertThat(c.ask("PROXY TCP4 198.51.100.7 192.0.2.1 40000 25")).startsWith("500");
    }
}
