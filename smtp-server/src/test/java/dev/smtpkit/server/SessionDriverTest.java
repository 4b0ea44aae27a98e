package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpRejectException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The server's connection driver without sockets or threads ({@link MemoryLink}): the test is
 * the event loop and the executor, and moves the clock. Each attack a socket test shows on both
 * transports is shown here exactly, at the octet and the nanosecond.
 */
class SessionDriverTest {

    private static final String TRANSACTION = "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n";

    /** A handler that keeps what it is given, reading each message to its end. */
    static class Keeper implements SessionHandler {
        final List<String> messages = Collections.synchronizedList(new ArrayList<>());
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void mail(ReversePath sender, Parameters parameters) {
            calls.add("mail");
        }

        @Override
        public void rcpt(ForwardPath recipient, Parameters parameters) {
            calls.add("rcpt");
        }

        @Override
        public void message(Envelope envelope, InputStream content) throws IOException {
            try {
                messages.add(new String(content.readAllBytes(), StandardCharsets.ISO_8859_1));
            } catch (IncompleteMessageException e) {
                calls.add("incomplete " + e.reason().code());
                throw e;
            }
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    /**
     * A {@link Keeper} that refuses the name "localhost" (550 5.7.1) and records, besides, each
     * name it was asked about, each message call and each reset.
     */
    static final class NamePicky extends Keeper {
        static final Reply REFUSAL = Reply.of(550, dev.smtpkit.core.EnhancedStatus.of(5, 7, 1), "Not that name");

        @Override
        public void hello(String name) throws SmtpRejectException {
            calls.add("hello " + name);
            if (name.equals("localhost")) {
                throw new SmtpRejectException(REFUSAL);
            }
        }

        @Override
        public void message(Envelope envelope, InputStream content) throws IOException {
            calls.add("message");
            super.message(envelope, content);
        }

        @Override
        public void reset() {
            calls.add("reset");
        }
    }

    private static SmtpServer.Builder server(SessionHandler handler) {
        return SmtpServer.builder().hostname("mx.test").handler(connection -> handler);
    }

    @Test
    @DisplayName("The greeting waits for the handler factory, which runs on the executor, never on the loop")
    void greetingWaitsForTheFactory() {
        MemoryLink link = MemoryLink.open(server(new Keeper()));
        assertThat(link.output()).isEmpty();
        assertThat(link.calls).hasSize(1);
        link.settle();
        assertThat(link.output()).startsWith("220 mx.test ESMTP");
    }

    @Test
    @DisplayName("A pipelined conversation, split at random points, gives the same replies and message whatever the split")
    void pipelinedConversationInRandomSplits() {
        String conversation = "EHLO client.test\r\n" + TRANSACTION + "Subject: x\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n";
        Random random = new Random(42);
        for (int round = 0; round < 100; round++) {
            Keeper keeper = new Keeper();
            MemoryLink link = MemoryLink.open(server(keeper)).settle();
            int at = 0;
            while (at < conversation.length()) {
                int next = Math.min(conversation.length(), at + 1 + random.nextInt(12));
                link.send(conversation.substring(at, next)).settle();
                at = next;
            }
            link.settleUntil(() -> link.finished);
            assertThat(link.codes()).as("round %d", round).containsExactly(220, 250, 250, 250, 354, 250, 221);
            assertThat(keeper.messages).containsExactly("Subject: x\r\n\r\n.dot\r\nbody\r\n");
            assertThat(keeper.calls).containsExactly("mail", "rcpt");
            assertThat(link.finished).isTrue();
            link.driver.closed();
            link.settle();
            assertThat(keeper.calls).containsExactly("mail", "rcpt", "close");
            assertThat(link.exited).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("RFC 2920: 64 sessions of one server, their pipelined commands and messages split at random octets and interleaved, with random pauses: every reply right and in order")
    void interleavedSessionsInRandomSplits() {
        int connections = 64;
        int rounds = 3;
        Random random = new Random(42);
        Inbox inbox = new Inbox();
        SmtpServer server = MemoryLink.server().messageHandler(inbox).build();
        List<Conversation> open = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            open.add(new Conversation(MemoryLink.open(server), i, rounds));
            for (int r = 0; r < rounds; r++) {
                expected.add(Conversation.message(i, r));
            }
        }
        while (!open.isEmpty()) {
            Conversation c = open.get(random.nextInt(open.size()));
            if (c.link.paused) {
                // A transport reads no more while the driver has paused its input.
                c.link.settle();
            } else if (c.sendPiece(random) && !c.next()) {
                open.remove(c);
            }
        }
        assertThat(inbox.drain()).extracting(ReceivedMessage::text).containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * One client's side of {@link #interleavedSessionsInRandomSplits}: each part pipelined and sent
     * in pieces of 1 to 40 octets, then the replies to the part read before the next.
     */
    private static final class Conversation {
        final MemoryLink link;
        private final int client;
        private final List<String> parts = new ArrayList<>();
        private final List<List<Integer>> replies = new ArrayList<>();
        private int part;
        private int at;

        Conversation(MemoryLink link, int client, int rounds) {
            this.link = link;
            this.client = client;
            assertThat(link.code()).isEqualTo(220);
            add("EHLO client" + client + ".test\r\nNOOP\r\n", 250, 250);
            for (int r = 0; r < rounds; r++) {
                add("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nNOOP\r\nRSET\r\n"
                        + "MAIL FROM:<a@example.com>\r\nRCPT TO:<c@example.org>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n",
                        250, 250, 250, 250, 250, 250, 250, 354);
                add(message(client, r).replace("\r\n.", "\r\n..") + ".\r\nNOOP\r\n", 250, 250);
            }
            add("QUIT\r\n", 221);
        }

        static String message(int client, int round) {
            return "Subject: " + client + "/" + round + "\r\n\r\nline one\r\n. a dot\r\n..two dots\r\nline four\r\n";
        }

        private void add(String text, Integer... codes) {
            parts.add(text);
            replies.add(List.of(codes));
        }

        /** Sends the next piece of the current part, settling after some; true once the part is all sent. */
        boolean sendPiece(Random random) {
            String text = parts.get(part);
            int end = Math.min(text.length(), at + 1 + random.nextInt(40));
            link.send(text.substring(at, end));
            at = end;
            if (random.nextInt(4) == 1) {
                link.settle();
            }
            return at == text.length();
        }

        /** Reads the replies to the part just sent; false when that was the last, and the connection ended. */
        boolean next() {
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < replies.get(part).size(); i++) {
                codes.add(link.code());
            }
            assertThat(codes).as("client %d part %d", client, part).isEqualTo(replies.get(part));
            part++;
            at = 0;
            if (part < parts.size()) {
                return true;
            }
            assertThat(link.reply()).as("client %d: the end after 221", client).isEmpty();
            link.transportClosed();
            assertThat(link.exited).isEqualTo(1);
            return false;
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.7: a command trickled an octet every 10 s gets 421 4.4.2 at the command timeout, not before")
    void trickledCommandTimesOut() {
        MemoryLink link = MemoryLink.open(server(new Keeper()).commandTimeout(Duration.ofMinutes(5))).settle();
        link.output();
        for (int second = 0; second < 290; second += 10) {
            link.send("N").advance(Duration.ofSeconds(10));
        }
        assertThat(link.output()).isEmpty();
        link.advance(Duration.ofSeconds(10)).advance(Duration.ofSeconds(1));
        assertThat(link.output()).startsWith("421 4.4.2");
        assertThat(link.finished).isTrue();
    }

    @Test
    @DisplayName("A message body trickled an octet every 10 s is cut at its deadline (data-block timeout plus 1 s per 500 octets): 421, and the handler sees an incomplete message")
    void trickledMessageIsCut() {
        Keeper keeper = new Keeper();
        MemoryLink link = MemoryLink.open(server(keeper).dataBlockTimeout(Duration.ofMinutes(3)).minDataRate(500)).settle();
        link.send("EHLO client.test\r\n" + TRANSACTION).settle();
        assertThat(link.codes()).containsExactly(220, 250, 250, 250, 354);
        // The handler waits on its executor thread for the content; the loop feeds it.
        for (int second = 0; second < 170; second += 10) {
            link.send("x").advance(Duration.ofSeconds(10));
        }
        assertThat(link.output()).isEmpty();
        link.advance(Duration.ofSeconds(11));
        assertThat(link.output()).startsWith("421 4.4.2");
        link.settle();
        assertThat(keeper.messages).isEmpty();
        assertThat(keeper.calls).containsExactly("mail", "rcpt", "incomplete 421");
    }

    @Test
    @DisplayName("maxSessionLifetime ends a busy client: NOOP every minute, 421 at the lifetime")
    void sessionLifetime() {
        MemoryLink link = MemoryLink.open(server(new Keeper()).maxSessionLifetime(Duration.ofMinutes(10))).settle();
        link.output();
        for (int minute = 0; minute < 9; minute++) {
            link.send("NOOP\r\n").advance(Duration.ofMinutes(1));
        }
        assertThat(link.codes()).containsOnly(250).hasSize(9);
        link.advance(Duration.ofMinutes(1)).advance(Duration.ofSeconds(1));
        assertThat(link.output()).startsWith("421 4.4.2");
        assertThat(link.finished).isTrue();
    }

    @Test
    @DisplayName("A handler past handlerTimeout: the watchdog's 451 goes out, the handler's late yes is dropped, the session goes on")
    void lateHandlerIsAnswered451() {
        Keeper keeper = new Keeper();
        MemoryLink link = MemoryLink.open(server(keeper).handlerTimeout(Duration.ofMinutes(1))).settle();
        SessionDriver driver = (SessionDriver) link.driver;
        link.send("EHLO client.test\r\n").settle();
        link.send("MAIL FROM:<a@example.com>\r\n");
        assertThat(link.calls).hasSize(1);
        assertThat(driver.lateHandlerCall(link.now)).isZero();
        link.now += Duration.ofSeconds(61).toNanos();
        long late = driver.lateHandlerCall(link.now);
        assertThat(late).isPositive();
        assertThat(driver.lateHandlerCall(link.now)).as("reported once").isZero();
        driver.answerLateHandler(late);
        assertThat(link.codes()).containsExactly(220, 250, 451);
        link.settle();
        assertThat(keeper.calls).containsExactly("mail");
        assertThat(link.codes()).as("the late yes adds nothing").isEmpty();
        link.send("RCPT TO:<b@example.org>\r\n").settle();
        assertThat(link.codes()).as("no transaction after the 451").containsExactly(503);
    }

    @Test
    @DisplayName("A handler that does not read its message stops the input once 1 MiB waits, on 960 KiB lent by the memory budget and given back after")
    void slowHandlerStopsTheInput() throws Exception {
        slowHandler(server -> { }, MessagePipe.READ_AHEAD, MessagePipe.READ_AHEAD - MessagePipe.PAUSE_AT);
    }

    @Test
    @DisplayName("Where the memory budget cannot lend 960 KiB and keep half free, the input stops at 64 KiB instead")
    void slowHandlerWithoutALoan() throws Exception {
        slowHandler(server -> server.maxMessageBytesInMemory(2 * (MessagePipe.READ_AHEAD - MessagePipe.PAUSE_AT) - 1),
                MessagePipe.PAUSE_AT, 0);
    }

    /** Sends a message to a handler that waits, until the input stops at {@code stopsAt}; then lets it read. */
    private static void slowHandler(java.util.function.Consumer<SmtpServer.Builder> settings, int stopsAt, long lent) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<String> got = new AtomicReference<>();
        SessionHandler slow = (envelope, content) -> {
            go.await(10, TimeUnit.SECONDS);
            got.set(new String(content.readAllBytes(), StandardCharsets.ISO_8859_1));
        };
        SmtpServer.Builder builder = server(slow);
        settings.accept(builder);
        SmtpServer server = builder.build();
        MemoryLink link = MemoryLink.open(server).settle();
        link.send("EHLO client.test\r\n" + TRANSACTION).settle();
        String line = "x".repeat(78) + "\r\n";
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 20_000 && !link.paused; i++) {
            link.send(line);
            body.append(line);
        }
        assertThat(link.paused).as("paused after %d octets", body.length()).isTrue();
        assertThat(body.length()).isBetween(stopsAt, stopsAt + line.length());
        assertThat(server.settings().memory().used()).as("lent").isEqualTo(lent);
        // The handler was called when the pipe reached 64 KiB; it waits on its thread.
        link.settle();
        go.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> !link.loop.isEmpty());
        link.runLoop();
        assertThat(link.paused).isFalse();
        link.send(".\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> got.get() != null);
        link.settle();
        assertThat(got.get()).isEqualTo(body.toString());
        assertThat(link.codes()).containsExactly(220, 250, 250, 250, 354, 250);
        assertThat(server.settings().memory().used()).as("given back").isZero();
    }

    @Test
    @DisplayName("Commands pipelined behind a decision stop the input past 64 KiB, and go on once the handler answered")
    void commandsBehindADecisionStopTheInput() {
        // Past the junk-command limit, which would end this session first.
        MemoryLink link = MemoryLink.open(server(new Keeper()).maxJunkCommands(20_000)).settle();
        link.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\n");
        String noops = "NOOP\r\n".repeat(12_000);
        link.send(noops);
        assertThat(link.paused).isTrue();
        link.settle();
        assertThat(link.paused).isFalse();
        List<Integer> codes = link.codes();
        assertThat(codes).hasSize(3 + 12_000).containsOnly(220, 250);
    }

    @Test
    @DisplayName("RFC 5321 §3.8: shutdown answers an idle session 421 4.3.2 at once, a busy one after its transaction")
    void shutdown() {
        MemoryLink idle = MemoryLink.open(server(new Keeper())).settle();
        idle.output();
        ((SessionDriver) idle.driver).requestShutdown();
        idle.runLoop();
        assertThat(idle.output()).startsWith("421 4.3.2");
        assertThat(idle.finished).isTrue();

        Keeper keeper = new Keeper();
        MemoryLink busy = MemoryLink.open(server(keeper)).settle();
        busy.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\n").settle();
        ((SessionDriver) busy.driver).requestShutdown();
        busy.runLoop();
        assertThat(busy.finished).isFalse();
        busy.send("RCPT TO:<b@example.org>\r\nDATA\r\n").settle();
        busy.send("hello\r\n.\r\n").settleUntil(() -> busy.finished);
        assertThat(busy.codes()).containsExactly(220, 250, 250, 250, 354, 250, 421);
        assertThat(keeper.messages).containsExactly("hello\r\n");
        assertThat(busy.finished).isTrue();
    }

    @Test
    @DisplayName("An executor that refuses a handler call: 421 4.3.2, for there is no thread to decide with")
    void refusedExecutor() {
        MemoryLink link = MemoryLink.open(server(new Keeper())).settle();
        link.refusedExecutor = true;
        link.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\n").settle();
        assertThat(link.codes()).containsExactly(220, 421);
        assertThat(link.finished).isTrue();
    }

    @Test
    @DisplayName("PROXY protocol: a header split across reads names the client; none within the command timeout closes without a reply")
    void proxyHeader() {
        SmtpServer.Builder proxied = server(new Keeper()).proxyProtocol(TrustedNetworks.parse("127.0.0.0/8"));
        MemoryLink link = MemoryLink.open(proxied);
        link.send("PROXY TCP4 198.51.100.7 ").send("203.0.113.1 40000 25\r\nEHLO client.test\r\n").settle();
        assertThat(link.codes()).containsExactly(220, 250);
        assertThat(((SessionDriver) link.driver).connection().remoteAddress().getAddress().getHostAddress())
                .isEqualTo("198.51.100.7");

        MemoryLink silent = MemoryLink.open(proxied);
        silent.advance(Duration.ofMinutes(4));
        assertThat(silent.finished).isFalse();
        silent.advance(Duration.ofMinutes(1)).advance(Duration.ofSeconds(1));
        assertThat(silent.finished).isTrue();
        assertThat(silent.output()).isEmpty();
    }

    @Test
    @DisplayName("Connection.drop() in a handler: the decision's reply is never written, even where the transport closes later (Netty)")
    void dropFromAHandlerWritesNothingMore() {
        AtomicReference<Connection> opened = new AtomicReference<>();
        SessionHandler dropping = new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                opened.get().drop();
            }

            @Override
            public void message(Envelope envelope, InputStream content) {
            }
        };
        MemoryLink link = MemoryLink.open(SmtpServer.builder().hostname("mx.test").handler(connection -> {
            opened.set(connection);
            return dropping;
        }));
        link.closeLater = true;
        link.settle();
        link.output();
        link.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\n").settle();
        assertThat(link.closeRequests).isEqualTo(1);
        assertThat(link.output()).as("the EHLO reply only").startsWith("250-mx.test").doesNotContain("2.1.0");
    }

