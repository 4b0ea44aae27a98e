package dev.smtpkit.server;

import static dev.smtpkit.server.ProcessMeasures.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.testsupport.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Faults on either side of the server: handlers that throw, block or crawl, and connections
 * broken at every octet of a conversation. Nothing partial is delivered, nothing is delivered
 * twice, and a fault in one session is felt by no other.
 *
 * <p>What the driver alone decides (input ended at each octet, handlers that throw) runs on
 * {@link MemoryLink} in {@link DriverFaultTest}, as do a handler past its deadline
 * ({@link WatchdogTest}) and one that blocks beside another session ({@link SessionHandlerTest});
 * this class holds what needs a socket (resets, close() under load, the Watchdog's own thread)
 * and runs on each transport.
 */
class FaultInjectionTest {

    static final String TRANSACTION = "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n";

    /** Two messages, the first with a dot-stuffed line, then QUIT. */
    static final String FIRST = "Subject: one\r\n\r\n.first line starts with a dot\r\n";
    static final String SECOND = "Subject: two\r\n\r\nsecond\r\n";
    static final String CONVERSATION = "EHLO client.test\r\n" + TRANSACTION + FIRST.replace("\r\n.", "\r\n..")
            + ".\r\n" + TRANSACTION.replace("a@", "c@") + SECOND + ".\r\nQUIT\r\n";
    static final int END_OF_FIRST = CONVERSATION.indexOf("\r\n.\r\n") + 5;
    static final int END_OF_SECOND = CONVERSATION.indexOf("\r\n.\r\n", END_OF_FIRST) + 5;

    /** A handler per connection that keeps what it was given whole, and says when its connection ended. */
    static final class Sink implements SessionHandler.Factory {
        final Map<String, List<String>> delivered = new ConcurrentHashMap<>();
        final Map<String, CountDownLatch> closed = new ConcurrentHashMap<>();
        final AtomicInteger connections = new AtomicInteger();

        @Override
        public SessionHandler open(Connection connection) {
            String id = connection.id();
            delivered.put(id, new CopyOnWriteArrayList<>());
            CountDownLatch done = closed.computeIfAbsent(id, k -> new CountDownLatch(1));
            connections.incrementAndGet();
            return new SessionHandler() {
                @Override
                public void message(Envelope envelope, InputStream content) throws IOException {
                    // Only a message read to its end is kept: the stream throws if it was cut short.
                    delivered.get(id).add(new String(content.readAllBytes(), StandardCharsets.ISO_8859_1));
                }

                @Override
                public void close() {
                    done.countDown();
                }
            };
        }

        /** The messages of the connection with this id, once it has ended. */
        List<String> of(String id) throws InterruptedException {
            CountDownLatch done = closed.computeIfAbsent(id, k -> new CountDownLatch(1));
            assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("connection %s ended", id).isTrue();
            return delivered.get(id);
        }
    }

    /** The messages whose final dot is within the first {@code k} octets of {@link #CONVERSATION}. */
    static List<String> wholeWithin(int k) {
        List<String> expected = new ArrayList<>();
        if (k >= END_OF_FIRST) {
            expected.add(FIRST);
        }
        if (k >= END_OF_SECOND) {
            expected.add(SECOND);
        }
        return expected;
    }

    @Test
    @DisplayName("RFC 5321 §6.1: a connection reset at every third octet never delivers part of a message, nor one twice")
    void resetAtEveryThirdOffset() throws Exception {
        byte[] wire = CONVERSATION.getBytes(StandardCharsets.ISO_8859_1);
        Sink sink = new Sink();
        int faults = 0;
        try (SmtpServer server = SmtpServerTest.local().handler(sink).build().start()) {
            for (int k = 0; k <= wire.length; k += 3) {
                // An abortive close (RST): the server may lose octets in flight, never deliver part of a message.
                String id;
                try (RawClient c = RawClient.octets(server.port())) {
                    c.code();
                    id = Integer.toString(sink.connections.get());
                    c.send(Arrays.copyOf(wire, k));
                    c.socket().setSoLinger(true, 0);
                }
                List<String> got = sink.of(id);
                assertThat(wholeWithin(k)).as("RST after %d octets", k).startsWith(got.toArray(new String[0]));
                faults++;
            }
        }
        assertThat(faults).isGreaterThan(wire.length / 3);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.6 on a real server: the Watchdog thread answers 451 for a message handler still running dataTerminationTimeout after the dot; the session goes on when it returns")
    void watchdogAnswersALateHandlerOnARealServer() throws Exception {
        // The same rule is tested to the nanosecond in WatchdogTest; this case keeps the real
        // Watchdog thread, the hand-off of the 451 to the executor and each transport's write.
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> delivered = new CopyOnWriteArrayList<>();
        MessageHandler handler = m -> {
            if (m.text().contains("slow")) {
                entered.countDown();
                // Bounded: the test releases it once the 451 came.
                assertThat(release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            }
            delivered.add(m.text());
        };
        try (SmtpServer server = SmtpServerTest.local().messageHandler(handler)
                .dataTerminationTimeout(java.time.Duration.ofMillis(200)).build().start();
             RawClient c = RawClient.octets(server.port())) {
            c.code();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<a@example.com>");
            c.command("RCPT TO:<b@example.org>");
            assertThat(c.command("DATA")).isEqualTo(354);
            c.send("slow\r\n.\r\n");
            assertThat(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(c.reply()).as("answered by the watchdog while the handler still runs").startsWith("451");
            release.countDown();
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            c.command("RCPT TO:<b@example.org>");
            assertThat(c.command("DATA")).isEqualTo(354);
            assertThat(c.ask("fast\r\n.")).startsWith("250");
            await().atMost(WAIT).until(() -> delivered.contains("fast\r\n"));
        }
    }

    @Test
    @DisplayName("RFC 5321 §3.8: close() under load: every message answered 250 was delivered once, the rest got 421, no thread or socket is left, and a new server takes the port")
    void closeUnderLoad() throws Exception {
        // Warm up, so that classes and JDK internals loaded by the first server are not counted as leaks.
        try (SmtpServer warm = SmtpServerTest.local().messageHandler(new Inbox()).build().start();
             RawClient c = RawClient.octets(warm.port())) {
            c.code();
        }
        await().atMost(WAIT).until(() -> ProcessMeasures.serverThreads() == 0);
        long fdsBefore = ProcessMeasures.openFileDescriptors();

        Set<String> delivered = ConcurrentHashMap.newKeySet();
        List<String> duplicates = new CopyOnWriteArrayList<>();
        MessageHandler handler = m -> {
            if (!delivered.add(m.text())) {
                duplicates.add(m.text());
            }
        };
        int clients = 20;
        // More than the clients can send before close() cuts them short; the bound keeps a broken close() finite.
        int perClient = 5_000;
        SmtpServer server = SmtpServerTest.local().shutdownGracePeriod(java.time.Duration.ofSeconds(5))
                .messageHandler(handler).build().start();
        int port = server.port();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger shutdownReplies = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                int client = t;
                running.add(pool.submit(() -> {
                    try (RawClient c = RawClient.octets(port)) {
                        if (c.code() != 220 || c.command("EHLO load.test") != 250) {
                            return null;
                        }
                        for (int i = 0; i < perClient; i++) {
                            String text = "message " + client + "-" + i + "\r\n";
                            c.send(TRANSACTION);
                            List<String> replies = List.of(c.reply(), c.reply(), c.reply());
                            if (!replies.get(2).startsWith("354")) {
                                count421(replies, shutdownReplies);
                                return null;
                            }
                            String r = c.ask(text + ".");
                            if (r.startsWith("250")) {
                                acknowledged.add(text);
                            }
                            if (!r.startsWith("250")) {
                                count421(List.of(r), shutdownReplies);
                                return null;
                            }
                        }
                    } catch (IOException e) {
                        // The server closed the connection: counted by what was acknowledged.
                    }
                    return null;
                }));
            }
            await().atMost(WAIT).pollInterval(java.time.Duration.ofMillis(5)).until(() -> delivered.size() >= 200);
            server.close();
            for (Future<?> f : running) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            server.close();
        }
        assertThat(duplicates).as("delivered twice").isEmpty();
        assertThat(delivered).as("delivered iff answered 250").isEqualTo(acknowledged);
        assertThat(delivered.size()).isLessThan(clients * perClient);
        assertThat(shutdownReplies.get()).as("clients told 421").isPositive();
        await().atMost(WAIT).until(() -> ProcessMeasures.serverThreads() == 0);
        if (fdsBefore >= 0) {
            await().atMost(WAIT).until(() -> ProcessMeasures.openFileDescriptors() <= fdsBefore);
        }

        Inbox inbox = new Inbox();
        try (SmtpServer again = SmtpServerTest.local().port(port).messageHandler(inbox).build().start();
             RawClient c = RawClient.octets(port)) {
            assertThat(c.code()).isEqualTo(220);
            c.command("EHLO client.test");
            c.send(TRANSACTION);
            assertThat(List.of(c.code(), c.code(), c.code())).containsExactly(250, 250, 354);
            assertThat(c.ask("on the new server\r\n.")).startsWith("250");
            assertThat(inbox.take(WAIT).text()).isEqualTo("on the new server\r\n");
        }
    }

    private static void count421(List<String> replies, AtomicInteger counter) {
        if (replies.stream().anyMatch(r -> r.startsWith("421"))) {
            counter.incrementAndGet();
        }
    }
}
