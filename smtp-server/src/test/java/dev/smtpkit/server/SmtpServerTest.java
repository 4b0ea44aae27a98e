package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.testsupport.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The server as an application starts it, over real sockets on each transport ({@link SuiteTransport}):
 * a delivery end to end with its metrics, streaming, connections dropped or timed out, the
 * connection limits, close(), and the builder. What a session decides on its own, and the calls
 * it makes to the application, are in {@link SessionHandlerTest}, on {@link MemoryLink}.
 */
class SmtpServerTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    static SmtpServer.Builder local() {
        return SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).hostname("mx.test")
                .transport(SuiteTransport.CURRENT);
    }

    /** A session handler that records what it was told and delivers whole messages to a list. */
    static class Recorder implements SessionHandler {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final List<byte[]> delivered = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Throwable> streamFailure = new AtomicReference<>();

        @Override
        public void mail(ReversePath sender, Parameters parameters) {
            calls.add("mail " + sender);
        }

        @Override
        public void rcpt(ForwardPath recipient, Parameters parameters) {
            calls.add("rcpt " + recipient);
            if (recipient.mailbox().map(m -> m.localPart().equals("nobody")).orElse(false)) {
                throw new SmtpRejectException(Replies.NO_SUCH_USER);
            }
        }

        @Override
        public void message(Envelope envelope, InputStream content) throws IOException {
            calls.add("message " + envelope.forwardPaths());
            try {
                delivered.add(content.readAllBytes());
            } catch (IOException e) {
                streamFailure.set(e);
                throw e;
            }
        }

        @Override
        public void reset() {
            calls.add("reset");
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    static long liveServerThreads() {
        return ProcessMeasures.serverThreads();
    }

    @Test
    @DisplayName("RFC 5321 §3.3: a whole transaction over a socket is delivered with its envelope, then 250")
    void deliversOneMessage() throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = local().messageHandler(inbox).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220 mx.test ESMTP");
            assertThat(c.command("EHLO client.test")).isEqualTo(250);
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(c.command("DATA")).isEqualTo(354);
            c.send("Subject: hi\r\n\r\n..dot-stuffed\r\nbody\r\n.\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0");
            ReceivedMessage m = inbox.take(WAIT);
            assertThat(m.text()).isEqualTo("Subject: hi\r\n\r\n.dot-stuffed\r\nbody\r\n");
            assertThat(m.envelope()).isEqualTo(Envelope.of(Mailbox.of("a", "example.com"), Mailbox.of("b", "example.org")));
            assertThat(m.connection().helloName()).isEqualTo("client.test");
            assertThat(m.connection().remoteAddress().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
            assertThat(c.command("QUIT")).isEqualTo(221);
            assertThat(c.atEnd()).isTrue();
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
            ServerMetrics metrics = server.metrics();
            assertThat(metrics.connectionsOpened()).isEqualTo(1);
            assertThat(metrics.messagesAccepted()).isEqualTo(1);
            assertThat(metrics.replies2xx()).isEqualTo(6);
            assertThat(metrics.replies3xx()).isEqualTo(1);
            assertThat(metrics.bytesReceived()).isGreaterThan(100);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.1.4: an EHLO the handler refuses keeps the transaction (after RCPT, between BDAT chunks), except while the handler reads the message, where it resets first without hanging")
    void refusedHelloKeepsTheTransaction() throws Exception {
        SessionDriverTest.NamePicky picky = new SessionDriverTest.NamePicky();
        try (SmtpServer server = local().handler(conn -> picky).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.command("EHLO client.test")).isEqualTo(250);
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(c.ask("EHLO localhost")).startsWith("550 5.7.1");
            assertThat(c.command("RCPT TO:<c@example.org>")).as("the transaction is still open").isEqualTo(250);
            c.send("BDAT 6\r\nfirst ");
            assertThat(c.code()).isEqualTo(250);
            assertThat(c.ask("HELO localhost")).startsWith("550 5.7.1");
            c.send("BDAT 5 LAST\r\nchunk");
            assertThat(c.reply()).startsWith("250 2.0.0");
            assertThat(picky.messages).containsExactly("first chunk");

            // The handler reads the message once 64 KiB wait: the name is asked after a reset.
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            String big = "x".repeat(MessagePipe.PAUSE_AT + 1000);
            c.send("BDAT " + big.length() + "\r\n" + big);
            assertThat(c.code()).isEqualTo(250);
            assertThat(c.ask("EHLO localhost")).startsWith("550 5.7.1");
            c.send("BDAT 5 LAST\r\nchunk");
            assertThat(c.code()).isEqualTo(503);
            assertThat(c.command("QUIT")).isEqualTo(221);
        }
        assertThat(picky.messages).hasSize(1);
        assertThat(picky.calls).containsSubsequence("message", "incomplete 250", "reset", "hello localhost");
    }

    @Test
    @DisplayName("RFC 5321 §3.8: a connection dropped mid-DATA delivers nothing, and the handler's stream throws")
    void droppedMidData() throws Exception {
        Recorder recorder = new Recorder();
        try (SmtpServer server = local().handler(conn -> recorder).build().start()) {
            try (RawClient c = new RawClient(server.port())) {
                c.reply();
                c.command("EHLO client.test");
                c.command("MAIL FROM:<a@example.com>");
                c.command("RCPT TO:<b@example.org>");
                assertThat(c.command("DATA")).isEqualTo(354);
                c.send("Subject: partial\r\n\r\nthe first half of a message that never ends\r\n");
            }
            await().atMost(WAIT).until(() -> recorder.calls.contains("close"));
            assertThat(recorder.delivered).isEmpty();
            assertThat(recorder.streamFailure.get()).isInstanceOf(IncompleteMessageException.class);
            assertThat(((IncompleteMessageException) recorder.streamFailure.get()).reason().code()).isEqualTo(451);
            assertThat(recorder.calls).contains("reset");
            await().atMost(WAIT).until(() -> server.metrics().messagesAborted() == 1);
            assertThat(server.metrics().messagesAccepted()).isZero();
        }
    }

    @Test
    @DisplayName("The message is streamed: the handler reads its first 64 KiB while the client has not sent its end")
    void messageIsStreamed() throws Exception {
        CountDownLatch firstBytes = new CountDownLatch(1);
        AtomicLong total = new AtomicLong();
        SessionHandler handler = (envelope, content) -> {
            byte[] buf = new byte[8192];
            for (int n = content.read(buf); n >= 0; n = content.read(buf)) {
                total.addAndGet(n);
                firstBytes.countDown();
            }
        };
        byte[] line = ("x".repeat(998) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try (SmtpServer server = local().maxMessageSize(0).handler(conn -> handler).build().start();
             RawClient c = new RawClient(server.port())) {
            c.reply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<a@example.com>");
            c.command("RCPT TO:<b@example.org>");
            assertThat(c.command("DATA")).isEqualTo(354);
            // A smaller message is handed over whole; this one is handed over once 64 KiB came.
            int head = 66;
            for (int i = 0; i < head; i++) {
                c.send(line);
            }
            assertThat(firstBytes.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("data reached the handler before the end").isTrue();
            for (int i = 0; i < 20_000; i++) {
                c.send(line);
            }
            assertThat(c.command(".")).isEqualTo(250);
            assertThat(total.get()).isEqualTo((20_000L + head) * line.length);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.7: a client silent past commandTimeout gets 421 4.4.2 and is closed")
    void commandTimeout() throws Exception {
        try (SmtpServer server = local().commandTimeout(Duration.ofMillis(300)).messageHandler(new Inbox()).build().start();
             RawClient c = new RawClient(server.port())) {
            c.reply();
            assertThat(c.reply()).startsWith("421 4.4.2");
            assertThat(c.atEnd()).isTrue();
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.5: data stalled past dataBlockTimeout is 421, and nothing is delivered")
    void dataBlockTimeout() throws Exception {
        Recorder recorder = new Recorder();
        try (SmtpServer server = local().dataBlockTimeout(Duration.ofMillis(300)).handler(conn -> recorder).build().start();
             RawClient c = new RawClient(server.port())) {
            c.reply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<a@example.com>");
            c.command("RCPT TO:<b@example.org>");
            assertThat(c.command("DATA")).isEqualTo(354);
            c.send("half a message\r\n");
            assertThat(c.reply()).startsWith("421 4.4.2");
            await().atMost(WAIT).until(() -> recorder.calls.contains("close"));
            assertThat(recorder.delivered).isEmpty();
            assertThat(recorder.streamFailure.get()).isInstanceOf(IncompleteMessageException.class);
        }
    }

    @Test
    @DisplayName("RFC 5321 §3.8: over maxConnections a client gets 421 4.7.0 and is closed")
    void maxConnections() throws Exception {
        try (SmtpServer server = local().maxConnections(2).messageHandler(new Inbox()).build().start();
             RawClient a = new RawClient(server.port());
             RawClient b = new RawClient(server.port())) {
            assertThat(a.code()).isEqualTo(220);
            assertThat(b.code()).isEqualTo(220);
            try (RawClient c = new RawClient(server.port())) {
                assertThat(c.reply()).startsWith("421 4.7.0");
                assertThat(c.atEnd()).isTrue();
            }
            assertThat(server.metrics().connectionsRefused()).isEqualTo(1);
            assertThat(a.command("QUIT")).isEqualTo(221);
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 1);
            try (RawClient d = new RawClient(server.port())) {
                assertThat(d.code()).as("a slot is free again").isEqualTo(220);
            }
        }
    }

    @Test
    void maxConnectionsPerClient() throws Exception {
        try (SmtpServer server = local().maxConnectionsPerClient(1).messageHandler(new Inbox()).build().start();
             RawClient a = new RawClient(server.port());
             RawClient b = new RawClient(server.port())) {
            assertThat(a.code()).isEqualTo(220);
            assertThat(b.reply()).startsWith("421 4.7.0");
        }
    }

    @Test
    @DisplayName("RFC 5321 §3.8: close() answers an idle session with 421, then no thread is left and the port is closed")
    void closeWithIdleSession() throws Exception {
        long before = liveServerThreads();
        SmtpServer server = local().messageHandler(new Inbox()).build().start();
        int port = server.port();
        try (RawClient c = new RawClient(server.port())) {
            c.reply();
            assertThat(c.command("EHLO client.test")).isEqualTo(250);
            await().atMost(WAIT).until(() -> liveServerThreads() > before);
            long start = System.nanoTime();
            server.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(c.reply()).startsWith("421 4.3.2");
            assertThat(c.atEnd()).isTrue();
        }
        assertThat(liveServerThreads()).isEqualTo(before);
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class);
        server.close();
    }

    @Test
    @DisplayName("close() lets a transaction in flight finish with 250, then says 421")
    void closeLetsTransactionFinish() throws Exception {
        Inbox inbox = new Inbox();
        SmtpServer server = local().messageHandler(inbox).build().start();
        try (RawClient c = new RawClient(server.port())) {
            c.reply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<a@example.com>");
            c.command("RCPT TO:<b@example.org>");
            assertThat(c.command("DATA")).isEqualTo(354);
            c.send("in flight\r\n");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            // close() must wait for the message in flight: it is still closing a while later.
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !closing.isDone());
            c.send(".\r\n");
            assertThat(c.code()).isEqualTo(250);
            assertThat(c.reply()).startsWith("421 4.3.2");
            closing.get(10, TimeUnit.SECONDS);
        }
        assertThat(inbox.take(WAIT).text()).isEqualTo("in flight\r\n");
        assertThat(liveServerThreads()).isZero();
    }

    @Test
    @DisplayName("close() closes a stuck transaction at the grace deadline without a 250, and nothing is delivered")
    void closeForcesStuckTransaction() throws Exception {
        Recorder recorder = new Recorder();
        SmtpServer server = local().shutdownGracePeriod(Duration.ofMillis(300)).handler(conn -> recorder).build().start();
        try (RawClient c = new RawClient(server.port())) {
            c.reply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<a@example.com>");
            c.command("RCPT TO:<b@example.org>");
            assertThat(c.command("DATA")).isEqualTo(354);
            c.send("stuck\r\n");
            server.close();
            assertThat(c.reply()).doesNotStartWith("250");
        }
        assertThat(recorder.delivered).isEmpty();
        assertThat(recorder.streamFailure.get()).isInstanceOf(IncompleteMessageException.class);
        assertThat(liveServerThreads()).isZero();
    }

    @Test
    void builderChecksItsSettings() {
        assertThatThrownBy(() -> SmtpServer.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("handler");
        assertThatThrownBy(() -> SmtpServer.builder().maxConnections(0)).hasMessageContaining("maxConnections");
        assertThatThrownBy(() -> SmtpServer.builder().commandTimeout(Duration.ZERO)).hasMessageContaining("commandTimeout");
        assertThatThrownBy(() -> SmtpServer.builder().messageHandler(new Inbox())
                .config(dev.smtpkit.core.server.ServerConfig.builder().tlsPolicy(dev.smtpkit.core.server.TlsPolicy.REQUIRED).build())
                .build()).hasMessageContaining("SSLContext");
        SmtpServer server = SmtpServer.builder().messageHandler(new Inbox()).maxRecipients(7).build();
        assertThat(server.config().limits().maxRecipients()).isEqualTo(7);
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
        server.close();
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("Issue 16: config(...) is the base the setters change, so the order of calls never matters")
    void orderOfBuilderCallsDoesNotMatter() {
        dev.smtpkit.core.server.ServerConfig whole = dev.smtpkit.core.server.ServerConfig.builder().hostname("from.config")
                .limits(dev.smtpkit.core.Limits.builder().maxRecipients(3).maxBadCommands(4).build()).build();
        SmtpServer before = SmtpServer.builder().messageHandler(new Inbox()).maxRecipients(7).hostname("set.first")
                .config(whole).build();
        SmtpServer after = SmtpServer.builder().messageHandler(new Inbox()).config(whole).maxRecipients(7)
                .hostname("set.first").build();
        for (SmtpServer server : List.of(before, after)) {
            assertThat(server.config().limits().maxRecipients()).as("the setter wins over config()").isEqualTo(7);
            assertThat(server.config().hostname()).isEqualTo("set.first");
            assertThat(server.config().limits().maxBadCommands()).as("what no setter changed comes from config()").isEqualTo(4);
            server.close();
        }
        SmtpServer limits = SmtpServer.builder().messageHandler(new Inbox()).maxMessageSize(1_000)
                .limits(dev.smtpkit.core.Limits.builder().maxRecipients(9).build()).build();
        assertThat(limits.config().limits().maxMessageSize()).isEqualTo(1_000);
        assertThat(limits.config().limits().maxRecipients()).isEqualTo(9);
        limits.close();
        assertThatThrownBy(() -> SmtpServer.builder().hostname(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    @DisplayName("Virtual threads by default where the runtime has them (Java 21), a bounded pool on Java 17")
    void virtualThreadLookup() {
        assertThat(Threads.virtualThreadPerTask().map(e -> {
            e.shutdown();
            return true;
        })).isEqualTo(Runtime.version().feature() >= 21 ? java.util.Optional.of(true) : java.util.Optional.empty());
    }

    @Test
    @DisplayName("AsyncMessageHandler over a socket: the 250 follows the stage completed on another thread, a failed stage its refusal")
    void asyncMessageHandler() throws Exception {
        java.util.concurrent.ScheduledExecutorService later = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        List<String> taken = Collections.synchronizedList(new ArrayList<>());
        AsyncMessageHandler queue = message -> {
            CompletableFuture<Void> stored = new CompletableFuture<>();
            String text = message.text();
            later.schedule(() -> {
                if (text.contains("refuse")) {
                    stored.completeExceptionally(new SmtpRejectException(Replies.NO_VALID_RECIPIENTS));
                } else {
                    taken.add(text);
                    stored.complete(null);
                }
            }, 100, TimeUnit.MILLISECONDS);
            return stored;
        };
        try (SmtpServer server = local().asyncMessageHandler(queue).build().start();
             RawClient c = new RawClient(server.port())) {
            c.reply();
            c.command("EHLO client.test");
            for (String body : new String[] {"keep", "refuse", "keep too"}) {
                c.command("MAIL FROM:<a@example.com>");
                c.command("RCPT TO:<b@example.org>");
                assertThat(c.command("DATA")).isEqualTo(354);
                assertThat(c.command(body + "\r\n.")).isEqualTo(body.equals("refuse") ? 554 : 250);
            }
            assertThat(taken).containsExactly("keep\r\n", "keep too\r\n");
        } finally {
            later.shutdownNow();
        }
    }
}