    @Test
    @DisplayName("SessionHandler.data: the 354 waits for the handler, called on the executor; a refusal keeps the transaction for another DATA")
    void dataIsAskedBeforeTheGoAhead() {
        List<String> asked = Collections.synchronizedList(new ArrayList<>());
        Keeper keeper = new Keeper();
        SessionHandler refusingOnce = new SessionHandler() {
            @Override
            public void data(Envelope envelope) throws SmtpRejectException {
                asked.add(envelope.recipients().get(0).path().toString());
                if (asked.size() == 1) {
                    throw new SmtpRejectException(Replies.INSUFFICIENT_STORAGE);
                }
            }

            @Override
            public void message(Envelope envelope, InputStream content) throws Exception {
                keeper.message(envelope, content);
            }
        };
        MemoryLink link = MemoryLink.open(server(refusingOnce)).settle();
        link.output();
        link.send("EHLO client.test\r\n" + TRANSACTION).settle();
        assertThat(link.codes()).containsExactly(250, 250, 250, 452);
        assertThat(asked).containsExactly("<b@example.org>");
        link.send("DATA\r\n");
        assertThat(link.output()).as("no 354 before the handler answered").isEmpty();
        assertThat(link.calls).hasSize(1);
        link.settle().send("hi\r\n.\r\n").settleUntil(() -> link.written.toString().contains("250 2.0.0"));
        assertThat(link.codes()).containsExactly(354, 250);
        assertThat(keeper.messages).containsExactly("hi\r\n");
    }

