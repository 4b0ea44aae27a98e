package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.internal.proxy.ProxyHeader;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The PROXY protocol preamble on its own: no driver, no socket, a clock that is a number. */
class PreambleTest {

    private static final InetSocketAddress PROXY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);
    private static final Optional<TrustedNetworks> LOOPBACK = Optional.of(TrustedNetworks.parse("127.0.0.0/8"));
    private static final long TIMEOUT = 300_000_000_000L;
    private static final long START = 7_000;
    private static final byte[] SMTP = ascii("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\n");

    /** HAProxy's proxy-protocol.txt §2.2: a version 2 PROXY header for TCP over IPv4, 198.51.100.7:40000 to 203.0.113.1:25. */
    private static final byte[] V2 = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, // signature
        0x21, 0x11, 0x00, 0x0c, // version 2 PROXY, TCP over IPv4, 12 octets of addresses
        (byte) 198, 51, 100, 7, (byte) 203, 0, 113, 1, // source, destination
        (byte) 0x9c, 0x40, 0x00, 0x19 // ports 40000, 25
    };

    /** The addresses the preamble asked the server's client limit about. */
    private final List<InetAddress> admitted = new ArrayList<>();
    private boolean clientFull;

    private Preamble preamble(Optional<TrustedNetworks> proxies) {
        return new Preamble(proxies, PROXY, TIMEOUT, client -> {
            admitted.add(client);
            return !clientFull;
        });
    }

    /** A preamble from a trusted proxy, started at {@link #START}, waiting for its header. */
    private Preamble awaitingHeader() {
        Preamble p = preamble(LOOPBACK);
        assertThat(p.start(START)).isEqualTo(Preamble.Pending.PENDING);
        return p;
    }

    @Test
    @DisplayName("Without proxyProtocol there is nothing to read: the session starts at once, counted at accept")
    void noPreamble() {
        Preamble p = preamble(Optional.empty());
        Preamble.Done done = (Preamble.Done) p.start(START);
        assertThat(done.early()).isEmpty();
        assertThat(done.header()).isEmpty();
        assertThat(p.waitUntil()).isZero();
        assertThat(admitted).isEmpty();
        assertThat(p.overClientLimit()).isFalse();
    }

    @Test
    @DisplayName("proxy-protocol.txt §2: a peer outside the trusted networks is closed without a reply, nothing read")
    void untrustedPeer() {
        Preamble p = preamble(Optional.of(TrustedNetworks.parse("192.0.2.0/24")));
        assertRefused(p, p.start(START), "proxyProtocol is on and the peer is not in its trusted networks");
    }

    @Test
    @DisplayName("proxy-protocol.txt §2.1: a version 1 header split at every offset names the client; the octets after it are the session's, untouched")
    void v1AtEverySplit() {
        everySplit(ascii("PROXY TCP4 198.51.100.7 203.0.113.1 40000 25\r\n"));
    }

    @Test
    @DisplayName("proxy-protocol.txt §2.2: a version 2 header split at every offset names the client; the octets after it are the session's, untouched")
    void v2AtEverySplit() {
        everySplit(V2);
    }

    private void everySplit(byte[] header) {
        byte[] stream = concat(header, SMTP);
        for (int cut = 1; cut < stream.length; cut++) {
            admitted.clear();
            Preamble p = awaitingHeader();
            ByteBuffer first = ByteBuffer.wrap(stream, 0, cut);
            ByteBuffer second = ByteBuffer.wrap(stream, cut, stream.length - cut);
            Preamble.Step step = p.received(first);
            if (step == Preamble.Pending.PENDING) {
                assertThat(cut).as("pending only inside the header").isLessThan(header.length);
                step = p.received(second);
            }
            Preamble.Done done = (Preamble.Done) step;
            ByteArrayOutputStream session = new ByteArrayOutputStream();
            session.writeBytes(done.early());
            session.writeBytes(bytes(second));
            assertThat(session.toByteArray()).as("cut at %d", cut).isEqualTo(SMTP);
            assertThat(done.client()).contains(new InetSocketAddress("198.51.100.7", 40_000));
            assertThat(admitted).as("the client counted once, by the address the header named")
                    .containsExactly(done.client().orElseThrow().getAddress());
            assertThat(p.waitUntil()).isZero();
            assertThat(p.overClientLimit()).isFalse();
        }
    }

    @Test
    @DisplayName("A header that never ends closes the connection at the command timeout from the start, however it trickles")
    void headerThatNeverEnds() {
        Preamble p = awaitingHeader();
        assertThat(p.waitUntil()).isEqualTo(START + TIMEOUT);
        byte[] trickle = ascii("PROXY TCP4 198.51.100.7 ");
        for (int i = 0; i < trickle.length; i++) {
            assertThat(p.received(ByteBuffer.wrap(trickle, i, 1))).isEqualTo(Preamble.Pending.PENDING);
            assertThat(p.check(START + TIMEOUT - 1)).isEqualTo(Preamble.Pending.PENDING);
        }
        assertThat(p.waitUntil()).as("octets do not move the deadline").isEqualTo(START + TIMEOUT);
        assertRefused(p, p.check(START + TIMEOUT), "no PROXY protocol header within the command timeout");
    }

    @Test
    @DisplayName("proxy-protocol.txt §2: what is not a header is refused, never read as SMTP")
    void notAHeader() {
        Preamble p = awaitingHeader();
        assertRefused(p, p.received(ByteBuffer.wrap(SMTP)), "not a PROXY protocol header (");
    }

    @Test
    @DisplayName("A client named by the header that is at maxConnectionsPerClient is marked for 421, after the header")
    void overClientLimit() {
        clientFull = true;
        Preamble p = awaitingHeader();
        Preamble.Done done = (Preamble.Done) p.received(ByteBuffer.wrap(concat(V2, SMTP)));
        assertThat(done.early()).isEqualTo(SMTP);
        assertThat(p.overClientLimit()).isTrue();
    }

    @Test
    @DisplayName("proxy-protocol.txt §2.1: PROXY UNKNOWN names no client; the proxy's own address is the one counted")
    void unknownKeepsThePeer() {
        Preamble p = awaitingHeader();
        Preamble.Done done = (Preamble.Done) p.received(ByteBuffer.wrap(ascii("PROXY UNKNOWN\r\n")));
        assertThat(done.header()).containsInstanceOf(ProxyHeader.Unproxied.class);
        assertThat(done.client()).isEmpty();
        assertThat(admitted).containsExactly(PROXY.getAddress());
    }

    /** A refusal for the reason starting with {@code reason}, which leaves nothing to wait for and counts no client. */
    private void assertRefused(Preamble p, Preamble.Step step, String reason) {
        assertThat(step).isInstanceOfSatisfying(Preamble.Refused.class, r -> assertThat(r.reason()).startsWith(reason));
        assertThat(p.waitUntil()).isZero();
        assertThat(admitted).isEmpty();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] rest = new byte[buffer.remaining()];
        buffer.get(rest);
        return rest;
    }
}
