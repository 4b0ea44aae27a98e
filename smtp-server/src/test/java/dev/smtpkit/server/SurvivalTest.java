package dev.smtpkit.server;

import static dev.smtpkit.server.ProcessMeasures.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.testsupport.RawClient;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * An {@link Error} anywhere the server calls out (starting a connection's thread, the
 * application's handler) costs one answer or one connection, never the listener: the server
 * goes on accepting and serving, and every slot is given back.
 */
class SurvivalTest {

    /** Runs tasks on a pool, except the first {@code failures}, which fail as a JVM out of threads does. */
    private static final class FailingExecutor implements java.util.concurrent.Executor, AutoCloseable {
        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final AtomicInteger failuresLeft;

        FailingExecutor(int failures) {
            this.failuresLeft = new AtomicInteger(failures);
        }

        @Override
        public void execute(Runnable task) {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new OutOfMemoryError("unable to create native thread (injected by the test)");
            }
            pool.execute(task);
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("An OutOfMemoryError starting threads costs those connections (JDK) or those messages (Netty), answered; the listener goes on and gives every slot back")
    void errorWhileAdmittingLeavesTheServerAccepting() throws Exception {
        Inbox inbox = new Inbox();
        try (FailingExecutor executor = new FailingExecutor(3);
             SmtpServer server = SmtpServerTest.local().executor(executor).maxConnections(3).maxConnectionsPerClient(3)
                     .messageHandler(inbox).build().start()) {
            for (int i = 0; i < 3; i++) {
                try (RawClient refused = RawClient.octets(server.port())) {
                    if (SuiteTransport.CURRENT == Transport.NETTY) {
                        // A connection needs no thread of its own on Netty; its message does, for the handler.
                        assertThat(refused.code()).isEqualTo(220);
                        refused.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
                        assertThat(List.of(refused.code(), refused.code(), refused.code(), refused.code()))
                                .containsExactly(250, 250, 250, 354);
                        refused.send("lost\r\n.\r\n");
                        assertThat(refused.reply()).as("a message that got no thread").startsWith("451 4.3.0");
                    } else {
                        assertThat(refused.reply()).as("a connection that got no thread is closed unanswered").isEmpty();
                    }
                }
            }
            // The server notices each client's close a moment after it; then every slot must be free again.
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
            // Were the three slots leaked, maxConnections(3) would now refuse everyone.
            try (RawClient a = RawClient.octets(server.port()); RawClient b = RawClient.octets(server.port());
                 RawClient c = RawClient.octets(server.port())) {
                assertThat(a.code()).isEqualTo(220);
                assertThat(b.code()).isEqualTo(220);
                assertThat(c.code()).isEqualTo(220);
                deliver(a, "after the failures");
                assertThat(inbox.take(WAIT).text()).isEqualTo("after the failures\r\n");
            }
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.2.2: an Error thrown by the application's rcpt() or message() is answered 451, and the session and the server go on")
    void errorInTheHandlerIsAnswered451() throws Exception {
        List<String> delivered = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            @Override
            public void rcpt(ForwardPath recipient, Parameters parameters) {
                if (recipient.toString().contains("overflow")) {
                    throw new StackOverflowError("injected by the test");
                }
            }

            @Override
            public void message(Envelope envelope, InputStream content) throws Exception {
                String text = new String(content.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                if (calls.getAndIncrement() == 0) {
                    throw new OutOfMemoryError("injected by the test");
                }
                delivered.add(text);
            }
        };
        try (SmtpServer server = SmtpServerTest.local().handler(factory).build().start();
             RawClient c = RawClient.octets(server.port())) {
            assertThat(c.code()).isEqualTo(220);
            assertThat(c.command("EHLO client.test")).isEqualTo(250);
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(c.ask("RCPT TO:<overflow@example.org>")).startsWith("451");
            assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(c.command("DATA")).isEqualTo(354);
            assertThat(c.ask("first\r\n.")).startsWith("451");
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(c.command("DATA")).isEqualTo(354);
            assertThat(c.ask("second\r\n.")).startsWith("250");
            assertThat(delivered).containsExactly("second\r\n");
            try (RawClient other = RawClient.octets(server.port())) {
                assertThat(other.code()).as("the listener still accepts").isEqualTo(220);
            }
        }
    }

    @Test
    @DisplayName("RFC 5321 §3.8: an Error opening the application's session answers 421 and closes; the next connection is served")
    void errorOpeningTheSessionIsAnswered421() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        Inbox inbox = new Inbox();
        SessionHandler.Factory inboxFactory = inbox.asFactory();
        SessionHandler.Factory factory = connection -> {
            if (opened.getAndIncrement() == 0) {
                throw new NoClassDefFoundError("injected by the test");
            }
            return inboxFactory.open(connection);
        };
        try (SmtpServer server = SmtpServerTest.local().handler(factory).build().start()) {
            try (RawClient first = RawClient.octets(server.port())) {
                assertThat(first.reply()).startsWith("421");
                assertThat(first.reply()).as("closed after the 421").isEmpty();
            }
            try (RawClient second = RawClient.octets(server.port())) {
                assertThat(second.code()).isEqualTo(220);
                deliver(second, "served");
                assertThat(inbox.take(WAIT).text()).isEqualTo("served\r\n");
            }
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
        }
    }

    @Test
    @DisplayName("maxConnections is lowered to what half the heap holds: 20,000 on a 64 MB heap would end in OutOfMemoryError")
    void maxConnectionsFitsTheHeap() {
        long mb = 1024 * 1024;
        assertThat(SmtpServer.fitToHeap(20_000, 64 * mb)).isEqualTo(4_096);
        assertThat(SmtpServer.fitToHeap(100, 64 * mb)).isEqualTo(100);
        assertThat(SmtpServer.fitToHeap(20_000, 6_000 * mb)).isEqualTo(20_000);
        assertThat(SmtpServer.fitToHeap(20_000, 1)).isEqualTo(1);
    }

    private static void deliver(RawClient c, String line) throws Exception {
        c.openData();
        assertThat(c.ask(line + "\r\n.")).startsWith("250");
    }
}