    @Test
    @DisplayName("A MessageHandler server answers MAIL and RCPT itself: only the message is an executor call, made once the message is whole")
    void messageHandlerNeedsOneCallPerMessage() {
        List<ReceivedMessage> got = new ArrayList<>();
        MemoryLink link = MemoryLink.open(SmtpServer.builder().hostname("mx.test").messageHandler(got::add));
        assertThat(link.calls).isEmpty();
        assertThat(link.output()).startsWith("220");
        link.send("EHLO client.test\r\n" + TRANSACTION);
        assertThat(link.codes()).containsExactly(250, 250, 250, 354);
        link.send("hi\r\n");
        assertThat(link.calls).as("called once the message is whole").isEmpty();
        link.send(".\r\n");
        assertThat(link.calls).hasSize(1);
        link.settleUntil(() -> link.written.toString().contains("250 2.0.0"));
        assertThat(link.codes()).containsExactly(250);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).text()).isEqualTo("hi\r\n");
    }

    @Test
    @DisplayName("A StreamingMessageHandler server answers MAIL and RCPT itself and streams the message in one call")
    void streamingHandlerNeedsOneCallPerMessage() {
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        MemoryLink link = MemoryLink.open(SmtpServer.builder().hostname("mx.test").streamingMessageHandler(
                (connection, envelope, content) -> got.add(envelope.sender().mailbox().map(Object::toString).orElse("") + " " + new String(content.readAllBytes(),
                        StandardCharsets.ISO_8859_1))));
        assertThat(link.output()).startsWith("220");
        link.send("EHLO client.test\r\n" + TRANSACTION);
        assertThat(link.calls).isEmpty();
        assertThat(link.codes()).containsExactly(250, 250, 250, 354);
        link.send("hi\r\n.\r\n").settleUntil(() -> link.written.toString().contains("250 2.0.0"));
        assertThat(got).containsExactly("a@example.com hi\r\n");
    }

    @Test
    @DisplayName("AsyncMessageHandler: the 250 waits for the stage, not for a thread; a stage failed with a refusal gives its reply")
    void asyncHandlerAnswersWhenTheStageCompletes() {
        List<CompletableFuture<Void>> stages = Collections.synchronizedList(new ArrayList<>());
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        MemoryLink link = MemoryLink.open(SmtpServer.builder().hostname("mx.test").asyncMessageHandler(message -> {
            got.add(message.text());
            CompletableFuture<Void> stage = new CompletableFuture<>();
            stages.add(stage);
            return stage;
        }));
        link.send("EHLO client.test\r\n" + TRANSACTION + "one\r\n.\r\n").settle();
        assertThat(got).containsExactly("one\r\n");
        assertThat(link.calls).isEmpty();
        assertThat(link.codes()).containsExactly(220, 250, 250, 250, 354);
        stages.get(0).complete(null);
        link.settle();
        assertThat(link.codes()).containsExactly(250);

        link.send(TRANSACTION + "two\r\n.\r\n").settle();
        stages.get(1).completeExceptionally(new SmtpRejectException(Reply.of(554, "not today")));
        link.settle();
        assertThat(link.codes()).containsExactly(250, 250, 354, 554);
        assertThat(got).containsExactly("one\r\n", "two\r\n");
    }

    @Test
    @DisplayName("AsyncMessageHandler: a stage still open at dataTerminationTimeout gets the client 451; its late completion is dropped")
    void asyncHandlerPastItsDeadline() {
        CompletableFuture<Void> stage = new CompletableFuture<>();
        MemoryLink link = MemoryLink.open(SmtpServer.builder().hostname("mx.test").dataTerminationTimeout(Duration.ofMinutes(10))
                .asyncMessageHandler(message -> stage));
        SessionDriver driver = (SessionDriver) link.driver;
        link.send("EHLO client.test\r\n" + TRANSACTION + "late\r\n.\r\n").settle();
        assertThat(link.codes()).containsExactly(220, 250, 250, 250, 354);
        link.now += Duration.ofMinutes(10).plusSeconds(1).toNanos();
        driver.answerLateHandler(driver.lateHandlerCall(link.now));
        assertThat(link.codes()).containsExactly(451);
        stage.complete(null);
        link.settle();
        assertThat(link.codes()).isEmpty();
        link.send("NOOP\r\n").settle();
        assertThat(link.codes()).containsExactly(250);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.4: an EHLO between BDAT chunks is put to the handler with the transaction open; refused, the message goes on, accepted, it is aborted")
    void helloBetweenChunksIsAskedFirst() {
        NamePicky picky = new NamePicky();
        MemoryLink link = MemoryLink.open(server(picky)).settle();
        link.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nBDAT 6\r\nfirst ").settle();
        assertThat(link.codes()).containsExactly(220, 250, 250, 250, 250);

        assertThat(link.ask("EHLO localhost")).startsWith("550 5.7.1");
        link.send("BDAT 5 LAST\r\nchunk");
        assertThat(link.code()).isEqualTo(250);
        assertThat(picky.messages).containsExactly("first chunk");
        assertThat(picky.calls).containsExactly("hello client.test", "mail", "rcpt", "hello localhost", "message");

        picky.calls.clear();
        link.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nBDAT 6\r\nfirst ").settle();
        assertThat(link.codes()).containsExactly(250, 250, 250);
        assertThat(link.ask("EHLO again.test")).startsWith("250-mx.test");
        link.send("BDAT 5 LAST\r\nchunk");
        assertThat(link.code()).as("no transaction left").isEqualTo(503);
        assertThat(picky.messages).hasSize(1);
        assertThat(picky.calls).containsExactly("mail", "rcpt", "hello again.test", "message", "incomplete 250", "reset");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.4: an EHLO between BDAT chunks while the handler reads the message resets first (no second call meanwhile), and does not hang")
    void helloBetweenChunksWhileTheMessageIsRead() {
        NamePicky picky = new NamePicky();
        MemoryLink link = MemoryLink.open(server(picky)).settle();
        link.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n").settle();
        String big = "x".repeat(MessagePipe.PAUSE_AT + 1000);
        link.send("BDAT " + big.length() + "\r\n" + big).settle();
        assertThat(link.codes()).containsExactly(220, 250, 250, 250, 250);
        assertThat(picky.calls).as("the message call started when the pipe filled").contains("message");

        assertThat(link.ask("EHLO localhost")).startsWith("550 5.7.1");
        assertThat(picky.calls).containsExactly("hello client.test", "mail", "rcpt", "message", "incomplete 250", "reset",
                "hello localhost");
        link.send("BDAT 5 LAST\r\nchunk");
        assertThat(link.code()).as("the transaction was reset before the name was asked").isEqualTo(503);
        assertThat(link.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(picky.messages).isEmpty();
    }
}
