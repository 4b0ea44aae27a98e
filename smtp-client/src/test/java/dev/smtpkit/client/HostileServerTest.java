package dev.smtpkit.client;

import static dev.smtpkit.client.SmtpClientTest.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.server.security.SelfSignedCertificate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client against servers that are hostile rather than merely faulty: garbage for replies,
 * replies without end, a connection dropped at every step, a reply that stalls, and a STARTTLS
 * that is no TLS. Each must end in a typed exception that says what happened, within the
 * configured timeouts, and leave the client able to send the next message.
 */
class HostileServerTest {

    private static final byte[] CONTENT = "Subject: hi\r\n\r\nfirst line\r\nsecond line\r\nthird line\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(600);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** How long a reply written on the loopback is given to reach the client. */
    private static final Duration SETTLE = Duration.ofMillis(20);
    private static final SelfSignedCertificate CERT = SelfSignedCertificate.generate("localhost");
    /** Made once: making it takes longer than the command timeout the stub must greet within. */
    private static final SSLContext SERVER_TLS = CERT.serverContext();

    private static SmtpClient.Builder client(HostileServer server) {
        return SmtpClient.builder().host("127.0.0.1").port(server.port()).tlsMode(TlsMode.NONE)
                .heloName("client.example").commandTimeout(COMMAND_TIMEOUT).dataTimeout(WAIT);
    }

    private static SendResult send(SmtpClient client) {
        return client.send(envelope("bob@example.com"), MessageContent.of(CONTENT));
    }

    /** The next send goes through, on a fresh connection since the hostile one is gone. */
    private static void assertRecovers(SmtpClient client, HostileServer server) {
        int before = server.connections.get();
        assertThat(send(client).messageReply().code()).isEqualTo(250);
        assertThat(server.connections.get()).isEqualTo(before + 1);
    }

    // ---------------------------------------------------------------- garbage

