package dev.smtpkit.client;

import static dev.smtpkit.client.SmtpClientTest.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client against scripted servers that misbehave in the ways met in the field. */
class ScriptedServerFaultsTest {

    private static final byte[] HELLO = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    private static SmtpClient client(ScriptedServer server) {
        return SmtpClient.builder().host("127.0.0.1").port(server.port()).tlsMode(TlsMode.NONE)
                .heloName("client.example").commandTimeout(Duration.ofSeconds(10)).dataTimeout(Duration.ofSeconds(10))
                .build();
    }

    @ParameterizedTest(name = "a 4xx to {0} is a transient failure and the pool still works")
    @ValueSource(strings = {"CONNECT", "EHLO", "MAIL", "RCPT", "DATA", "."})
    void transientAtEachStep(String step) throws Exception {
        // Only the first time fails; whatever it did to the connection, the next message must get through.
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        ScriptedServer.Script script = (conn, line) -> ScriptedServer.verb(line).equals(step) && failed.compareAndSet(false, true)
                ? "451 4.3.0 try later" : ScriptedServer.standard(line);
        try (ScriptedServer server = new ScriptedServer(script, false); SmtpClient client = client(server)) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpTransientException.class, e -> {
                        assertThat(e.reply()).hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(451));
                        assertThat(e.enhancedStatus()).hasValueSatisfying(s -> assertThat(s.toString()).isEqualTo("4.3.0"));
                        // Issue 17: from MAIL on, the refusal is each recipient's outcome in the result, with
                        // the reply to the content, or to DATA, where it decided the data phase.
                        assertThat(e.result().isPresent()).isEqualTo(List.of("MAIL", "RCPT", "DATA", ".").contains(step));
                        e.result().ifPresent(r -> {
                            assertThat(r.isDelivered()).isFalse();
                            assertThat(r.recipients()).singleElement().satisfies(x -> assertThat(x.outcome()).isEqualTo(e.reply().orElseThrow()));
                            assertThat(r.mailReply().code()).isEqualTo(step.equals("MAIL") ? 451 : 250);
                            assertThat(r.dataReply()).isEqualTo(step.equals("DATA") || step.equals(".") ? e.reply() : java.util.Optional.empty());
                        });
                    });
            SendResult r = client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(r.messageReply().code()).isEqualTo(250);
        }
    }

    /** An LMTP server (RFC 2033) that answers the end of data for each recipient in turn with {@code afterData}. */
    private static ScriptedServer lmtp(String afterData) throws java.io.IOException {
        return new ScriptedServer((conn, line) -> switch (ScriptedServer.verb(line)) {
            case "CONNECT" -> "220 lmtp.example LMTP";
            case "LHLO" -> "250-lmtp.example\r\n250 PIPELINING";
            case "EHLO", "HELO" -> "500 5.5.1 LMTP: say LHLO";
            case "." -> afterData;
            default -> ScriptedServer.standard(line);
        }, false);
    }

    private static SmtpClient lmtpClient(ScriptedServer server) {
        return SmtpClient.builder().host("127.0.0.1").port(server.port()).tlsMode(TlsMode.NONE)
                .heloName("client.example").lmtp(true).build();
    }

    @Test
    @DisplayName("RFC 2033 §4.2: lmtp(true) says LHLO, and each recipient's outcome is its own reply after the data")
    void lmtpGivesEachRecipientItsOwnOutcome() throws Exception {
        try (ScriptedServer server = lmtp("250 2.1.5 <b@example.org> delivered\r\n452 4.2.2 <c@example.org> mailbox full");
             SmtpClient client = lmtpClient(server)) {
            SendResult r = client.send(envelope("b@example.org", "c@example.org"), MessageContent.of(HELLO));

            assertThat(server.lines).contains("LHLO client.example").noneMatch(l -> l.startsWith("EHLO"));
            assertThat(r.recipients()).extracting(x -> x.outcome().code()).containsExactly(250, 452);
            assertThat(r.recipients().get(0).isDelivered()).isTrue();
            assertThat(r.recipients().get(0).recipient().path().toString()).isEqualTo("<b@example.org>");
            assertThat(r.recipients().get(1).isTransientFailure()).isTrue();
        }
    }

    @Test
    @DisplayName("RFC 2033 §4.2: an LMTP message refused for every recipient after the data is an exception with each one's reply")
    void lmtpRefusedForEveryRecipient() throws Exception {
        try (ScriptedServer server = lmtp("550 5.2.1 <b@example.org> disabled\r\n452 4.2.2 <c@example.org> mailbox full");
             SmtpClient client = lmtpClient(server)) {
            assertThatThrownBy(() -> client.send(envelope("b@example.org", "c@example.org"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpClientException.class, e -> assertThat(e.recipients())
                            .extracting(x -> x.outcome().code()).containsExactly(550, 452));
        }
    }

    @Test
    void someRecipientsRefused() throws Exception {
        ScriptedServer.Script script = (conn, line) -> line.contains("<nobody@") ? "550 5.1.1 no such user"
                : line.contains("<full@") ? "452 4.2.2 mailbox full" : ScriptedServer.standard(line);
        try (ScriptedServer server = new ScriptedServer(script, false); SmtpClient client = client(server)) {
            SendResult r = client.send(envelope("bob@example.com", "nobody@example.com", "full@example.com"),
                    MessageContent.of(HELLO));
            assertThat(r.accepted()).hasSize(1);
            assertThat(r.refused()).extracting(x -> x.outcome().code()).containsExactly(550, 452);
            assertThat(r.refused().get(1).isTransientFailure()).isTrue();
        }
    }

    @Test
    @DisplayName("RFC 1047: a connection lost after the end of data may have delivered the message")
    void droppedAfterTheEndOfData() throws Exception {
        ScriptedServer.Script script = (conn, line) -> conn == 1 && line.equals(".") ? ScriptedServer.DROP
                : ScriptedServer.standard(line);
        try (ScriptedServer server = new ScriptedServer(script, false); SmtpClient client = client(server)) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpConnectionException.class, e -> {
                        assertThat(e.mayHaveBeenDelivered()).isTrue();
                        assertThat(e.result()).hasValueSatisfying(r -> assertThat(r.dataReply()).hasValue(Replies.CONNECTION_LOST));
                    });
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(server.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void droppedBeforeTheContent() throws Exception {
        ScriptedServer.Script script = (conn, line) -> conn == 1 && line.startsWith("RCPT") ? ScriptedServer.DROP
                : ScriptedServer.standard(line);
        try (ScriptedServer server = new ScriptedServer(script, false); SmtpClient client = client(server)) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpConnectionException.class, e -> assertThat(e.mayHaveBeenDelivered()).isFalse());
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
        }
    }

    @Test
    void aServerClosingWith421IsTransient() throws Exception {
        ScriptedServer.Script script = (conn, line) -> conn == 1 && line.startsWith("MAIL")
                ? "421 4.3.2 shutting down" : ScriptedServer.standard(line);
        try (ScriptedServer server = new ScriptedServer(script, false); SmtpClient client = client(server)) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpTransientException.class,
                            e -> assertThat(e.reply()).hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(421)));
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.2.1: multi-line replies split into single octets are read whole")
    void multiLineRepliesSplitAcrossPackets() throws Exception {
        ScriptedServer.Script script = (conn, line) -> switch (ScriptedServer.verb(line)) {
            case "CONNECT" -> "220-scripted.example ESMTP\r\n220-more greeting\r\n220 ready";
            case "EHLO" -> "250-scripted.example\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250 PIPELINING";
            case "RCPT" -> "250-2.1.5 first line\r\n250 2.1.5 second line";
            case "." -> "250-2.0.0 queued\r\n250 2.0.0 as 12345";
            default -> ScriptedServer.standard(line);
        };
        try (ScriptedServer server = new ScriptedServer(script, true); SmtpClient client = client(server)) {
            SendResult r = client.send(envelope("bob@example.com", "carol@example.com"), MessageContent.of(HELLO));
            assertThat(r.messageReply().lines()).containsExactly("queued", "as 12345");
            assertThat(r.recipients()).allSatisfy(x -> assertThat(x.rcptReply().orElseThrow().lines()).hasSize(2));
        }
    }

    @Test
    @DisplayName("An intercepting proxy answers DATA with its own 354 (conversations/proxy-answers-data.txt)")
    void proxyAnswersData() throws Exception {
        // Maven runs the tests in the module's folder; the scripts are at the repository root.
        Path conversation = Path.of("..", "conversations", "proxy-answers-data.txt");
        List<String> serverLines = Files.readAllLines(conversation).stream()
                .filter(l -> l.startsWith("S: ")).map(l -> l.substring(3)).toList();
        assertThat(serverLines).hasSize(7);
        // The conversation's server, reply by reply; the client speaks EHLO, and this server
        // answers it as the transcript's server answered HELO: without extensions.
        ScriptedServer.Script script = (conn, line) -> switch (ScriptedServer.verb(line)) {
            case "CONNECT" -> serverLines.get(0);
            case "EHLO", "HELO" -> serverLines.get(1);
            case "MAIL" -> serverLines.get(2);
            case "RCPT" -> serverLines.get(3);
            case "DATA" -> serverLines.get(4);
            case "." -> serverLines.get(5);
            case "QUIT" -> serverLines.get(6);
            default -> "500 unexpected";
        };
        byte[] message = "Subject: test\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        try (ScriptedServer server = new ScriptedServer(script, false); SmtpClient client = client(server)) {
            SendResult r = client.send(new dev.smtpkit.core.Envelope(
                    dev.smtpkit.core.ReversePath.of(dev.smtpkit.core.Mailbox.parse("me@example.com")),
                    dev.smtpkit.core.Parameters.EMPTY,
                    List.of(dev.smtpkit.core.Envelope.Recipient.of(dev.smtpkit.core.ForwardPath.of(
                            dev.smtpkit.core.Mailbox.parse("you@example.org"))))), MessageContent.of(message));
            assertThat(r.messageReply()).isEqualTo(Reply.of(250, "Mail accepted"));
            assertThat(server.messages).singleElement().isEqualTo(message);
            assertThat(server.lines).containsExactly("EHLO client.example", "MAIL FROM:<me@example.com>",
                    "RCPT TO:<you@example.org>", "DATA", ".");
        }
    }

    @Test
    void aServerThatStopsAnsweringTimesOut() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ScriptedServer.Script script = (conn, line) -> {
            if (line.startsWith("MAIL")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return ScriptedServer.DROP;
            }
            return ScriptedServer.standard(line);
        };
        try (ScriptedServer server = new ScriptedServer(script, false);
             SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(server.port()).tlsMode(TlsMode.NONE)
                     .commandTimeout(Duration.ofMillis(300)).build()) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOf(SmtpTimeoutException.class).hasMessageContaining("SmtpClient.Builder.timeout(Timeout.");
        } finally {
            release.countDown();
        }
    }
}
