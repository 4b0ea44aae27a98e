package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.server.ServerExtension;
import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.server.security.SelfSignedCertificate;
import dev.smtpkit.testsupport.RawClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS (RFC 3207), implicit TLS (RFC 8314), REQUIRETLS (RFC 8689) and what the handler learns of TLS. */
class TlsTest {

    /** What the handler saw at MAIL: the connection's TLS state and the MAIL parameters. */
    record Seen(boolean tls, TlsInfo info, Parameters parameters) {
    }

    private static SessionHandler.Factory recording(List<Seen> seen) {
        return connection -> new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                seen.add(new Seen(connection.isTls(), connection.tls().orElse(null), parameters));
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) throws IOException {
                content.readAllBytes();
            }
        };
    }

    private static SmtpServer.Builder tls() {
        return SmtpServerTest.local().tls(TestTls.SERVER.serverContext());
    }

    private static TestTls.Client startTls(RawClient c) throws IOException {
        assertThat(c.reply()).startsWith("220");
        assertThat(c.ask("EHLO client.test")).contains("STARTTLS");
        assertThat(c.ask("STARTTLS")).startsWith("220 2.0.0");
        return new TestTls.Client(TestTls.SERVER.clientContext(), c.socket());
    }

    @Test
    @DisplayName("RFC 3207 §4: under TlsPolicy.REQUIRED, MAIL gets 530 5.7.0 until STARTTLS; then the handler sees the TLS parameters")
    void requiredBeforeMail() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = tls().tlsPolicy(TlsPolicy.REQUIRED).handler(recording(seen)).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.ask("EHLO client.test")).contains("STARTTLS");
            assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("530 5.7.0");
            assertThat(c.ask("STARTTLS")).startsWith("220 2.0.0");
            try (TestTls.Client t = new TestTls.Client(TestTls.SERVER.clientContext(), c.socket())) {
                assertThat(t.ask("EHLO client.test")).doesNotContain("STARTTLS");
                assertThat(t.ask("MAIL FROM:<a@example.com>")).startsWith("250");
            }
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).tls()).isTrue();
        assertThat(seen.get(0).info().protocol()).isIn("TLSv1.3", "TLSv1.2");
        assertThat(seen.get(0).info().cipherSuite()).startsWith("TLS_");
        assertThat(seen.get(0).info().clientCertificate()).isEmpty();
    }

    @Test
    @DisplayName("CVE-2011-0411, RFC 3207 §4.2: RSET pipelined after STARTTLS in plaintext gets no reply over TLS")
    void cve20110411InjectedRset() throws Exception {
        assertInjectionIgnored("RSET\r\n");
    }

    @Test
    @DisplayName("CVE-2011-0411, RFC 3207 §4.2: MAIL FROM pipelined after STARTTLS in plaintext is not taken")
    void cve20110411InjectedMail() throws Exception {
        assertInjectionIgnored("MAIL FROM:<mallory@example.com>\r\n");
    }

    private static void assertInjectionIgnored(String injected) throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = tls().handler(recording(seen)).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.ask("EHLO client.test")).contains("STARTTLS");
            // Both lines in one write, so they reach the server in one segment.
            c.send("STARTTLS\r\n" + injected);
            assertThat(c.reply()).startsWith("220 2.0.0");
            try (TestTls.Client t = new TestTls.Client(TestTls.SERVER.clientContext(), c.socket())) {
                String first = t.ask("EHLO client.test");
                assertThat(first).startsWith("250-mx.test");
                assertThat(t.ask("NOOP")).startsWith("250 2.0.0");
                // Had MAIL been taken, a second MAIL would be out of sequence.
                assertThat(t.ask("MAIL FROM:<alice@example.com>")).startsWith("250");
            }
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).tls()).isTrue();
    }

    @Test
    @DisplayName("RFC 8689 §2: REQUIRETLS is advertised only over TLS, and the handler sees the MAIL parameter")
    void requireTls() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = tls().extensions(java.util.EnumSet.allOf(ServerExtension.class)).handler(recording(seen))
                .build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.ask("EHLO client.test")).doesNotContain("REQUIRETLS");
            assertThat(c.ask("MAIL FROM:<a@example.com> REQUIRETLS")).startsWith("555");
            assertThat(c.ask("STARTTLS")).startsWith("220");
            try (TestTls.Client t = new TestTls.Client(TestTls.SERVER.clientContext(), c.socket())) {
                assertThat(t.ask("EHLO client.test")).contains("REQUIRETLS");
                assertThat(t.ask("MAIL FROM:<a@example.com> REQUIRETLS")).startsWith("250");
            }
        }
        assertThat(seen).singleElement().satisfies(s -> assertThat(s.parameters().requireTls()).isTrue());
    }

    @Test
    @DisplayName("RFC 8314 §3.3: one server listens on a STARTTLS port and an implicit-TLS port, from PEM files")
    void implicitTlsPortFromPemFiles(@TempDir Path dir) throws Exception {
        Path[] pem = TestTls.writePem(dir);
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = SmtpServerTest.local().tls(pem[0], pem[1]).implicitTlsPort(0).handler(recording(seen))
                .build().start()) {
            assertThat(server.implicitTlsPort()).isNotEqualTo(server.port()).isPositive();
            try (RawClient c = new RawClient(server.port());
                 TestTls.Client t = startTls(c)) {
                assertThat(t.ask("EHLO client.test")).startsWith("250-mx.test");
            }
            try (TestTls.Client t = TestTls.Client.connect(TestTls.SERVER.clientContext(), server.implicitTlsPort())) {
                assertThat(t.reply()).startsWith("220 mx.test ESMTP");
                assertThat(t.ask("EHLO client.test")).doesNotContain("STARTTLS");
                assertThat(t.ask("STARTTLS")).startsWith("503");
                assertThat(t.ask("MAIL FROM:<a@example.com>")).startsWith("250");
                assertThat(t.ask("QUIT")).startsWith("221");
            }
        }
        assertThat(seen).singleElement().satisfies(s -> {
            assertThat(s.tls()).isTrue();
            assertThat(s.info()).isNotNull();
        });
    }

    @Test
    @DisplayName("RFC 8314 §3.3: with TlsPolicy.OFF the plain port offers no STARTTLS while the implicit-TLS port serves")
    void implicitOnly() throws Exception {
        try (SmtpServer server = tls().tlsPolicy(TlsPolicy.OFF).implicitTlsPort(0).messageHandler(new Inbox()).build().start()) {
            try (RawClient c = new RawClient(server.port())) {
                c.reply();
                assertThat(c.ask("EHLO client.test")).doesNotContain("STARTTLS");
                assertThat(c.ask("STARTTLS")).startsWith("502");
            }
            try (TestTls.Client t = TestTls.Client.connect(TestTls.SERVER.clientContext(), server.implicitTlsPort())) {
                assertThat(t.reply()).startsWith("220");
                assertThat(t.ask("EHLO client.test")).startsWith("250");
            }
        }
    }

    @Test
    @DisplayName("tlsProtocols limits the versions: a server on TLS 1.2 only negotiates TLS 1.2")
    void protocols() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = tls().tlsProtocols(List.of("TLSv1.2")).handler(recording(seen)).build().start();
             RawClient c = new RawClient(server.port());
             TestTls.Client t = startTls(c)) {
            t.ask("EHLO client.test");
            assertThat(t.ask("MAIL FROM:<a@example.com>")).startsWith("250");
            assertThat(t.socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
        assertThat(seen.get(0).info().protocol()).isEqualTo("TLSv1.2");
    }

    @Test
    @DisplayName("RFC 8446 §4.3.2: ClientCertificatePolicy.NEED: the handler sees the client's certificate; without one no session")
    void clientCertificateNeeded() throws Exception {
        SelfSignedCertificate client = SelfSignedCertificate.generate("client.test");
        SSLContext serverContext = TestTls.context(TestTls.SERVER, TestTls.anyClient());
        SSLContext withCertificate = clientContext(client);
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = SmtpServerTest.local().tls(serverContext).clientCertificates(ClientCertificatePolicy.NEED)
                .implicitTlsPort(0).handler(recording(seen)).build().start()) {
            try (TestTls.Client t = TestTls.Client.connect(withCertificate, server.implicitTlsPort())) {
                assertThat(t.reply()).startsWith("220");
                t.ask("EHLO client.test");
                assertThat(t.ask("MAIL FROM:<a@example.com>")).startsWith("250");
            }
            assertThatThrownBy(() -> {
                try (TestTls.Client t = TestTls.Client.connect(TestTls.SERVER.clientContext(), server.implicitTlsPort())) {
                    // Under TLS 1.3 the client learns of the refusal on its first read.
                    t.reply();
                    t.ask("EHLO client.test");
                }
            }).isInstanceOf(SSLException.class);
        }
        assertThat(seen).singleElement().satisfies(s -> assertThat(s.info().clientCertificate())
                .hasValueSatisfying(c -> assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=client.test")));
    }

    @Test
    @DisplayName("RFC 8446 §4.3.2: ClientCertificatePolicy.WANT serves a client without a certificate")
    void clientCertificateWanted() throws Exception {
        SSLContext serverContext = TestTls.context(TestTls.SERVER, TestTls.anyClient());
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (SmtpServer server = SmtpServerTest.local().tls(serverContext).clientCertificates(ClientCertificatePolicy.WANT)
                .handler(recording(seen)).build().start();
             RawClient c = new RawClient(server.port());
             TestTls.Client t = startTls(c)) {
            t.ask("EHLO client.test");
            assertThat(t.ask("MAIL FROM:<a@example.com>")).startsWith("250");
        }
        assertThat(seen.get(0).info().clientCertificate()).isEmpty();
    }

    private static SSLContext clientContext(SelfSignedCertificate own) throws Exception {
        return TestTls.context(own, TestTls.SERVER.trustManager());
    }

    @Test
    @DisplayName("the builder names the setting a TLS configuration lacks")
    void builderChecks() {
        assertThatThrownBy(() -> SmtpServerTest.local().implicitTlsPort(0).messageHandler(new Inbox()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("implicitTlsPort").hasMessageContaining("tls(");
        assertThatThrownBy(() -> SmtpServerTest.local().tlsPolicy(TlsPolicy.REQUIRED).messageHandler(new Inbox()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tls(context)");
        assertThatThrownBy(() -> tls().tlsProtocols(List.of("SSLv2")).messageHandler(new Inbox()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsProtocols");
        SmtpServer notStarted = tls().implicitTlsPort(0).messageHandler(new Inbox()).build();
        assertThatThrownBy(notStarted::implicitTlsPort).isInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
        try (SmtpServer plain = SmtpServerTest.local().messageHandler(new Inbox()).build().start()) {
            assertThatThrownBy(plain::implicitTlsPort).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("implicitTlsPort(port)");
        }
    }
}