    @ParameterizedTest(name = "greeting {0}")
    @ValueSource(strings = {"hello, friend", "2x0 nearly", "999 out of range", "\u0000\u0001\u0002binary", "250"})
    @DisplayName("RFC 5321 §4.2: a greeting that is no reply ends the session with SmtpProtocolViolationException naming the protocol error")
    void garbageGreeting(String greeting) throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.replyAt("CONNECT", greeting)
                : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpProtocolViolationException.class, e -> {
                assertThat(e.getMessage()).containsAnyOf("malformed reply", "the greeting must be 220, 554 or 421");
                assertThat(e.mayHaveBeenDelivered()).isFalse();
            });
            assertRecovers(client, server);
        }
    }

    @ParameterizedTest(name = "{0} to MAIL")
    @ValueSource(strings = {"ok then", "354 start mail input", "199 preliminary", "25O letter O", "2500 too long"})
    @DisplayName("RFC 5321 §4.3.2: a reply MAIL does not allow (or no reply at all) fails that message only")
    void wrongReplyToMail(String reply) throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.replyAt("MAIL", reply)
                : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpProtocolViolationException.class, e -> {
                assertThat(e.getMessage()).containsAnyOf("malformed reply", "unexpected " + reply.substring(0, 3))
                        .contains("reply to MAIL FROM").contains(reply);
                assertThat(e.mayHaveBeenDelivered()).isFalse();
            });
            assertRecovers(client, server);
            assertThat(server.delivered).hasSize(1);
        }
    }

    @Test
    @DisplayName("Limits.maxReplyLines: a multi-line reply that never ends (250- forever) is cut off, not buffered")
    void multiLineReplyWithoutEnd() throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? peer -> {
                peer.write("220 hostile.example ESMTP\r\n");
                peer.line();
                // Bounded: far past the limit, and stops as soon as the client hangs up.
                for (int i = 0; i < 1_000_000; i++) {
                    peer.write("250-EXTENSION-" + i + "\r\n");
                }
            } : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpProtocolViolationException.class,
                    e -> assertThat(e).hasMessageContaining("maxReplyLines"));
            assertRecovers(client, server);
        }
    }

    @Test
    @DisplayName("Limits.maxReplyLine (RFC 5321 §4.5.3.1.5): a reply line of a megabyte is refused as it comes")
    void megabyteReplyLine() throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? peer -> {
                peer.write("220 hostile.example ESMTP\r\n");
                peer.line();
                byte[] kilobyte = "x".repeat(1024).getBytes(StandardCharsets.US_ASCII);
                peer.write("250 ");
                for (int i = 0; i < 1024; i++) {
                    peer.write(kilobyte);
                }
                peer.write("\r\n");
            } : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpProtocolViolationException.class,
                    e -> assertThat(e).hasMessageContaining("maxReplyLine"));
            assertRecovers(client, server);
        }
    }

    @Test
    @DisplayName("Issue 17: 250 written together with the 354 is unsolicited: the message fails, the end of data is never sent")
    void earlyReplyWithThe354() throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.injectingAfterData()
                : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpProtocolViolationException.class, e -> {
                assertThat(e).hasMessageContaining("unsolicited reply 250 2.0.0 queued");
                assertThat(e.reply()).isEmpty();
                assertThat(e.mayHaveBeenDelivered()).isFalse();
                // No reply came for the message: the result says so with the stand-in for a malformed one.
                assertThat(e.result()).hasValueSatisfying(r -> {
                    assertThat(r.isDelivered()).isFalse();
                    assertThat(r.recipients()).singleElement()
                            .satisfies(x -> assertThat(x.outcome()).isEqualTo(Replies.MALFORMED_REPLY));
                    assertThat(r.transcript()).isEqualTo(e.transcript()).contains("C: DATA", "S: 354 go ahead");
                });
            });
            assertThat(server.peers.get(0).awaitEnd(WAIT)).as("the client hung up").isTrue();
            assertThat(server.peers.get(0).receivedText()).contains("DATA\r\n").doesNotContain("\r\n.\r\n");
            assertThat(server.delivered).isEmpty();
            assertRecovers(client, server);
        }
    }

    @RepeatedTest(value = 25, name = "{displayName} ({currentRepetition}/{totalRepetitions})")
    @DisplayName("Issue 17: over STARTTLS, a 250 in a TLS record of its own after the 354 fails the message; the end of data is never sent")
    void earlyReplyInItsOwnTlsRecordAfterStartTls() throws Exception {
        assertEarlyTlsRecordRefused(false);
    }

    @RepeatedTest(value = 25, name = "{displayName} ({currentRepetition}/{totalRepetitions})")
    @DisplayName("Issue 17: over implicit TLS, a 250 in a TLS record of its own after the 354 fails the message; the end of data is never sent")
    void earlyReplyInItsOwnTlsRecordOverImplicitTls() throws Exception {
        assertEarlyTlsRecordRefused(true);
    }

    /**
     * The 354 and the early 250 come in TLS records of their own, the 250 a pause after the 354,
     * so the client's TLS socket has handed over the 354 and holds nothing decrypted when the 250
     * arrives. The content is a stream that the client can read only once the server has written
     * the 250 (and {@link #SETTLE} more, for the loopback to deliver it): a reply that arrives
     * after the end of data went out cannot be told from the reply to it, so the test makes sure
     * the injected one arrives while the client is still in the data phase, as it does when the
     * message is large or its source slow. Repeated, as a check that depends on timing passes
     * only now and then.
     */
    private static void assertEarlyTlsRecordRefused(boolean implicit) throws Exception {
        CountDownLatch injected = new CountDownLatch(1);
        try (HostileServer server = new HostileServer(n -> HostileServer.overTls(SERVER_TLS, implicit,
                n == 1 ? HostileServer.injectingInItsOwnRecord(Duration.ofMillis(10), injected) : HostileServer.conversation()));
             SmtpClient client = client(server).tlsMode(implicit ? TlsMode.IMPLICIT : TlsMode.STARTTLS_REQUIRED)
                     .sslContext(CERT.clientContext()).build()) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), heldUntil(injected)))
                    .isInstanceOfSatisfying(SmtpProtocolViolationException.class, e -> {
                        assertThat(e).hasMessageContaining("unsolicited reply 250 2.0.0 queued");
                        assertThat(e.reply()).isEmpty();
                        assertThat(e.mayHaveBeenDelivered()).isFalse();
                        assertThat(e.transcript()).anyMatch(l -> l.startsWith("-- TLS established"));
                    });
            assertThat(server.peers.get(0).awaitEnd(WAIT)).as("the client hung up").isTrue();
            assertThat(server.peers.get(0).tls).isTrue();
            assertThat(server.delivered).as("messages whose end of data the server saw").isEmpty();
            assertRecovers(client, server);
        }
    }

    /** {@link #CONTENT} from a stream that gives nothing until {@code released} is counted down, and {@link #SETTLE} more. */
    private static MessageContent heldUntil(CountDownLatch released) {
        return MessageContent.of(new java.io.FilterInputStream(new java.io.ByteArrayInputStream(CONTENT)) {
            private boolean waited;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (!waited) {
                    waited = true;
                    try {
                        if (!released.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                            throw new IOException("not released within " + WAIT);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                    HostileServer.sleep(SETTLE);
                }
                return super.read(b, off, len);
            }
        });
    }

    @Test
    @DisplayName("Issue 17, RFC 5321 §4.5.3.1: a 2,000-octet reply line is taken by default; a stricter SmtpClient.Builder.limits refuses it as a protocol violation")
    void longReplyLineTolerated() throws Exception {
        String longLine = "220-" + "x".repeat(2000) + "\r\n";
        try (HostileServer server = new HostileServer(n -> peer -> {
                peer.write(longLine);
                HostileServer.conversation().serve(peer);
            });
             SmtpClient client = client(server).build();
             SmtpClient strict = client(server).limits(dev.smtpkit.core.Limits.DEFAULTS).build()) {
            assertThat(send(client).messageReply().code()).isEqualTo(250);
            assertThatThrownBy(() -> send(strict)).isInstanceOfSatisfying(SmtpProtocolViolationException.class, e -> {
                assertThat(e).hasMessageContaining("Limits.maxReplyLine (512");
                assertThat(e.reply()).as("no reply the client made up").isEmpty();
            });
        }
    }

    // ---------------------------------------------------------------- dropped at every step

    @ParameterizedTest(name = "dropped at {0}")
    @ValueSource(strings = {"CONNECT", "EHLO", "MAIL", "RCPT", "DATA", "CONTENT", "."})
    @DisplayName("RFC 5321 §3.8: a connection dropped at any step is SmtpConnectionException; only after the final dot may the message have been delivered")
    void droppedAtEveryStep(String step) throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.replyAt(step, HostileServer.DROP)
                : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpConnectionException.class, e -> {
                assertThat(e.getMessage()).containsAnyOf("lost", "ended", "end of input", "closed");
                // The message is small enough to go out in one write, final dot and all, before
                // the client can see a drop in the middle: then it cannot know, and says so.
                assertThat(e.mayHaveBeenDelivered()).isEqualTo(step.equals(".") || step.equals("CONTENT"));
                // From MAIL on, a transaction had begun: each recipient is reported, its reply lost.
                assertThat(e.result().isPresent()).isEqualTo(!step.equals("CONNECT") && !step.equals("EHLO"));
                e.result().ifPresent(r -> assertThat(r.recipients()).singleElement()
                        .satisfies(x -> assertThat(x.outcome()).isEqualTo(Replies.CONNECTION_LOST)));
            });
            assertRecovers(client, server);
            assertThat(server.delivered).hasSize(1);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: a pooled connection the server dropped while idle is noticed by the RSET probe, and a fresh one is made")
    void droppedWhileIdleInThePool() throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.replyAt("QUIT-OR-RSET", HostileServer.DROP)
                : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThat(send(client).messageReply().code()).isEqualTo(250);
            assertRecovers(client, server);
            assertThat(server.delivered).hasSize(2);
        }
    }

    @ParameterizedTest(name = "probe answered {0}")
    @ValueSource(strings = {"421 4.4.2 idle too long", "500 5.5.1 what"})
    @DisplayName("RFC 5321 §4.1.1.5, RFC 2920 §3.1: a refused RSET probe pipelined with the envelope sends no content; the message goes once, on a fresh connection")
    void refusedPipelinedProbe(String probeReply) throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.refusingTheProbe(probeReply)
                : HostileServer.conversation());
             SmtpClient client = client(server).build()) {
            assertThat(send(client).messageReply().code()).isEqualTo(250);
            assertThat(send(client).messageReply().code()).isEqualTo(250);
            assertThat(server.connections.get()).isEqualTo(2);
            // The first message on the first connection, the second on the fresh one: none twice, no empty one.
            assertThat(server.delivered).hasSize(2).allSatisfy(m -> assertThat(m).contains("first line"));
        }
    }

    // ---------------------------------------------------------------- stalls

    @ParameterizedTest(name = "stalled in the {0}")
    @ValueSource(strings = {"CONNECT", "EHLO", "MAIL", "."})
    @DisplayName("RFC 5321 §4.5.3.2: half a reply line, then silence, is SmtpTimeoutException at the command timeout")
    void stalledMidReply(String step) throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.replyAt(step, HostileServer.STALL)
                : HostileServer.conversation());
             SmtpClient client = client(server).dataTimeout(COMMAND_TIMEOUT).build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpTimeoutException.class, e -> {
                assertThat(e).hasMessageContaining("no reply").hasMessageContaining("timeout (" + Connection.human(COMMAND_TIMEOUT));
                assertThat(e.mayHaveBeenDelivered()).isEqualTo(step.equals("."));
                // A timeout inside a transaction reports it too, the reply that never came lost.
                assertThat(e.result().isPresent()).isEqualTo(step.equals("MAIL") || step.equals("."));
                e.result().ifPresent(r -> {
                    assertThat(r.isDelivered()).isFalse();
                    assertThat(r.recipients()).singleElement()
                            .satisfies(x -> assertThat(x.outcome()).isEqualTo(Replies.CONNECTION_LOST));
                    assertThat(r.dataReply().isPresent()).isEqualTo(step.equals("."));
                });
            });
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isBetween(COMMAND_TIMEOUT.minusMillis(100), COMMAND_TIMEOUT.plusSeconds(3));
            assertRecovers(client, server);
        }
    }

    @Test
    @DisplayName("Issue 17, RFC 5321 §4.5.3.2.6: the wait for the reply to the end of data has its own timeout, not the command timeout")
    void endOfDataHasItsOwnTimeout() throws Exception {
        Duration slow = COMMAND_TIMEOUT.multipliedBy(3);
        try (HostileServer server = new HostileServer(n -> HostileServer.answeringData(peer -> {
                peer.write("354 go ahead\r\n");
                for (String l = peer.line(); !".".equals(l); l = peer.line()) {
                    if (l == null) {
                        return false;
                    }
                }
                peer.drain(slow); // a server checking the message for longer than a command may take
                peer.write("250 2.0.0 queued after a while\r\n");
                return true;
            }));
             SmtpClient client = client(server).dataTimeout(COMMAND_TIMEOUT).timeout(Timeout.DATA_TERMINATION, WAIT).build()) {
            assertThat(send(client).messageReply().toString()).contains("queued after a while");
        }
        try (HostileServer server = new HostileServer(n -> HostileServer.replyAt(".", HostileServer.STALL));
             SmtpClient client = client(server).timeout(Timeout.DATA_TERMINATION, COMMAND_TIMEOUT).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpTimeoutException.class, e -> {
                assertThat(e).hasMessageContaining("DATA_TERMINATION timeout (600 ms")
                        .hasMessageContaining("SmtpClient.Builder.timeout(Timeout.DATA_TERMINATION)")
                        .hasMessageContaining("§4.5.3.2.6");
                assertThat(e.mayHaveBeenDelivered()).isTrue();
            });
        }
    }

    @ParameterizedTest(name = "trickled in the {0}")
    @ValueSource(strings = {"CONNECT", "MAIL", "."})
    @DisplayName("RFC 5321 §4.5.3.2: a reply trickled an octet at a time is SmtpTimeoutException at the command timeout, not when the server stops")
    void trickledReply(String step) throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.replyAt(step, HostileServer.TRICKLE)
                : HostileServer.conversation());
             SmtpClient client = client(server).dataTimeout(COMMAND_TIMEOUT).build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpTimeoutException.class,
                    e -> assertThat(e).hasMessageContaining("no reply").hasMessageContaining("timeout (" + Connection.human(COMMAND_TIMEOUT)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // Each octet comes well within the timeout, so a per-read timeout would wait out the whole trickle (WAIT).
            assertThat(took).isBetween(COMMAND_TIMEOUT.minusMillis(100), COMMAND_TIMEOUT.plusSeconds(3));
            assertRecovers(client, server);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.5: a server that stops reading mid-message is SmtpTimeoutException at the data timeout, not a write blocked for ever")
    void stopsReadingMidMessage() throws Exception {
        // Far more than the loopback socket buffers take, so the write blocks once the server stops reading.
        byte[] big = new byte[64 << 20];
        java.util.Arrays.fill(big, (byte) 'x');
        for (int i = 998; i < big.length; i += 1000) {
            big[i] = '\r';
            big[i + 1] = '\n';
        }
        try (HostileServer server = new HostileServer(n -> n == 1 ? HostileServer.stopsReadingAfterData()
                : HostileServer.conversation());
             SmtpClient client = client(server).dataTimeout(COMMAND_TIMEOUT).build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(big)))
                    .isInstanceOfSatisfying(SmtpTimeoutException.class, e -> {
                        assertThat(e).hasMessageContaining("took no data").hasMessageContaining("SmtpClient.Builder.timeout(Timeout.DATA_BLOCK)");
                        assertThat(e.mayHaveBeenDelivered()).isFalse();
                    });
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isBetween(COMMAND_TIMEOUT.minusMillis(100), COMMAND_TIMEOUT.plusSeconds(5));
            assertRecovers(client, server);
        }
    }

    // ---------------------------------------------------------------- STARTTLS that is no TLS

    @ParameterizedTest(name = "{0} after the 220 to STARTTLS")
    @ValueSource(strings = {"plaintext", "random octets", "a close"})
    @DisplayName("RFC 3207 §4, §6: under STARTTLS_REQUIRED a failed handshake is SmtpTlsException and nothing more is said in plaintext")
    void startTlsThenNoTls(String kind) throws Exception {
        try (HostileServer server = new HostileServer(n -> n == 1 ? peer -> {
                peer.write("220 hostile.example ESMTP\r\n");
                peer.line();
                peer.write("250-hostile.example\r\n250-PIPELINING\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n");
                assertThat(peer.line()).isEqualTo("STARTTLS");
                peer.markStartTls();
                peer.write("220 2.0.0 go ahead\r\n");
                switch (kind) {
                    case "plaintext" -> peer.write("250 OK\r\n250 OK\r\n");
                    case "random octets" -> {
                        byte[] b = new byte[2048];
                        new Random(3207).nextBytes(b);
                        peer.write(b);
                    }
                    default -> {
                        return;
                    }
                }
                peer.drain(WAIT);
            } : HostileServer.conversation(SERVER_TLS));
             SmtpClient client = client(server).host("127.0.0.1").tlsMode(TlsMode.STARTTLS_REQUIRED)
                     .sslContext(CERT.clientContext())
                     .credentials(ClientCredentials.password("alice", "s3cret-Passw0rd")).build()) {
            assertThatThrownBy(() -> send(client)).isInstanceOfSatisfying(SmtpClientException.class, e -> {
                assertThat(e).isInstanceOf(SmtpTlsException.class).hasMessageContaining("TLS handshake with 127.0.0.1 failed");
            });
            HostileServer.Peer first = server.peers.get(0);
            byte[] after = first.afterStartTls();
            // Nothing but a TLS record (content type 22, handshake) may follow STARTTLS.
            if (after.length > 0) {
                assertThat(after[0]).as("first octet after STARTTLS").isEqualTo((byte) 22);
            }
            String text = new String(after, StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContain("EHLO").doesNotContain("MAIL").doesNotContain("AUTH")
                    .doesNotContain("s3cret").doesNotContain("QUIT");
            assertRecovers(client, server);
            assertThat(server.peers.get(1).tls).isTrue();
        }
    }

    // ---------------------------------------------------------------- the stub

    /** A raw-socket server: connection n (1, 2, ...) gets the behaviour the test gives for n. */
    static final class HostileServer implements AutoCloseable {
        /** Close instead of replying. */
        static final String DROP = "<drop>";
        /** Write half a reply line, then say nothing until the client hangs up. */
        static final String STALL = "<stall>";
        /** Write a reply line an octet at a time, each well within the command timeout, for WAIT. */
        static final String TRICKLE = "<trickle>";

        interface Behaviour {
            void serve(Peer peer) throws IOException;
        }

        private final ServerSocket listener;
        private final Thread acceptor;
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        final List<Peer> peers = new CopyOnWriteArrayList<>();
        final List<String> delivered = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        /** Counted down when the test closes the server: what a peer that stopped reading waits for. */
        final CountDownLatch closing = new CountDownLatch(1);

        HostileServer(IntFunction<Behaviour> byConnection) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket s = listener.accept();
                        Peer peer = new Peer(this, s);
                        peers.add(peer);
                        Behaviour b = byConnection.apply(connections.incrementAndGet());
                        Thread t = new Thread(() -> {
                            try (peer) {
                                b.serve(peer);
                            } catch (IOException | AssertionError e) {
                                // The client hung up, or the behaviour saw what it did not expect;
                                // the test asserts on what the client did.
                            } finally {
                                peer.ended.countDown();
                            }
                        }, "hostile-server-" + connections.get());
                        t.setDaemon(true);
                        threads.add(t);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "hostile-server-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        /** A well-behaved ESMTP server (without PIPELINING, so each step is its own round trip). */
        static Behaviour conversation() {
            return replyAt("", "");
        }

        /** A well-behaved server that offers STARTTLS with {@code tls}. */
        static Behaviour conversation(SSLContext tls) {
            return peer -> {
                peer.tlsContext = tls;
                replyAt("", "").serve(peer);
            };
        }

        /**
         * A well-behaved server except at {@code step} (a verb, {@code CONNECT} for the greeting,
         * {@code CONTENT} for the middle of the message, {@code .} for its end,
         * {@code QUIT-OR-RSET} for whatever follows the first message), where it writes
         * {@code reply} instead, or drops, or stalls.
         */
        static Behaviour replyAt(String step, String reply) {
            return peer -> {
                if (!peer.answer(step, "CONNECT", reply, "220 hostile.example ESMTP")) {
                    return;
                }
                boolean sent = false;
                for (int i = 0; i < 100; i++) {
                    String line = peer.line();
                    if (line == null) {
                        return;
                    }
                    String verb = verb(line);
                    if (sent && (verb.equals("QUIT") || verb.equals("RSET")) && step.equals("QUIT-OR-RSET")) {
                        peer.close();
                        return;
                    }
                    switch (verb) {
                        case "EHLO" -> {
                            if (!peer.answer(step, verb, reply, peer.tlsContext != null && !peer.tls
                                    ? "250-hostile.example\r\n250 STARTTLS"
                                    : peer.tls ? "250-hostile.example\r\n250-AUTH PLAIN\r\n250 8BITMIME"
                                    : "250-hostile.example\r\n250 8BITMIME")) {
                                return;
                            }
                        }
                        case "STARTTLS" -> {
                            peer.write("220 2.0.0 go ahead\r\n");
                            peer.startTls();
                        }
                        case "DATA" -> {
                            if (!peer.answer(step, verb, reply, "354 go ahead")) {
                                return;
                            }
                            StringBuilder content = new StringBuilder();
                            for (String l = peer.line(); !".".equals(l); l = peer.line()) {
                                if (l == null) {
                                    return;
                                }
                                content.append(l).append("\r\n");
                                if (step.equals("CONTENT") && !peer.answer(step, "CONTENT", reply, null)) {
                                    return;
                                }
                            }
                            if (!step.equals(".")) {
                                // Taken before the 250 goes out, so a test that saw it sees this.
                                peer.server.delivered.add(content.toString());
                            }
                            if (!peer.answer(step, ".", reply, "250 2.0.0 queued")) {
                                return;
                            }
                            sent = true;
                        }
                        case "AUTH" -> peer.write("235 2.7.0 authenticated\r\n");
                        case "QUIT" -> {
                            peer.write("221 bye\r\n");
                            return;
                        }
                        default -> {
                            if (!peer.answer(step, verb, reply, "250 OK")) {
                                return;
                            }
                        }
                    }
                }
            };
        }

        /** What a server built with {@link #answeringData} does at DATA; returns whether the conversation goes on. */
        interface OnData {
            boolean data(Peer peer) throws IOException;
        }

        /**
         * A server without PIPELINING that says 250 to everything but DATA and QUIT; it offers
         * STARTTLS when the peer has a {@code tlsContext} and is not yet in TLS.
         */
        static Behaviour answeringData(OnData onData) {
            return peer -> {
                peer.write("220 hostile.example ESMTP\r\n");
                for (String line = peer.line(); line != null; line = peer.line()) {
                    String verb = verb(line);
                    if (verb.equals("EHLO")) {
                        peer.write(peer.tlsContext != null && !peer.tls ? "250-hostile.example\r\n250 STARTTLS\r\n"
                                : "250-hostile.example\r\n250 8BITMIME\r\n");
                    } else if (verb.equals("STARTTLS")) {
                        peer.write("220 2.0.0 go ahead\r\n");
                        peer.startTls();
                    } else if (verb.equals("DATA")) {
                        if (!onData.data(peer)) {
                            return;
                        }
                    } else if (verb.equals("QUIT")) {
                        peer.write("221 bye\r\n");
                        return;
                    } else {
                        peer.write("250 OK\r\n");
                    }
                }
            };
        }

        /**
         * Answers DATA with {@code 354} and an early {@code 250} in one write, the desync of issue
         * 17; if a final dot comes, answers it 554, so a client that took the 250 as the reply
         * to its end of data reports a delivery that did not happen.
         */
        static Behaviour injectingAfterData() {
            return answeringData(peer -> {
                peer.write("354 go ahead\r\n250 2.0.0 queued\r\n");
                for (String l = peer.line(); !".".equals(l); l = peer.line()) {
                    if (l == null) {
                        return false;
                    }
                }
                peer.write("554 5.7.1 refused\r\n");
                return true;
            });
        }

        /**
         * Issue 17 over TLS: answers DATA with {@code 354} in one write, so one TLS record, and
         * after {@code pause} an early {@code 250} in a write, so a record, of its own; then counts
         * down {@code injected}. A final dot, if one comes, is taken as a delivery and answered
         * 554, so a client that took the 250 for the reply to its end of data reports a delivery
         * that did not happen.
         */
        static Behaviour injectingInItsOwnRecord(Duration pause, CountDownLatch injected) {
            return answeringData(peer -> {
                // Without it Nagle's algorithm would hold the 250 back until the client's
                // content acknowledged the 354, and the 250 would come after the end of data.
                peer.socket.setTcpNoDelay(true);
                peer.write("354 go ahead\r\n");
                sleep(pause);
                peer.write("250 2.0.0 queued\r\n");
                injected.countDown();
                StringBuilder content = new StringBuilder();
                for (String l = peer.line(); !".".equals(l); l = peer.line()) {
                    if (l == null) {
                        return false;
                    }
                    content.append(l).append("\r\n");
                }
                peer.server.delivered.add(content.toString());
                peer.write("554 5.7.1 refused\r\n");
                return true;
            });
        }

        /** {@code behaviour} over TLS with {@code tls}: from the first octet (implicit), or after STARTTLS. */
        static Behaviour overTls(SSLContext tls, boolean implicit, Behaviour behaviour) {
            return peer -> {
                peer.tlsContext = tls;
                if (implicit) {
                    peer.startTls();
                }
                behaviour.serve(peer);
            };
        }

        /** Answers DATA with 354, then reads nothing more until the test ends. */
        static Behaviour stopsReadingAfterData() {
            return answeringData(peer -> {
                peer.write("354 go ahead\r\n");
                try {
                    peer.server.closing.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            });
        }

        /**
         * Offers PIPELINING. After the first message it answers RSET with {@code probeReply} and
         * then MAIL, RCPT and DATA as if all were well, so any content the client still sent would
         * be delivered.
         */
        static Behaviour refusingTheProbe(String probeReply) {
            return peer -> {
                peer.write("220 hostile.example ESMTP\r\n");
                for (int i = 0; i < 100; i++) {
                    String line = peer.line();
                    if (line == null) {
                        return;
                    }
                    switch (verb(line)) {
                        case "EHLO" -> peer.write("250-hostile.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
                        case "RSET" -> peer.write(probeReply + "\r\n");
                        case "DATA" -> {
                            peer.write("354 go ahead\r\n");
                            StringBuilder content = new StringBuilder();
                            for (String l = peer.line(); !".".equals(l); l = peer.line()) {
                                if (l == null) {
                                    return;
                                }
                                content.append(l).append("\r\n");
                            }
                            peer.server.delivered.add(content.toString());
                            peer.write("250 2.0.0 queued\r\n");
                        }
                        case "QUIT" -> {
                            peer.write("221 bye\r\n");
                            return;
                        }
                        default -> peer.write("250 OK\r\n");
                    }
                }
            };
        }

        static void sleep(Duration d) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static String verb(String line) {
            int space = line.indexOf(' ');
            return (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        }

        @Override
        public void close() throws Exception {
            closing.countDown();
            listener.close();
            for (Peer p : peers) {
                p.close();
            }
            acceptor.join(WAIT.toMillis());
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
            }
        }

        /** One connection: reads lines, writes text, and keeps every octet it read. */
        static final class Peer implements AutoCloseable {
            final HostileServer server;
            private Socket socket;
            private InputStream in;
            private OutputStream out;
            private final ByteArrayOutputStream received = new ByteArrayOutputStream();
            /** Counted down when the behaviour for this connection has ended. */
            final CountDownLatch ended = new CountDownLatch(1);
            private int startTlsMark = -1;
            volatile SSLContext tlsContext;
            volatile boolean tls;

            Peer(HostileServer server, Socket socket) throws IOException {
                this.server = server;
                this.socket = socket;
                socket.setSoTimeout((int) WAIT.toMillis());
                in = socket.getInputStream();
                out = socket.getOutputStream();
            }

            /**
             * At {@code step}, writes {@code hostile} (or drops, or stalls); elsewhere writes
             * {@code normal} (if any). Returns whether the conversation goes on.
             */
            boolean answer(String step, String here, String hostile, String normal) throws IOException {
                if (!step.equals(here)) {
                    if (normal != null) {
                        write(normal + "\r\n");
                    }
                    return true;
                }
                switch (hostile) {
                    case DROP -> close();
                    case STALL -> {
                        write("25");
                        drain(WAIT);
                    }
                    case TRICKLE -> trickle();
                    default -> {
                        write(hostile + "\r\n");
                        // Whatever the client says next (QUIT, most likely) is read, then the connection ends.
                        drain(WAIT);
                    }
                }
                return false;
            }

            /**
             * A reply line that never ends, an octet every {@code COMMAND_TIMEOUT / 6}, until the
             * client hangs up or WAIT passes.
             */
            void trickle() throws IOException {
                long end = System.nanoTime() + WAIT.toNanos();
                socket.setSoTimeout((int) COMMAND_TIMEOUT.dividedBy(6).toMillis());
                write("250");
                while (System.nanoTime() < end) {
                    try {
                        if (read() < 0) {
                            return;
                        }
                    } catch (SocketTimeoutException e) {
                        // The pace of the trickle: nothing from the client, one more octet.
                        write("-");
                    }
                }
            }

            /** One line without its CRLF; null at the end of input. Bounded, as a client may be hostile too. */
            String line() throws IOException {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int c = read(); c >= 0; c = read()) {
                    if (c == '\n') {
                        String s = b.toString(StandardCharsets.ISO_8859_1);
                        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                    }
                    if (b.size() > 100_000) {
                        throw new IOException("line too long");
                    }
                    b.write(c);
                }
                return null;
            }

            private int read() throws IOException {
                int c = in.read();
                if (c >= 0 && !tls) {
                    synchronized (received) {
                        received.write(c);
                    }
                }
                return c;
            }

            /** Reads and keeps whatever the client sends until it hangs up or {@code within} passes. */
            void drain(Duration within) throws IOException {
                socket.setSoTimeout((int) within.toMillis());
                try {
                    for (int i = 0; i < 10_000_000 && read() >= 0; i++) {
                        // keep reading
                    }
                } catch (SocketTimeoutException e) {
                    // The client went quiet without closing; the test has its answer by now.
                }
            }

            void write(String text) throws IOException {
                write(text.getBytes(StandardCharsets.ISO_8859_1));
            }

            void write(byte[] bytes) throws IOException {
                out.write(bytes);
                out.flush();
            }

            /** Everything the client sent in the clear so far. */
            String receivedText() {
                synchronized (received) {
                    return received.toString(StandardCharsets.ISO_8859_1);
                }
            }

            /** Waits until the client's end of the connection closed and the behaviour ended. */
            boolean awaitEnd(Duration within) throws InterruptedException {
                return ended.await(within.toMillis(), TimeUnit.MILLISECONDS);
            }

            /** Marks the point after which only TLS octets may come. */
            void markStartTls() {
                synchronized (received) {
                    startTlsMark = received.size();
                }
            }

            /** What the client sent in the clear after STARTTLS. */
            byte[] afterStartTls() {
                synchronized (received) {
                    byte[] all = received.toByteArray();
                    return java.util.Arrays.copyOfRange(all, startTlsMark, all.length);
                }
            }

            void startTls() throws IOException {
                SSLSocket s = (SSLSocket) tlsContext.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
                s.setUseClientMode(false);
                s.startHandshake();
                socket = s;
                in = s.getInputStream();
                out = s.getOutputStream();
                tls = true;
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }
        }
    }
}
