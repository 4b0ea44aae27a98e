package dev.smtpkit.server;

import static dev.smtpkit.server.FaultInjectionTest.CONVERSATION;
import static dev.smtpkit.server.FaultInjectionTest.END_OF_FIRST;
import static dev.smtpkit.server.FaultInjectionTest.END_OF_SECOND;
import static dev.smtpkit.server.FaultInjectionTest.wholeWithin;
import static dev.smtpkit.server.ProcessMeasures.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link FaultInjectionTest}'s faults that the driver alone decides, on {@link MemoryLink}: the
 * input ended at every octet of a conversation, and handlers that throw at each step. Apart from
 * it because it needs no socket, so the run on the Netty transport need not repeat it.
 */
class DriverFaultTest {

    @Test
    @DisplayName("RFC 5321 §6.1: input ended at any octet delivers exactly the messages whose final dot arrived, each once")
    void endedAtEveryOffset() throws Exception {
        byte[] wire = CONVERSATION.getBytes(StandardCharsets.ISO_8859_1);
        FaultInjectionTest.Sink sink = new FaultInjectionTest.Sink();
        SmtpServer server = MemoryLink.server().handler(sink).build();
        for (int k = 0; k <= wire.length; k++) {
            // An orderly close (FIN): the driver sees every octet sent, then the end.
            MemoryLink c = MemoryLink.open(server);
            c.code();
            c.send(Arrays.copyOf(wire, k)).endInput();
            c.repliesUntilEnd(100);
            c.transportClosed();
            assertThat(sink.of(c.driver.id())).as("FIN after %d octets", k).isEqualTo(wholeWithin(k));
        }
        long fin = wire.length + 1L;
        assertThat(server.metrics().messagesAccepted()).isEqualTo(2 * fin - END_OF_FIRST - END_OF_SECOND);
    }

    @Test
    @DisplayName("A handler that throws at each step gets 451 for that step only; its session and a parallel one go on")
    void handlerThrowsAtEveryStep() throws Exception {
        Inbox inbox = new Inbox();
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                if (sender.toString().contains("throw")) {
                    throw new IllegalStateException("mail fault (test)");
                }
            }

            @Override
            public void rcpt(ForwardPath recipient, Parameters parameters) {
                if (recipient.toString().contains("throw")) {
                    throw new IllegalStateException("rcpt fault (test)");
                }
            }

            @Override
            public void message(Envelope envelope, InputStream content) throws Exception {
                byte[] head = content.readNBytes(5);
                if (new String(head, StandardCharsets.US_ASCII).startsWith("throw")) {
                    throw new IOException("message fault after reading part (test)");
                }
                inbox.asFactory().open(connection).message(envelope, new java.io.SequenceInputStream(
                        new java.io.ByteArrayInputStream(head), content));
            }

            @Override
            public void reset() {
                throw new IllegalStateException("reset fault (test)");
            }
        };
        // Two connections of one server.
        SmtpServer server = MemoryLink.server().handler(factory).build();
        MemoryLink c = MemoryLink.greeted(server, "client.test");
        MemoryLink other = MemoryLink.greeted(server, "other.test");
        assertThat(c.ask("MAIL FROM:<throw@example.com>")).startsWith("451 4.3.0");
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.ask("RCPT TO:<throw@example.org>")).startsWith("451 4.3.0");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.ask("throw this message\r\n.")).startsWith("451 4.3.0");
        assertThat(c.command("RSET")).as("reset() threw").isEqualTo(250);
        for (MemoryLink each : List.of(c, other)) {
            assertThat(each.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
            assertThat(each.command("RCPT TO:<b@example.org>")).isEqualTo(250);
            assertThat(each.command("DATA")).isEqualTo(354);
            assertThat(each.ask("fine\r\n.")).startsWith("250");
        }
        assertThat(List.of(inbox.take(WAIT).text(), inbox.take(WAIT).text())).containsExactly("fine\r\n", "fine\r\n");
        assertThat(server.metrics().messagesRefused()).isEqualTo(1);
    }
}
