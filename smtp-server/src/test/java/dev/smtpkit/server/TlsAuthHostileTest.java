package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.testsupport.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile peers at the TLS and AUTH seams of the socket server: plaintext injected across
 * STARTTLS, handshake garbage, handshakes that never finish, and AUTH guessing. After each, the
 * server must hold no thread for the peer, still serve a well-behaved client, and never have
 * shown a secret to its transcript listener.
 */
class TlsAuthHostileTest {

    private static final Duration WAIT = SmtpServerTest.WAIT;
    /** Short, so the timeout cases take about a second each. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(700);

    /** What the handler saw at MAIL: whether the connection was authenticated, and whether over TLS. */
    record Seen(Optional<String> identity, boolean tls) {
    }

    /** Every line the transcript listener was given, both ways. */
    static final class Lines implements TranscriptListener {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void received(Connection connection, String line) {
            lines.add("C: " + line);
        }

        @Override
        public void sent(Connection connection, Reply reply) {
            lines.add("S: " + reply);
        }

        void assertNoSecret(String... secrets) {
            for (String secret : secrets) {
                assertThat(lines).noneMatch(l -> l.contains(secret));
            }
        }
    }

    private static SessionHandler.Factory recording(List<Seen> seen) {
        return connection -> new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                seen.add(new Seen(connection.authenticatedIdentity(), connection.isTls()));
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, InputStream content) throws IOException {
                content.readAllBytes();
            }
        };
    }

    /** TLS on both ports, AUTH allowed even in plaintext: the injected AUTH would succeed were it read. */
    private static SmtpServer.Builder server(List<Seen> seen, Lines transcript) {
        return SmtpServerTest.local().tls(TestTls.SERVER.serverContext()).implicitTlsPort(0)
                .authenticator(AuthTest.USERS).allowAuthWithoutTls(true).commandTimeout(COMMAND_TIMEOUT)
                .transcriptListener(transcript).handler(recording(seen));
    }

    /** Whether some server thread is still inside a connection: idle pool threads are not a leak, busy ones are. */
    private static boolean connectionThreadsBusy() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().isAlive() && e.getKey().getName().startsWith(Threads.PREFIX))
                .anyMatch(e -> Arrays.stream(e.getValue())
                        .anyMatch(f -> f.getClassName().equals(SessionDriver.class.getName()) || f.getClassName().equals(SocketLink.class.getName())));
    }

    private static void assertNothingHeld(SmtpServer server) {
        await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0 && !connectionThreadsBusy());
    }

    /** A plain connection over TLS, after STARTTLS, with EHLO said. */
    private static TestTls.Client startTls(RawClient c) throws IOException {
        assertThat(c.reply()).startsWith("220");
        assertThat(c.ask("EHLO client.test")).contains("STARTTLS");
        assertThat(c.ask("STARTTLS")).startsWith("220 2.0.0");
        return new TestTls.Client(TestTls.SERVER.clientContext(), c.socket());
    }

    /** A well-behaved client on the implicit-TLS port gets through a whole transaction. */
    private static void assertServesTls(SmtpServer server) throws IOException {
        try (TestTls.Client t = TestTls.Client.connect(TestTls.SERVER.clientContext(), server.implicitTlsPort())) {
            assertThat(t.reply()).startsWith("220 mx.test");
            assertThat(t.ask("EHLO client.test")).startsWith("250");
            assertThat(t.ask("AUTH PLAIN " + AuthTest.plain(AuthTest.USER, AuthTest.PASSWORD))).startsWith("235");
            assertThat(t.ask("MAIL FROM:<alice@example.com>")).startsWith("250");
            assertThat(t.ask("QUIT")).startsWith("221");
        }
    }

    /**
     * Reads until the server closes; what comes before (a TLS alert) is ignored. Returns how long
     * that took, or fails if the server said nothing and kept the connection for {@code within}.
     */
    private static Duration closedWithin(RawClient c, Duration within) throws IOException {
        long start = System.nanoTime();
        c.socket().setSoTimeout((int) within.toMillis());
        InputStream in = c.socket().getInputStream();
        byte[] b = new byte[4096];
        try {
            // Bounded: an alert is a few octets; a server that streamed more would fail here.
            for (int i = 0; i < 64; i++) {
                if (in.read(b) < 0) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            }
            throw new AssertionError("the server kept writing and did not close");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + within, e);
        } catch (SocketException e) {
            // Reset by the server: closed as well.
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }

    /** The first octets a real TLS client sends: its ClientHello record. */
    private static byte[] clientHello() throws Exception {
        SSLEngine engine = TestTls.SERVER.clientContext().createSSLEngine("mx.test", 465);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        assertThat(hello[0]).as("a TLS handshake record").isEqualTo((byte) 22);
        return hello;
    }

    // ---------------------------------------------------------------- injection across STARTTLS

    @Test
    @DisplayName("CVE-2011-0411, RFC 3207 §4.2: AUTH PLAIN pipelined after STARTTLS in plaintext gets no reply and does not authenticate")
    void cve20110411InjectedAuth() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        Lines transcript = new Lines();
        String secret = AuthTest.plain(AuthTest.USER, AuthTest.PASSWORD);
        try (SmtpServer server = server(seen, transcript).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.ask("EHLO client.test")).contains("STARTTLS").contains("AUTH");
            // One write, so both reach the server in one segment, before the handshake.
            c.send("STARTTLS\r\nAUTH PLAIN " + secret + "\r\n");
            assertThat(c.reply()).startsWith("220 2.0.0");
            try (TestTls.Client t = new TestTls.Client(TestTls.SERVER.clientContext(), c.socket())) {
                // Were the AUTH read, its 235 would come first.
                assertThat(t.ask("EHLO client.test")).startsWith("250-mx.test");
                assertThat(t.ask("MAIL FROM:<alice@example.com>")).startsWith("250");
                assertThat(t.ask("QUIT")).startsWith("221");
            }
            assertNothingHeld(server);
        }
        assertThat(seen).singleElement().satisfies(s -> {
            assertThat(s.tls()).isTrue();
            assertThat(s.identity()).isEmpty();
        });
        assertThat(transcript.lines).noneMatch(l -> l.startsWith("S: 235"));
        transcript.assertNoSecret(secret, AuthTest.PASSWORD);
    }

    @Test
    @DisplayName("RFC 3207 §4.2, RFC 2920 §3.1: of a group pipelined around STARTTLS only the commands before it are answered; then EHLO is needed again")
    void pipelinedAcrossStartTls() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        Lines transcript = new Lines();
        try (SmtpServer server = server(seen, transcript).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.ask("EHLO client.test")).contains("PIPELINING");
            c.send("NOOP\r\nRSET\r\nNOOP\r\nSTARTTLS\r\nNOOP\r\nMAIL FROM:<mallory@example.com>\r\nRCPT TO:<bob@example.com>\r\n");
            assertThat(c.reply()).startsWith("250");
            assertThat(c.reply()).startsWith("250");
            assertThat(c.reply()).startsWith("250");
            assertThat(c.reply()).startsWith("220 2.0.0");
            try (TestTls.Client t = new TestTls.Client(TestTls.SERVER.clientContext(), c.socket())) {
                // The session started over: no MAIL stands, and none may start before EHLO.
                assertThat(t.ask("MAIL FROM:<alice@example.com>")).startsWith("503");
                assertThat(t.ask("RCPT TO:<bob@example.com>")).startsWith("503");
                assertThat(t.ask("EHLO client.test")).startsWith("250-mx.test").doesNotContain("STARTTLS");
                assertThat(t.ask("MAIL FROM:<alice@example.com>")).startsWith("250");
                assertThat(t.ask("QUIT")).startsWith("221");
            }
        }
        assertThat(seen).singleElement().satisfies(s -> assertThat(s.tls()).isTrue());
        assertThat(transcript.lines).noneMatch(l -> l.contains("mallory"));
    }

    // ---------------------------------------------------------------- handshake garbage

    @ParameterizedTest(name = "{0} to the implicit-TLS port: closed, and the server serves the next client")
    @ValueSource(strings = {"random octets", "an HTTP request", "an SMTP command", "an SSLv2 hello"})
    @DisplayName("RFC 8314 §3.3: garbage instead of a ClientHello on the implicit-TLS port closes that connection only")
    void garbageToImplicitTlsPort(String kind) throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        Lines transcript = new Lines();
        try (SmtpServer server = server(seen, transcript).build().start()) {
            try (RawClient c = new RawClient(server.implicitTlsPort())) {
                c.send(garbage(kind));
                // Well inside the command timeout would be nicer, but a random record header may
                // announce a length the server waits for; either way the connection must end.
                closedWithin(c, WAIT);
            }
            assertNothingHeld(server);
            assertServesTls(server);
            assertNothingHeld(server);
        }
        assertThat(seen).singleElement().satisfies(s -> assertThat(s.identity()).contains(AuthTest.USER));
        transcript.assertNoSecret(AuthTest.PASSWORD, AuthTest.plain(AuthTest.USER, AuthTest.PASSWORD));
    }

    @ParameterizedTest(name = "{0} after the 220 to STARTTLS: closed, and the server serves the next client")
    @ValueSource(strings = {"random octets", "an HTTP request", "an SMTP command", "an SSLv2 hello"})
    @DisplayName("RFC 3207 §4: garbage instead of a ClientHello after STARTTLS closes that connection only")
    void garbageAfterStartTls(String kind) throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        Lines transcript = new Lines();
        try (SmtpServer server = server(seen, transcript).build().start()) {
            try (RawClient c = new RawClient(server.port())) {
                assertThat(c.reply()).startsWith("220");
                c.ask("EHLO client.test");
                assertThat(c.ask("STARTTLS")).startsWith("220 2.0.0");
                c.send(garbage(kind));
                closedWithin(c, WAIT);
            }
            assertNothingHeld(server);
            try (RawClient c = new RawClient(server.port()); TestTls.Client t = startTls(c)) {
                assertThat(t.ask("EHLO client.test")).startsWith("250");
                assertThat(t.ask("MAIL FROM:<alice@example.com>")).startsWith("250");
            }
            assertNothingHeld(server);
        }
        assertThat(seen).hasSize(1);
    }

    private static byte[] garbage(String kind) {
        return switch (kind) {
            case "random octets" -> {
                byte[] b = new byte[4096];
                new Random(20110411).nextBytes(b);
                yield b;
            }
            case "an HTTP request" -> "GET / HTTP/1.1\r\nHost: mx.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            case "an SMTP command" -> "EHLO client.test\r\nMAIL FROM:<a@example.com>\r\n".getBytes(StandardCharsets.US_ASCII);
            // A record header that claims an old SSLv2 hello, then nothing sensible.
            case "an SSLv2 hello" -> new byte[] {(byte) 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10};
            default -> throw new IllegalArgumentException(kind);
        };
    }

    // ---------------------------------------------------------------- handshakes that never finish

    @Test
    @DisplayName("RFC 8314 §3.3: a client that connects to the implicit-TLS port and says nothing is closed at the command timeout")
    void silentOnImplicitTlsPort() throws Exception {
        try (SmtpServer server = server(new CopyOnWriteArrayList<>(), new Lines()).build().start()) {
            try (RawClient c = new RawClient(server.implicitTlsPort())) {
                assertThat(closedWithin(c, WAIT)).isBetween(COMMAND_TIMEOUT.minusMillis(200), COMMAND_TIMEOUT.plusSeconds(5));
            }
            assertNothingHeld(server);
            assertServesTls(server);
        }
    }

    @Test
    @DisplayName("RFC 8314 §3.3: half a ClientHello, then silence, is closed at the command timeout")
    void halfClientHelloOnImplicitTlsPort() throws Exception {
        byte[] hello = clientHello();
        try (SmtpServer server = server(new CopyOnWriteArrayList<>(), new Lines()).build().start()) {
            try (RawClient c = new RawClient(server.implicitTlsPort())) {
                c.send(Arrays.copyOf(hello, hello.length / 2));
                assertThat(closedWithin(c, WAIT)).isBetween(COMMAND_TIMEOUT.minusMillis(200), COMMAND_TIMEOUT.plusSeconds(5));
            }
            assertNothingHeld(server);
            assertServesTls(server);
        }
    }

    @Test
    @DisplayName("RFC 3207 §4: half a ClientHello after the 220 to STARTTLS, then silence, is closed at the command timeout")
    void halfClientHelloAfterStartTls() throws Exception {
        byte[] hello = clientHello();
        try (SmtpServer server = server(new CopyOnWriteArrayList<>(), new Lines()).build().start()) {
            try (RawClient c = new RawClient(server.port())) {
                assertThat(c.reply()).startsWith("220");
                c.ask("EHLO client.test");
                assertThat(c.ask("STARTTLS")).startsWith("220 2.0.0");
                c.send(Arrays.copyOf(hello, hello.length / 2));
                assertThat(closedWithin(c, WAIT)).isBetween(COMMAND_TIMEOUT.minusMillis(200), COMMAND_TIMEOUT.plusSeconds(5));
            }
            assertNothingHeld(server);
        }
    }

    @Test
    @DisplayName("RFC 8314 §3.3: a ClientHello trickled an octet at a time is closed at the command timeout, not read forever")
    void trickledClientHello() throws Exception {
        byte[] hello = clientHello();
        try (SmtpServer server = server(new CopyOnWriteArrayList<>(), new Lines()).build().start();
             RawClient c = new RawClient(server.implicitTlsPort())) {
            long start = System.nanoTime();
            Duration pause = COMMAND_TIMEOUT.dividedBy(3);
            boolean closed = false;
            // Bounded by the hello's length and by a deadline far past the timeout.
            for (int i = 0; i < hello.length && !closed
                    && System.nanoTime() - start < COMMAND_TIMEOUT.multipliedBy(4).toNanos(); i++) {
                try {
                    c.send(new byte[] {hello[i]});
                } catch (SocketException e) {
                    closed = true;
                    break;
                }
                // The pause is the attack itself, not synchronisation: a read that waits for it.
                c.socket().setSoTimeout((int) pause.toMillis());
                try {
                    closed = c.socket().getInputStream().read() < 0;
                } catch (SocketTimeoutException e) {
                    // Still open: trickle on.
                } catch (SocketException e) {
                    closed = true;
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(closed).as("closed while trickling, after %s", took).isTrue();
            assertThat(took).isLessThan(COMMAND_TIMEOUT.multipliedBy(3));
            assertNothingHeld(server);
        }
    }

    // ---------------------------------------------------------------- AUTH guessing

    @Test
    @DisplayName("RFC 4954 §4: past maxAuthFailures, 421 and close; the limit is per connection, so the right password then works, and no guess reaches the transcript")
    void authGuessingPastTheLimit() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        Lines transcript = new Lines();
        int limit = 3;
        try (SmtpServer server = server(seen, transcript).maxAuthFailures(limit).build().start()) {
            try (RawClient c = new RawClient(server.port())) {
                c.reply();
                c.ask("EHLO client.test");
                for (int i = 1; i < limit; i++) {
                    assertThat(c.ask("AUTH PLAIN " + AuthTest.plain(AuthTest.USER, "guess-" + i))).startsWith("535 5.7.8");
                }
                // LOGIN for the last guess, so the two-step exchange is counted too.
                assertThat(c.ask("AUTH LOGIN")).startsWith("334");
                assertThat(c.ask(AuthTest.b64(AuthTest.USER))).startsWith("334");
                assertThat(c.ask(AuthTest.b64("guess-" + limit))).startsWith("535 5.7.8");
                assertThat(c.reply()).startsWith("421 4.7.0");
                assertThat(c.atEnd()).isTrue();
            }
            assertNothingHeld(server);
            try (RawClient c = new RawClient(server.port())) {
                c.reply();
                c.ask("EHLO client.test");
                assertThat(c.ask("AUTH PLAIN " + AuthTest.plain(AuthTest.USER, "guess-again"))).startsWith("535 5.7.8");
                assertThat(c.ask("AUTH PLAIN " + AuthTest.plain(AuthTest.USER, AuthTest.PASSWORD))).startsWith("235 2.7.0");
                assertThat(c.ask("MAIL FROM:<alice@example.com>")).startsWith("250");
            }
            assertServesTls(server);
        }
        assertThat(seen).extracting(Seen::identity).containsOnly(Optional.of(AuthTest.USER));
        for (int i = 1; i <= limit; i++) {
            transcript.assertNoSecret("guess-" + i, AuthTest.plain(AuthTest.USER, "guess-" + i),
                    AuthTest.b64("guess-" + i));
        }
        transcript.assertNoSecret(AuthTest.PASSWORD, AuthTest.plain(AuthTest.USER, AuthTest.PASSWORD), "guess-again");
        assertThat(transcript.lines).anyMatch(l -> l.startsWith("S: 421"));
    }
}
