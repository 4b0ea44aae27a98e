package dev.smtpkit.server;

import static dev.smtpkit.server.ProcessMeasures.WAIT;
import static dev.smtpkit.server.ProcessMeasures.knob;
import static dev.smtpkit.server.ProcessMeasures.usedHeapAfterGc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.testsupport.RawClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Clients that try to make the server hold memory, threads or time without limit. Each test
 * checks a bound that would break if a buffer grew with the input: the heap in use (the server
 * runs in this JVM, so what it holds is reachable and counted), what the server read, or a count.
 * The CI sizes are set so the whole class runs in seconds; the system properties named in each
 * test (and in SECURITY.md) give the full sizes on demand.
 *
 * <p>Where the bound is the driver's alone (recipients, junk commands, hostile octets, the
 * in-memory budget) the test runs on {@link MemoryLink}; where a transport could break it (what
 * it buffers or reads, timers while octets trickle, writes that block, accepting and shedding),
 * on each socket transport.
 */
class ResourceAbuseTest {

    private static final int MB = 1024 * 1024;

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.4: a command line of many megabytes is dropped as it comes, answered 500 5.5.6, and the session goes on")
    void overlongCommandLineIsDroppedNotBuffered() throws Exception {
        int megabytes = knob("smtpkit.hostile.lineMegabytes", 32);
        Inbox inbox = new Inbox();
        try (SmtpServer server = SmtpServerTest.local().messageHandler(inbox).build().start();
             RawClient c = RawClient.octets(server.port())) {
            c.code();
            assertThat(c.command("EHLO client.test")).isEqualTo(250);
            long before = usedHeapAfterGc();
            long sent = server.metrics().bytesReceived();
            c.send("MAIL FROM:<");
            sent += "MAIL FROM:<".length();
            byte[] block = new byte[64 * 1024];
            Arrays.fill(block, (byte) 'a');
            for (int i = 0; i < megabytes * 16; i++) {
                c.send(block);
                sent += block.length;
            }
            long expected = sent;
            await().atMost(WAIT).until(() -> server.metrics().bytesReceived() >= expected);
            // The line has not ended: a server that kept it would hold all of it now.
            assertThat(usedHeapAfterGc() - before).as("heap growth while %d MB of one line were read", megabytes)
                    .isLessThan(megabytes * MB / 2L);
            assertThat(c.ask(">")).startsWith("500 5.5.6");
            assertThat(c.command("NOOP")).isEqualTo(250);
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(c.command("DATA")).isEqualTo(354);
            assertThat(c.ask("after the long line\r\n.")).startsWith("250");
            assertThat(inbox.take(WAIT).text()).isEqualTo("after the long line\r\n");
        }
    }

    @Test
    @DisplayName("RFC 1870 §6: data far past SIZE is read and dropped: 552, nothing delivered, the heap stays flat")
    void dataFarPastTheSizeLimitIsDroppedNotBuffered() throws Exception {
        int megabytes = knob("smtpkit.hostile.dataMegabytes", 200);
        Inbox inbox = new Inbox();
        try (SmtpServer server = SmtpServerTest.local().maxMessageSize(MB).messageHandler(inbox).build().start();
             RawClient c = RawClient.octets(server.port())) {
            c.code();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<a@example.com>");
            c.command("RCPT TO:<b@example.org>");
            assertThat(c.command("DATA")).isEqualTo(354);
            long before = usedHeapAfterGc();
            byte[] block = (("x".repeat(1022) + "\r\n").repeat(64)).getBytes(StandardCharsets.US_ASCII);
            long start = server.metrics().bytesReceived();
            long sent = 0;
            long half = megabytes * (long) MB / 2;
            long heapAtHalf = -1;
            while (sent < megabytes * (long) MB) {
                c.send(block);
                sent += block.length;
                if (heapAtHalf < 0 && sent >= half) {
                    long expected = start + sent;
                    await().atMost(WAIT).until(() -> server.metrics().bytesReceived() >= expected);
                    heapAtHalf = usedHeapAfterGc();
                }
            }
            assertThat(c.ask(".")).startsWith("552 5.3.4");
            assertThat(heapAtHalf - before).as("heap growth halfway through %d MB of data", megabytes).isLessThan(16L * MB);
            assertThat(c.command("NOOP")).isEqualTo(250);
            assertThat(inbox.size()).isZero();
            assertThat(server.metrics().messagesRefused()).isEqualTo(1);
            assertThat(server.metrics().messagesAccepted()).isZero();
        }
    }

