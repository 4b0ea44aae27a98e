package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A conversation recorded through {@link SmtpProxy} from one run of a client replays against the
 * client's next run, which writes a new Date, Message-ID and MIME boundary, only when the
 * {@link ScriptedServer} compares leniently.
 */
class ScriptedServerLenientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** What a mail program writes: the same message, with the parts it makes anew each run. */
    private static byte[] message(int run) {
        String boundary = "=_part_" + run + "_" + (1000 + run);
        return ("Date: Mon, " + run + " Dec 2026 04:0" + run + ":00 +0000\r\n"
                + "Message-ID: <" + run + ".20261207@client.example>\r\n"
                + "From: a@example.com\r\nTo: b@example.org\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed;\r\n boundary=\"" + boundary + "\"\r\n\r\n"
                + "--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nthe numbers\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void send(int port, int run) {
        try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(port).heloName("client" + run + ".example")
                .tlsMode(TlsMode.NONE).chunking(false).maxConnections(1).build()) {
            client.send(Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("b@example.org")),
                    MessageContent.of(message(run)));
        }
    }

    private static Conversation record() {
        try (MailSink sink = MailSink.builder().server(s -> s.hostname("mx.example.org")).start();
             SmtpProxy proxy = SmtpProxy.start(new InetSocketAddress("127.0.0.1", sink.port()))) {
            send(proxy.port(), 1);
            return proxy.takeRecording(WAIT).orElseThrow().clientView();
        }
    }

    private static PlayResult replay(Conversation script, Matching matching) {
        try (ScriptedServer server = ScriptedServer.builder().script(script).matching(matching).start()) {
            try {
                send(server.port(), 2);
            } catch (RuntimeException e) {
                // A mismatch makes the server answer 421; the result says where.
            }
            return server.takeResult(WAIT).orElseThrow();
        }
    }

    @Test
    @DisplayName("a recording of one run replays against the next run with Matching.LENIENT, and fails without it")
    void recordingReplaysLeniently() {
        Conversation recorded = record();
        assertThat(recorded.clientLines()).anyMatch(l -> l.startsWith("Message-ID: <1."));

        PlayResult lenient = replay(recorded, Matching.LENIENT);
        assertThat(lenient.matched()).as(() -> lenient.mismatch().map(PlayResult.Mismatch::report).orElse("")).isTrue();

        PlayResult exact = replay(recorded, Matching.EXACT);
        assertThat(exact.matched()).isFalse();
        assertThat(exact.mismatch().orElseThrow().expected()).startsWith("C: EHLO client1.example");
    }

    @Test
    @DisplayName("lenient still refuses another envelope")
    void lenientRefusesAnotherRecipient() {
        Conversation recorded = record();
        Conversation other = Conversation.parse(recorded.write().replace("RCPT TO:<b@example.org>", "RCPT TO:<c@example.org>"));
        PlayResult result = replay(other, Matching.LENIENT);
        assertThat(result.matched()).isFalse();
        assertThat(result.mismatch().orElseThrow().expected()).isEqualTo("C: RCPT TO:<c@example.org>");
    }
}
