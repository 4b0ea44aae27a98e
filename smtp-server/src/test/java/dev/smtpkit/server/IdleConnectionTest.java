package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.testsupport.RawClient;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A connection that waits for its client's next command holds no thread on the Netty transport
 * (its session is driven on the event loop, its deadline a timer there): it still times out,
 * still hears a shutdown, and goes on where it stopped whenever input comes, however the input
 * is split.
 */
class IdleConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static SmtpServer.Builder netty() {
        return SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).hostname("mx.test")
                .transport(Transport.NETTY);
    }

    /** Threads that hold a connection now: the worker names its thread so while it runs. */
    private static long sessionThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(Threads.PREFIX + "session-")).count();
    }

    /** The server's threads that are not Netty's event loops: connection threads, busy or pooled. */
    private static long executorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(Threads.PREFIX)
                        && !t.getName().startsWith(Threads.PREFIX + "netty-"))
                .count();
    }

    @Test
    @DisplayName("Netty: 200 idle connections hold no session thread and only a few pooled ones; each then delivers a message; close() answers 421 and leaves no thread or socket")
    void idleConnectionsHoldNoThread() throws Exception {
        int connections = 200;
        await().atMost(WAIT).until(() -> ProcessMeasures.serverThreads() == 0);
        long fdsBefore = ProcessMeasures.openFileDescriptors();
        Inbox inbox = new Inbox();
        SmtpServer server = netty().maxConnections(connections).maxConnectionsPerClient(connections)
                .messageHandler(inbox).build().start();
        int port = server.port();
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                RawClient c = new RawClient(port);
                clients.add(c);
                assertThat(c.reply()).startsWith("220 mx.test");
                assertThat(c.command("EHLO client" + i + ".test")).isEqualTo(250);
            }
            assertThat(server.metrics().connectionsActive()).isEqualTo(connections);
            await().atMost(WAIT).until(() -> sessionThreads() == 0);
            System.out.printf("idle: %d connections, %d connection threads (busy or pooled)%n", connections,
                    executorThreads());
            // A thread given back may still be returning when the next client writes, so the pool
            // grows a little; one thread per connection would be 200.
            assertThat(executorThreads()).as("connection threads for %d idle connections", connections)
                    .isLessThanOrEqualTo(16);

            for (int i = 0; i < connections; i++) {
                RawClient c = clients.get(i);
                c.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b" + i + "@example.org>\r\nDATA\r\n");
                assertThat(List.of(c.code(), c.code(), c.code())).containsExactly(250, 250, 354);
                assertThat(c.ask("Subject: " + i + "\r\n\r\nbody " + i + "\r\n.")).startsWith("250 2.0.0");
            }
            List<ReceivedMessage> received = inbox.drain();
            assertThat(received).hasSize(connections);
            for (int i = 0; i < connections; i++) {
                assertThat(received.get(i).text()).isEqualTo("Subject: " + i + "\r\n\r\nbody " + i + "\r\n");
            }
            await().atMost(WAIT).until(() -> sessionThreads() == 0);

            long start = System.nanoTime();
            server.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            for (RawClient c : clients) {
                assertThat(c.reply()).startsWith("421 4.3.2");
                assertThat(c.atEnd()).isTrue();
            }
        } finally {
            server.close();
            for (RawClient c : clients) {
                c.close();
            }
        }
        assertThat(ProcessMeasures.serverThreads()).isZero();
        assertThat(server.metrics().connectionsActive()).isZero();
        assertThat(server.metrics().connectionsOpened()).isEqualTo(connections);
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
        if (fdsBefore >= 0) {
            await().atMost(WAIT).until(() -> ProcessMeasures.openFileDescriptors() <= fdsBefore);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.7 on Netty: a session waiting with no thread still gets 421 4.4.2 when the command timeout passes, not before")
    void idleSessionTimesOut() throws Exception {
        Duration timeout = Duration.ofMillis(800);
        try (SmtpServer server = netty().commandTimeout(timeout).messageHandler(new Inbox()).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.command("EHLO client.test")).isEqualTo(250);
            long idleSince = System.nanoTime();
            await().atMost(timeout.dividedBy(2)).until(() -> sessionThreads() == 0);
            assertThat(c.reply()).startsWith("421 4.4.2");
            // The deadline was set when the server had sent the 250, a moment before the client read it.
            assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isGreaterThan(timeout.minusMillis(100));
            assertThat(c.atEnd()).isTrue();
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
        }
        assertThat(ProcessMeasures.serverThreads()).isZero();
    }

    @Test
    @DisplayName("JDK sockets: a wait of ten watchdog periods or more is a read without a timeout, ended by the watchdog: 421 4.4.2 at the command timeout, at most a period late")
    void jdkLongWaitIsEndedByTheWatchdog() throws Exception {
        Duration timeout = Duration.ofMillis(800);
        // A 100 ms handler timeout makes the watchdog look every 10 ms, so waits from 100 ms on are its to end.
        try (SmtpServer server = SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).hostname("mx.test")
                .handlerTimeout(Duration.ofMillis(100)).commandTimeout(timeout).messageHandler(new Inbox()).build().start();
             RawClient c = new RawClient(server.port())) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.command("EHLO client.test")).isEqualTo(250);
            long idleSince = System.nanoTime();
            assertThat(c.reply()).startsWith("421 4.4.2");
            Duration waited = Duration.ofNanos(System.nanoTime() - idleSince);
            assertThat(waited).isGreaterThan(timeout.minusMillis(100)).isLessThan(timeout.plusSeconds(2));
            assertThat(c.atEnd()).isTrue();
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
            // The session goes on where it stopped after a wait the watchdog did not end: a second client sends a message.
            try (RawClient d = new RawClient(server.port())) {
                assertThat(d.reply()).startsWith("220");
                assertThat(d.command("EHLO client.test")).isEqualTo(250);
                Thread.sleep(300);
                assertThat(d.command("NOOP")).isEqualTo(250);
            }
        }
    }

    @Test
    @DisplayName("RFC 5321 §3.8 on Netty: close() wakes every session waiting with no thread: idle ones get 421 4.3.2 at once, one in a transaction after it, a silent one is closed at the grace deadline")
    void closeWakesWaitingSessions() throws Exception {
        Inbox inbox = new Inbox();
        SmtpServer server = netty().shutdownGracePeriod(Duration.ofSeconds(1)).messageHandler(inbox).build().start();
        List<RawClient> idle = new ArrayList<>();
        try (RawClient inTransaction = new RawClient(server.port());
             RawClient silent = new RawClient(server.port())) {
            for (int i = 0; i < 20; i++) {
                RawClient c = new RawClient(server.port());
                idle.add(c);
                c.reply();
                assertThat(c.command("EHLO idle" + i + ".test")).isEqualTo(250);
            }
            for (RawClient c : List.of(inTransaction, silent)) {
                c.reply();
                assertThat(c.command("EHLO busy.test")).isEqualTo(250);
                assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            }
            await().atMost(WAIT).until(() -> sessionThreads() == 0);

            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            for (RawClient c : idle) {
                assertThat(c.reply()).startsWith("421 4.3.2");
                assertThat(c.atEnd()).isTrue();
            }
            // The transaction is the client's to finish (RFC 5321 §3.8); its next command wakes the session.
            assertThat(inTransaction.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(inTransaction.command("DATA")).isEqualTo(354);
            assertThat(inTransaction.ask("late\r\n.")).startsWith("250");
            assertThat(inTransaction.reply()).startsWith("421 4.3.2");
            assertThat(inTransaction.atEnd()).isTrue();
            // Nothing more from the silent one: closed without a reply when the grace period ends.
            assertThat(silent.reply()).isEmpty();
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        } finally {
            server.close();
            for (RawClient c : idle) {
                c.close();
            }
        }
        assertThat(inbox.take(WAIT).text()).isEqualTo("late\r\n");
        assertThat(ProcessMeasures.serverThreads()).isZero();
        assertThat(server.metrics().connectionsActive()).isZero();
    }

    @Test
    @DisplayName("RFC 3207, RFC 8314 §3.3 on Netty: after STARTTLS and on the implicit-TLS port a waiting session holds no thread, decrypted input wakes it, and close() says 421 over TLS")
    void tlsSessionsWaitWithoutThread() throws Exception {
        Inbox inbox = new Inbox();
        SmtpServer server = netty().tls(TestTls.SERVER.serverContext()).implicitTlsPort(0).messageHandler(inbox)
                .build().start();
        try (RawClient plain = new RawClient(server.port())) {
            assertThat(plain.reply()).startsWith("220");
            assertThat(plain.ask("EHLO client.test")).contains("STARTTLS");
            assertThat(plain.ask("STARTTLS")).startsWith("220 2.0.0");
            try (TestTls.Client startTls = new TestTls.Client(TestTls.SERVER.clientContext(), plain.socket());
                 TestTls.Client implicit = TestTls.Client.connect(TestTls.SERVER.clientContext(), server.implicitTlsPort())) {
                assertThat(implicit.reply()).startsWith("220 mx.test");
                for (TestTls.Client t : List.of(startTls, implicit)) {
                    assertThat(t.ask("EHLO client.test")).startsWith("250-mx.test").doesNotContain("STARTTLS");
                }
                await().atMost(WAIT).until(() -> sessionThreads() == 0);
                int n = 0;
                for (TestTls.Client t : List.of(startTls, implicit)) {
                    t.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
                    assertThat(List.of(t.reply(), t.reply(), t.reply())).extracting(r -> r.substring(0, 3))
                            .containsExactly("250", "250", "354");
                    assertThat(t.ask("over TLS " + n++ + "\r\n.")).startsWith("250 2.0.0");
                }
                await().atMost(WAIT).until(() -> sessionThreads() == 0);
                server.close();
                for (TestTls.Client t : List.of(startTls, implicit)) {
                    assertThat(t.reply()).startsWith("421 4.3.2");
                }
            }
        } finally {
            server.close();
        }
        assertThat(inbox.drain()).extracting(ReceivedMessage::text).containsExactly("over TLS 0\r\n", "over TLS 1\r\n");
        assertThat(ProcessMeasures.serverThreads()).isZero();
    }

    @Test
    @DisplayName("Netty: an application executor that refuses a handler call: 421 4.3.2 (no thread to decide with), the connection closes and its count is released")
    void refusedHandlerCallClosesConnection() throws Exception {
        SmtpServerTest.Recorder recorder = new SmtpServerTest.Recorder();
        AtomicInteger tasks = new AtomicInteger();
        Executor firstTaskOnly = task -> {
            if (tasks.incrementAndGet() > 1) {
                throw new RejectedExecutionException("test: one task only");
            }
            new Thread(task, "test-first-task").start();
        };
        try (SmtpServer server = netty().executor(firstTaskOnly).handler(connection -> recorder).build().start();
             RawClient c = new RawClient(server.port())) {
            // The first task opens the handler; the second, hello(), is refused.
            assertThat(c.reply()).startsWith("220");
            c.send("EHLO client.test\r\n");
            assertThat(c.reply()).startsWith("421 4.3.2");
            assertThat(c.atEnd()).isTrue();
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
            // Neither hello() nor close() ran: no thread would take them.
            assertThat(recorder.calls).isEmpty();
        }
        assertThat(tasks).hasValue(3);
    }
}