    @Test
    @DisplayName("RFC 2920 §3: pipelined commands from a client that does not read are held back by TCP, then all answered in order")
    void pipelinedFloodIsHeldBackThenAnsweredInOrder() throws Exception {
        // Enough commands that their replies (8 MB) outgrow every socket buffer on the way.
        int count = knob("smtpkit.hostile.pipelined", 100_000);
        String[] commands = {"EHLO client.test", "NOOP", "VRFY postmaster", "HELP"};
        int[] codes = {250, 250, 252, 214};
        // The flood is of junk commands, which maxJunkCommands would end early: this test is about back-pressure.
        try (SmtpServer server = SmtpServerTest.local().maxJunkCommands(Integer.MAX_VALUE).messageHandler(new Inbox())
                .build().start();
             RawClient c = RawClient.octets(server.port(), 4096)) {
            c.code();
            long before = usedHeapAfterGc();
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < count; i++) {
                all.append(commands[i % commands.length]).append("\r\n");
            }
            byte[] wire = all.toString().getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    c.send(wire);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // The server stops reading once it cannot write: what it read stops growing short of what was sent.
            long[] last = {-1};
            AtomicInteger steady = new AtomicInteger();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                long now = server.metrics().bytesReceived();
                steady.set(now == last[0] ? steady.get() + 1 : 0);
                last[0] = now;
                return steady.get() >= 5;
            });
            assertThat(server.metrics().bytesReceived()).as("the server stopped reading").isLessThan(wire.length);
            assertThat(usedHeapAfterGc() - before).as("heap growth while the client did not read").isLessThan(8L * MB);

            for (int i = 0; i < count; i++) {
                String reply = c.reply();
                assertThat(Integer.parseInt(reply.substring(0, 3))).as("reply %d: %s", i, reply)
                        .isEqualTo(codes[i % codes.length]);
            }
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(c.command("QUIT")).isEqualTo(221);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.10: 50,000 recipients get 452 past maxRecipients, and the envelope holds only those accepted")
    void fiftyThousandRecipients() throws Exception {
        int count = knob("smtpkit.hostile.recipients", 50_000);
        Inbox inbox = new Inbox();
        AtomicInteger rcptCalls = new AtomicInteger();
        SessionHandler.Factory factory = connection -> {
            SessionHandler whole = inbox.asFactory().open(connection);
            return new SessionHandler() {
                @Override
                public void rcpt(dev.smtpkit.core.ForwardPath recipient, dev.smtpkit.core.Parameters parameters) {
                    rcptCalls.incrementAndGet();
                }

                @Override
                public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) throws Exception {
                    whole.message(envelope, content);
                }
            };
        };
        SmtpServer server = MemoryLink.server().handler(factory).build();
        MemoryLink c = MemoryLink.open(server);
        c.code();
        c.command("EHLO client.test");
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < count; i++) {
            batch.append("RCPT TO:<r").append(i).append("@example.org>\r\n");
            if (batch.length() > 32 * 1024) {
                // As a transport does, no more input while the driver holds it back.
                c.send(batch.toString()).settleUntil(() -> !c.paused);
                batch.setLength(0);
            }
        }
        c.send(batch.toString());
        int max = server.config().limits().maxRecipients();
        int accepted = 0;
        int tooMany = 0;
        for (int i = 0; i < count; i++) {
            String r = c.reply();
            if (r.startsWith("250")) {
                accepted++;
            } else {
                assertThat(r).as("reply %d", i).startsWith("452 4.5.3");
                tooMany++;
            }
        }
        assertThat(accepted).isEqualTo(max);
        assertThat(tooMany).isEqualTo(count - max);
        assertThat(rcptCalls.get()).as("the handler is asked only within the limit").isEqualTo(max);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.ask("x\r\n.")).startsWith("250");
        assertThat(inbox.take(WAIT).envelope().recipients()).hasSize(max);
    }

    @Test
    @DisplayName("RFC 5321 §2.4: NUL and 8-bit octets in commands get 500 or 501, never a crash, and the session stays usable")
    void nulAndEightBitOctetsInCommands() throws Exception {
        List<String> hostile = List.of("NO\u0000OP", "\u0000", "\u0000\u0000\u0000\u0000\u0000\u0000", "\u00ff\u00fe\u00fd",
                "EHLO \u0080\u0081", "HELO client\u0000.test", "MAIL FROM:<a\u0000b@example.com>",
                "MAIL FROM:<\u00e9@example.com>", "MAIL FROM:<a@example.com> SIZE=1\u0000", "RCPT TO:<\u00c3\u00a9@example.org>",
                "DATA\u0000", "QUIT\u0000", "RSET \u00ff");
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(inbox));
        c.code();
        assertThat(c.command("EHLO client.test")).isEqualTo(250);
        List<String> replies = new ArrayList<>();
        for (String line : hostile) {
            String reply = c.ask(line);
            replies.add(reply);
            assertThat(reply).as("reply to %s", line.chars().mapToObj(Integer::toHexString).toList()).matches("(500|501|503|553|555) .*\r\n");
            assertThat(c.command("NOOP")).isEqualTo(250);
        }
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.ask("still fine\r\n.")).startsWith("250");
        assertThat(inbox.take(WAIT).envelope().sender().toString()).isEqualTo("<a@example.com>");
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.7: a slowloris client that trickles a command is timed out with 421 4.4.2 for the whole command, not per octet")
    void slowlorisIsTimedOut() throws Exception {
        Duration timeout = Duration.ofMillis(800);
        try (SmtpServer server = SmtpServerTest.local().commandTimeout(timeout).messageHandler(new Inbox()).build().start();
             RawClient c = RawClient.octets(server.port())) {
            c.code();
            String line = "EHLO client.test\r\n";
            AtomicBoolean stop = new AtomicBoolean();
            long start = System.nanoTime();
            // The pacing is the attack: one octet every 200 ms, each well inside the timeout.
            CompletableFuture<Integer> trickle = trickle(c, line, Duration.ofMillis(200), stop);
            String reply = c.reply();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            stop.set(true);
            assertThat(reply).startsWith("421 4.4.2");
            assertThat(took).as("timed out for the whole command").isLessThan(timeout.multipliedBy(3));
            assertThat(trickle.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("octets sent before the timeout").isLessThan(line.length());
        }
    }

    @Test
    @DisplayName("Limits.maxJunkCommands: a pipelined flood of NOOP, RSET, VRFY and HELP ends in 421 4.7.0 and close after the junk and bad-command limits")
    void junkCommandFloodIsClosed() throws Exception {
        MemoryLink c = MemoryLink.open(MemoryLink.server().maxJunkCommands(100).maxBadCommands(20).messageHandler(new Inbox()));
        c.code();
        assertThat(c.command("EHLO client.test")).isEqualTo(250);
        String[] junk = {"NOOP", "RSET", "VRFY postmaster", "HELP"};
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            flood.append(junk[i % junk.length]).append("\r\n");
        }
        c.send(flood.toString());
        List<String> replies = c.repliesUntilEnd(1_000);
        // 100 free, 20 more each answered and counted as bad, then 421 and close.
        assertThat(replies).hasSize(121);
        assertThat(replies.subList(0, 120)).allSatisfy(r -> assertThat(r).matches("(250|252|214)[ -](?s).*"));
        assertThat(replies.get(120)).startsWith("421 4.7.0");
        assertThat(c.finished).isTrue();
    }

    @Test
    @DisplayName("A client that pipelines commands and never reads the replies is closed at the write timeout, and its thread is freed")
    void unreadRepliesAreClosedByTheWriteTimeout() throws Exception {
        Duration writeTimeout = Duration.ofSeconds(1);
        try (SmtpServer server = SmtpServerTest.local().writeTimeout(writeTimeout).messageHandler(new Inbox()).build().start();
             RawClient c = RawClient.octets(server.port(), 4096)) {
            c.code();
            // EHLO is no junk command: only the write timeout ends this. Its replies (about 10 MB)
            // outgrow every socket buffer on the way.
            byte[] flood = "EHLO client.test\r\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    c.send(flood);
                } catch (IOException e) {
                    // Closed by the server: the point.
                }
            });
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isGreaterThanOrEqualTo(writeTimeout);
            assertThat(server.metrics().bytesReceived()).as("the server stopped reading").isLessThan(flood.length);
            c.close();
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    @DisplayName("While 2,000 slow connections from 40 addresses fill the server, a client from a new address is served, and one slow connection is shed with 421 4.7.0")
    void newAddressIsServedWhileSlowClientsFillTheServer() throws Exception {
        int addresses = 40;
        int perAddress = knob("smtpkit.hostile.slowPerAddress", 50);
        int total = addresses * perAddress;
        Inbox inbox = new Inbox();
        List<java.net.Socket> slow = new ArrayList<>();
        try (SmtpServer server = SmtpServerTest.local().maxConnections(total).maxConnectionsPerClient(perAddress)
                .backlog(4096).messageHandler(inbox).build().start()) {
            try {
                for (int a = 0; a < addresses; a++) {
                    for (int i = 0; i < perAddress; i++) {
                        // Loopback is 127/8: each address is a client of its own to the server.
                        java.net.Socket s = new java.net.Socket();
                        s.bind(new java.net.InetSocketAddress("127.0.0." + (a + 2), 0));
                        s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), server.port()));
                        slow.add(s);
                    }
                }
                await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == total);
                assertThat(server.metrics().connectionsRefused()).isZero();
                try (java.net.Socket fresh = new java.net.Socket()) {
                    fresh.bind(new java.net.InetSocketAddress("127.0.0.200", 0));
                    fresh.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), server.port()));
                    try (RawClient c = RawClient.octets(fresh)) {
                        assertThat(c.code()).isEqualTo(220);
                        c.openData();
                        assertThat(c.ask("served\r\n.")).startsWith("250");
                    }
                }
                assertThat(inbox.take(WAIT).text()).isEqualTo("served\r\n");
                assertThat(server.metrics().connectionsShed()).isEqualTo(1);
                assertThat(server.metrics().connectionsRefused()).isZero();
                // The shed one is the oldest of an address holding the most: the very first, from 127.0.0.2.
                java.net.Socket first = slow.get(0);
                first.setSoTimeout((int) WAIT.toMillis());
                String text = new String(first.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(text).startsWith("220 ").contains("\r\n421 4.7.0");
            } finally {
                for (java.net.Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    @Test
    @DisplayName("Under stress (connections at four fifths of maxConnections) a new connection has the short stress command timeout")
    void stressShortensTheCommandTimeout() throws Exception {
        Duration stress = Duration.ofMillis(500);
        try (SmtpServer server = SmtpServerTest.local().maxConnections(5).commandTimeout(Duration.ofMinutes(1))
                .stressCommandTimeout(stress).messageHandler(new Inbox()).build().start();
             RawClient calm1 = RawClient.octets(server.port());
             RawClient calm2 = RawClient.octets(server.port());
             RawClient calm3 = RawClient.octets(server.port())) {
            assertThat(calm1.code()).isEqualTo(220);
            assertThat(calm2.code()).isEqualTo(220);
            assertThat(calm3.code()).isEqualTo(220);
            long start = System.nanoTime();
            try (RawClient fourth = RawClient.octets(server.port())) {
                assertThat(fourth.code()).isEqualTo(220);
                assertThat(fourth.reply()).startsWith("421 4.4.2");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).isBetween(stress.minusMillis(100), Duration.ofSeconds(5));
            }
            // Those admitted before the stress keep the command timeout they were given.
            assertThat(calm1.command("NOOP")).isEqualTo(250);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.2.2: messages read whole share maxMessageBytesInMemory; one that does not fit gets 452 4.3.1, and is taken later")
    void messagesInMemoryShareABudget() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        List<Integer> delivered = java.util.Collections.synchronizedList(new ArrayList<>());
        String body = ("y".repeat(998) + "\r\n").repeat(700);
        MessageHandler handler = message -> {
            delivered.add(message.content().length);
            if (delivered.size() == 1) {
                // The first message keeps its 700 KB in memory until the test lets it go.
                holding.countDown();
                release.await();
            }
        };
        // Two connections of one server, which has the one budget.
        SmtpServer server = MemoryLink.server().maxMessageBytesInMemory(1_000_000).maxMessageSize(2 * MB)
                .messageHandler(handler).build();
        MemoryLink first = MemoryLink.open(server).openData();
        MemoryLink second = MemoryLink.open(server).openData();
        first.send(body + ".\r\n").settle();
        assertThat(holding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(second.ask(body + ".")).startsWith("452 4.3.1");
        release.countDown();
        assertThat(first.reply()).startsWith("250");
        // The budget is free again: the refused message is taken when sent again.
        second.command("MAIL FROM:<a@example.com>");
        second.command("RCPT TO:<b@example.org>");
        assertThat(second.command("DATA")).isEqualTo(354);
        assertThat(second.ask(body + ".")).startsWith("250");
        assertThat(delivered).containsExactly(body.length(), body.length());
    }

    @Test
    @DisplayName("A message body trickled one octet at a time, each within the data-block timeout, is cut by its message deadline with 421 4.4.2")
    void trickledMessageBodyIsCut() throws Exception {
        Duration block = Duration.ofSeconds(1);
        Inbox inbox = new Inbox();
        try (SmtpServer server = SmtpServerTest.local().dataBlockTimeout(block).minDataRate(1_000).messageHandler(inbox)
                .build().start();
             RawClient c = RawClient.octets(server.port())) {
            c.code();
            c.openData();
            long start = System.nanoTime();
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Integer> trickle = trickle(c, "x".repeat(1_000), Duration.ofMillis(200), stop);
            String reply = c.reply();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            stop.set(true);
            assertThat(reply).startsWith("421 4.4.2");
            // 1 s of head start, and the few octets sent earned a few milliseconds more.
            assertThat(took).isBetween(block.minusMillis(100), block.multipliedBy(3));
            assertThat(trickle.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isLessThan(20);
            assertThat(inbox.size()).isZero();
        }
    }

    @Test
    @DisplayName("A client that keeps its connection busy with a NOOP now and then is closed at maxSessionLifetime with 421 4.4.2")
    void sessionLifetimeEndsABusyIdleClient() throws Exception {
        Duration lifetime = Duration.ofSeconds(1);
        try (SmtpServer server = SmtpServerTest.local().maxSessionLifetime(lifetime).messageHandler(new Inbox()).build().start();
             RawClient c = RawClient.octets(server.port())) {
            long start = System.nanoTime();
            c.code();
            int noops = 0;
            String last;
            while (true) {
                last = c.ask("NOOP");
                if (!last.startsWith("250")) {
                    break;
                }
                noops++;
                // The pacing is the attack: each command well inside every per-command timeout.
                Thread.sleep(100);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(last).startsWith("421 4.4.2");
            assertThat(noops).isPositive();
            assertThat(took).isBetween(lifetime.minusMillis(100), lifetime.multipliedBy(3));
        }
    }

    /** Sends {@code text} one octet per {@code pause} until stopped or refused; the octets sent. */
    private static CompletableFuture<Integer> trickle(RawClient c, String text, Duration pause, AtomicBoolean stop) {
        byte[] octets = text.getBytes(StandardCharsets.US_ASCII);
        return CompletableFuture.supplyAsync(() -> {
            int sent = 0;
            try {
                for (; sent < octets.length && !stop.get(); sent++) {
                    c.send(new byte[] {octets[sent]});
                    Thread.sleep(pause.toMillis());
                }
            } catch (IOException | InterruptedException e) {
                // The server closed the connection: the point.
            }
            return sent;
        });
    }

    @Test
    @DisplayName("RFC 5321 §3.8: a flood of connections over maxConnections gets 421 4.7.0, and the server serves a normal client after")
    void connectionFlood() throws Exception {
        int connections = knob("smtpkit.hostile.connections", 600);
        int limit = knob("smtpkit.hostile.connectionLimit", 100);
        Inbox inbox = new Inbox();
        List<RawClient> open = new ArrayList<>();
        try (SmtpServer server = SmtpServerTest.local().maxConnections(limit).maxConnectionsPerClient(limit).backlog(1024)
                .messageHandler(inbox).build().start()) {
            try {
                for (int i = 0; i < connections; i++) {
                    open.add(RawClient.octets(server.port()));
                }
                int greeted = 0;
                int refused = 0;
                for (RawClient c : open) {
                    String r = c.reply();
                    if (r.startsWith("220")) {
                        greeted++;
                    } else {
                        assertThat(r).startsWith("421 4.7.0");
                        refused++;
                    }
                }
                assertThat(greeted).isEqualTo(limit);
                assertThat(refused).isEqualTo(connections - limit);
                assertThat(server.metrics().connectionsRefused()).isEqualTo(connections - limit);
            } finally {
                for (RawClient c : open) {
                    c.close();
                }
            }
            await().atMost(WAIT).until(() -> server.metrics().connectionsActive() == 0);
            try (RawClient c = RawClient.octets(server.port())) {
                assertThat(c.code()).isEqualTo(220);
                c.command("EHLO client.test");
                c.command("MAIL FROM:<a@example.com>");
                c.command("RCPT TO:<b@example.org>");
                assertThat(c.command("DATA")).isEqualTo(354);
                assertThat(c.ask("after the flood\r\n.")).startsWith("250");
            }
            assertThat(inbox.take(WAIT).text()).isEqualTo("after the flood\r\n");
        }
    }
}
