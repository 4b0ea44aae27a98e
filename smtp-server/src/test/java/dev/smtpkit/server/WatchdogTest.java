package dev.smtpkit.server;

import static dev.smtpkit.server.ProcessMeasures.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A handler call past its deadline, as the {@link Watchdog} finds it: on {@link MemoryLink}, whose
 * manual clock shows the 451 comes at the deadline and not a nanosecond before, where a socket
 * test could only bound it between the deadline and a few seconds after.
 */
class WatchdogTest {

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.3: an rcpt() past handlerTimeout is answered 451 at once, in order after the pipelined MAIL's 250; other sessions go on, and so does this one when the handler returns")
    void lateRecipientDecisionIsAnswered451() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> delivered = new CopyOnWriteArrayList<>();
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            @Override
            public void rcpt(ForwardPath recipient, Parameters parameters) throws Exception {
                if (recipient.toString().contains("slow")) {
                    entered.countDown();
                    // Bounded: the test releases it.
                    assertThat(release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                }
            }

            @Override
            public void message(Envelope envelope, InputStream content) throws IOException {
                delivered.add(envelope.recipients().stream().map(r -> r.path().toString()).toList() + " "
                        + new String(content.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        };
        Duration timeout = Duration.ofMillis(300);
        SmtpServer server = MemoryLink.server().handler(factory).handlerTimeout(timeout).build();
        MemoryLink slow = MemoryLink.greeted(server, "slow.test");
        MemoryLink other = MemoryLink.greeted(server, "other.test");
        slow.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<slow@example.org>\r\n");
        assertThat(slow.reply()).startsWith("250");
        assertThat(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        slow.advance(timeout.minusNanos(1)).watchdog().settle();
        assertThat(slow.output()).as("not before the deadline").isEmpty();
        slow.advance(Duration.ofNanos(1)).watchdog();
        assertThat(slow.reply()).startsWith("451 4.3.0").contains("did not decide in time");

        // Another session is served while the handler still blocks.
        other.command("MAIL FROM:<c@example.com>");
        other.command("RCPT TO:<d@example.org>");
        assertThat(other.command("DATA")).isEqualTo(354);
        assertThat(other.ask("other\r\n.")).startsWith("250");

        release.countDown();
        // The handler's late yes is dropped: the next reply is the next command's.
        assertThat(slow.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(slow.command("DATA")).isEqualTo(354);
        assertThat(slow.ask("slow\r\n.")).startsWith("250");
        assertThat(slow.command("NOOP")).isEqualTo(250);
        assertThat(delivered).containsExactly("[<d@example.org>] other\r\n", "[<b@example.org>] slow\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.6: a message() still running dataTerminationTimeout after the final dot is answered 451 at once; the session goes on when it returns")
    void lateMessageHandlerIsAnswered451() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger taken = new AtomicInteger();
        MessageHandler handler = m -> {
            if (m.text().contains("slow")) {
                assertThat(release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            }
            taken.incrementAndGet();
        };
        Duration timeout = Duration.ofMillis(300);
        SmtpServer server = MemoryLink.server().messageHandler(handler).dataTerminationTimeout(timeout).build();
        MemoryLink c = MemoryLink.greeted(server, "client.test");
        c.command("MAIL FROM:<a@example.com>");
        c.command("RCPT TO:<b@example.org>");
        assertThat(c.command("DATA")).isEqualTo(354);
        c.send("slow\r\n.\r\n").settle();
        c.advance(timeout.minusNanos(1)).watchdog().settle();
        assertThat(c.output()).as("not before the deadline").isEmpty();
        c.advance(Duration.ofNanos(1)).watchdog();
        assertThat(c.reply()).startsWith("451 4.3.0");
        release.countDown();
        assertThat(c.command("NOOP")).isEqualTo(250);
        c.command("MAIL FROM:<a@example.com>");
        c.command("RCPT TO:<b@example.org>");
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.ask("fast\r\n.")).startsWith("250");
        // The slow one was taken late (the client was told 451 and may send it again), the fast one in time.
        assertThat(taken.get()).isEqualTo(2);
        assertThat(server.metrics().messagesRefused()).isEqualTo(1);
        assertThat(server.metrics().messagesAccepted()).isEqualTo(1);
    }
}
