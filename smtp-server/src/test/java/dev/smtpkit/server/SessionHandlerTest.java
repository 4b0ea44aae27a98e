package dev.smtpkit.server;

import static dev.smtpkit.server.SmtpServerTest.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.server.SmtpServerTest.Recorder;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the application sees of a session and what the client hears back: the calls made to
 * {@link SessionHandler}, {@link MessageHandler} and {@link TranscriptListener}, their refusals and
 * failures, and the protocol around them (pipelining, RSET, HELO). All of it is the driver's, so
 * it runs on {@link MemoryLink}; {@link SmtpServerTest} keeps what needs a socket.
 */
class SessionHandlerTest {

    @Test
    @DisplayName("RFC 2920: pipelined commands are answered, in order, together")
    void pipelining() throws Exception {
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(inbox));
        c.reply();
        c.send("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
                + "RCPT TO:<c@example.org>\r\nDATA\r\n");
        assertThat(List.of(c.code(), c.code(), c.code(), c.code(), c.code())).containsExactly(250, 250, 250, 250, 354);
        c.send("x\r\n.\r\nQUIT\r\n");
        assertThat(List.of(c.code(), c.code())).containsExactly(250, 221);
        assertThat(inbox.take(WAIT).envelope().forwardPaths()).hasSize(2);
    }

    @Test
    @DisplayName("RFC 821 aborted transaction: the handler refuses a recipient, the client resets, nothing is delivered")
    void abortedTransaction() {
        Recorder recorder = new Recorder();
        MemoryLink c = MemoryLink.open(MemoryLink.server().handler(conn -> recorder));
        c.reply();
        assertThat(c.command("HELO client.test")).isEqualTo(250);
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.ask("RCPT TO:<nobody@example.org>")).startsWith("550 5.1.1");
        assertThat(c.command("RSET")).isEqualTo(250);
        assertThat(c.command("QUIT")).isEqualTo(221);
        c.transportClosed();
        assertThat(recorder.delivered).isEmpty();
        assertThat(recorder.calls).containsExactly("mail <a@example.com>", "rcpt <b@example.org>",
                "rcpt <nobody@example.org>", "reset", "close");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET is 250 in every state, clears the transaction, keeps the connection")
    void rsetInEveryState() {
        Recorder recorder = new Recorder();
        MemoryLink c = MemoryLink.open(MemoryLink.server().handler(conn -> recorder));
        c.reply();
        assertThat(c.command("RSET")).as("before HELO").isEqualTo(250);
        assertThat(c.command("EHLO client.test")).isEqualTo(250);
        assertThat(c.command("RSET")).as("after EHLO").isEqualTo(250);
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RSET")).as("after MAIL").isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>")).as("RCPT after RSET is out of order").isEqualTo(503);
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("RSET")).as("after RCPT").isEqualTo(250);
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        c.send("one line\r\n.\r\n");
        assertThat(c.code()).isEqualTo(250);
        assertThat(c.command("RSET")).as("after a message").isEqualTo(250);
        assertThat(c.command("QUIT")).isEqualTo(221);
        c.transportClosed();
        assertThat(recorder.delivered).hasSize(1);
        assertThat(recorder.calls.stream().filter("reset"::equals)).hasSize(2);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: HELO without a name is 501 under the strict policy and the session stays usable")
    void heloWithoutNameStrict() {
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(new Inbox()));
        c.reply();
        assertThat(c.ask("HELO")).startsWith("501 5.5.4");
        assertThat(c.command("HELO printer.test")).isEqualTo(250);
        assertThat(c.command("MAIL FROM:<p@example.com>")).isEqualTo(250);
    }

    @Test
    void heloWithoutNameLenient() throws Exception {
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().allowHelloWithoutName(true).messageHandler(inbox));
        c.reply();
        assertThat(c.command("HELO")).isEqualTo(250);
        assertThat(c.command("MAIL FROM:<p@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<q@example.com>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.command("scan\r\n.")).isEqualTo(250);
        assertThat(inbox.take(WAIT).connection().helloName()).isEmpty();
    }

    @Test
    @DisplayName("A client that resets twice, waits, then sends properly gets its message delivered")
    void rsetTwiceThenWaitThenSend() throws Exception {
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(inbox));
        c.reply();
        assertThat(c.command("EHLO client.test")).isEqualTo(250);
        assertThat(c.command("RSET")).isEqualTo(250);
        assertThat(c.command("RSET")).isEqualTo(250);
        c.advance(Duration.ofMillis(300)); // the pause is the field case itself, not synchronisation
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.command("after the wait\r\n.")).isEqualTo(250);
        assertThat(inbox.take(WAIT).text()).isEqualTo("after the wait\r\n");
    }

    @Test
    @DisplayName("A handler that throws gets its client 451 4.3.0, and the session stays usable")
    void handlerThrows() throws Exception {
        Inbox inbox = new Inbox();
        AtomicLong calls = new AtomicLong();
        MessageHandler flaky = m -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("the disk is full (test)");
            }
            inbox.message(m);
        };
        SmtpServer server = MemoryLink.server().messageHandler(flaky).build();
        MemoryLink c = MemoryLink.open(server);
        c.reply();
        c.command("EHLO client.test");
        for (int i = 0; i < 2; i++) {
            assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(c.command("DATA")).isEqualTo(354);
            c.send("try " + i + "\r\n.\r\n");
            assertThat(c.reply()).startsWith(i == 0 ? "451 4.3.0" : "250 2.0.0");
        }
        assertThat(inbox.take(WAIT).text()).isEqualTo("try 1\r\n");
        assertThat(server.metrics().messagesRefused()).isEqualTo(1);
    }

    @Test
    @DisplayName("A handler's SmtpRejectException is the client's reply, for MAIL and for the message")
    void handlerRejects() {
        SessionHandler handler = new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                if (sender.isNull()) {
                    throw new SmtpRejectException(Replies.MAILBOX_UNAVAILABLE);
                }
            }

            @Override
            public void message(Envelope envelope, InputStream content) throws IOException {
                content.readAllBytes();
                throw new SmtpRejectException(Replies.INSUFFICIENT_STORAGE);
            }
        };
        MemoryLink c = MemoryLink.open(MemoryLink.server().handler(conn -> handler));
        c.reply();
        c.command("EHLO client.test");
        assertThat(c.ask("MAIL FROM:<>")).startsWith("450 4.2.1");
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.ask("x\r\n.")).startsWith("452 4.3.1");
        assertThat(c.command("NOOP")).isEqualTo(250);
    }

    @Test
    @DisplayName("RFC 1870: a message over maxMessageSize is 552, its stream throws, the session goes on")
    void messageTooBig() {
        Recorder recorder = new Recorder();
        SmtpServer server = MemoryLink.server().maxMessageSize(1000).handler(conn -> recorder).build();
        MemoryLink c = MemoryLink.open(server);
        c.reply();
        String ehlo = c.ask("EHLO client.test");
        assertThat(ehlo).containsPattern("250[- ]SIZE 1000\r\n");
        c.command("MAIL FROM:<a@example.com>");
        c.command("RCPT TO:<b@example.org>");
        assertThat(c.command("DATA")).isEqualTo(354);
        c.send(("y".repeat(100) + "\r\n").repeat(20));
        assertThat(c.ask(".")).startsWith("552 5.3.4");
        assertThat(c.command("NOOP")).isEqualTo(250);
        assertThat(recorder.delivered).isEmpty();
        assertThat(recorder.streamFailure.get()).isInstanceOf(IncompleteMessageException.class);
        assertThat(server.metrics().messagesRefused()).isEqualTo(1);
    }

    @Test
    void factoryRefusesConnection() {
        MemoryLink c = MemoryLink.open(MemoryLink.server().handler(conn -> {
            throw new SmtpRejectException(dev.smtpkit.core.Reply.of(554, "no service for " + conn.remoteAddress().getAddress().getHostAddress()));
        }));
        assertThat(c.reply()).startsWith("554 no service for 127.0.0.1");
        assertThat(c.command("EHLO client.test")).isEqualTo(503);
        assertThat(c.command("QUIT")).isEqualTo(221);
    }

    @Test
    @DisplayName("The transcript listener sees every command and reply in order, with its connection, and AUTH-free")
    void transcriptListener() {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Connection> seen = new AtomicReference<>();
        TranscriptListener listener = new TranscriptListener() {
            @Override
            public void received(Connection connection, String line) {
                seen.set(connection);
                lines.add("C: " + line);
            }

            @Override
            public void sent(Connection connection, dev.smtpkit.core.Reply reply) {
                lines.add("S: " + reply.code());
            }
        };
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(new Inbox()).transcriptListener(listener));
        c.reply();
        c.command("HELO client.test");
        c.command("NOOP");
        c.command("QUIT");
        assertThat(c.reply()).as("closed after the 221").isEmpty();
        assertThat(c.finished).isTrue();
        assertThat(lines).containsExactly("S: 220", "C: HELO client.test", "S: 250", "C: NOOP", "S: 250",
                "C: QUIT", "S: 221");
        assertThat(seen.get().helloName()).isEqualTo("client.test");
    }

    @Test
    @DisplayName("A listener that throws is logged and ignored: the session goes on")
    void failingTranscriptListener() {
        TranscriptListener listener = new TranscriptListener() {
            @Override
            public void received(Connection connection, String line) {
                throw new IllegalStateException("listener bug");
            }
        };
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(new Inbox()).transcriptListener(listener));
        c.reply();
        assertThat(c.command("HELO client.test")).isEqualTo(250);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: SessionHandler.hello() may refuse a client's name; the session stays usable for another try")
    void helloCanBeRefused() {
        List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            @Override
            public void hello(String name) {
                names.add(name);
                if (name.endsWith(".blocked.test")) {
                    throw new dev.smtpkit.core.SmtpRejectException(
                            dev.smtpkit.core.Reply.of(550, dev.smtpkit.core.EnhancedStatus.of(5, 7, 1), "Not you"));
                }
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) throws java.io.IOException {
                content.readAllBytes();
            }
        };
        MemoryLink c = MemoryLink.open(MemoryLink.server().handler(factory));
        assertThat(c.code()).isEqualTo(220);
        assertThat(c.ask("EHLO spam.blocked.test")).startsWith("550 5.7.1 Not you");
        assertThat(c.command("MAIL FROM:<a@example.com>")).as("no greeting accepted yet").isEqualTo(503);
        assertThat(c.ask("EHLO fine.test")).startsWith("250-mx.test");
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(names).containsExactly("spam.blocked.test", "fine.test");
    }

    @Test
    @DisplayName("A handler that blocks holds only its own session: a parallel session is served meanwhile, and the blocked one finishes after")
    void blockedHandlerDelaysOnlyItsSession() throws Exception {
        Inbox inbox = new Inbox();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MessageHandler handler = m -> {
            if (m.envelope().sender().toString().contains("slow")) {
                entered.countDown();
                // Bounded: the test releases it, or it gives up and the client gets 451.
                if (!release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            inbox.message(m);
        };
        SmtpServer server = MemoryLink.server().messageHandler(handler).build();
        MemoryLink slow = MemoryLink.greeted(server, "slow.test");
        MemoryLink fast = MemoryLink.greeted(server, "fast.test");
        slow.command("MAIL FROM:<slow@example.com>");
        slow.command("RCPT TO:<b@example.org>");
        assertThat(slow.command("DATA")).isEqualTo(354);
        slow.send("slow message\r\n.\r\n").settle();
        assertThat(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        for (int i = 0; i < 3; i++) {
            fast.command("MAIL FROM:<fast@example.com>");
            fast.command("RCPT TO:<b@example.org>");
            assertThat(fast.command("DATA")).isEqualTo(354);
            assertThat(fast.ask("fast " + i + "\r\n.")).as("served while the other handler blocks").startsWith("250");
        }
        assertThat(inbox.size()).isEqualTo(3);
        release.countDown();
        assertThat(slow.reply()).startsWith("250");
        assertThat(slow.command("NOOP")).isEqualTo(250);
        assertThat(inbox.drain()).extracting(ReceivedMessage::text)
                .containsExactly("fast 0\r\n", "fast 1\r\n", "fast 2\r\n", "slow message\r\n");
    }

    @Test
    @DisplayName("Connection.drop() in a handler closes the connection without the reply; the transaction is abandoned")
    void dropFromHandler() {
        AtomicReference<Recorder> recorder = new AtomicReference<>();
        SessionHandler.Factory dropping = connection -> {
            recorder.set(new Recorder() {
                @Override
                public void mail(ReversePath sender, Parameters parameters) {
                    super.mail(sender, parameters);
                    connection.drop();
                }
            });
            return recorder.get();
        };
        MemoryLink c = MemoryLink.open(MemoryLink.server().handler(dropping));
        c.reply();
        c.command("HELO client.test");
        c.send("MAIL FROM:<a@example.com>\r\n");
        assertThat(c.reply()).isEmpty();
        assertThat(c.closed).isTrue();
        c.transportClosed();
        assertThat(recorder.get().calls).containsExactly("mail <a@example.com>", "reset", "close");
    }
}
