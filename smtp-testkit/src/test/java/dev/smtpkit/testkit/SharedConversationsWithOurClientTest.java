package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SendResult;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Command;
import dev.smtpkit.core.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our client ({@link SmtpClient}) against {@link ScriptedServer} playing each shared
 * conversation that a client like ours can produce: the client's half of "runs both ways". The
 * envelope, the message and the HELO name come from the script, and the server fails the run
 * at the first line our client sends differently. The other files show clients this library
 * never is (a bare {@code HELO}, RSET in every state, HELO-only clients), so they are played by
 * {@link ScriptedClient} instead; and in {@code rfc5321-typical-transaction.txt} the server offers
 * SIZE, which our client then declares on MAIL (RFC 1870 §5 asks it to), unlike the script's client.
 */
class SharedConversationsWithOurClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pipelined-transaction.txt", "connection-reuse-rset-probe.txt"})
    @DisplayName("SmtpClient sends what the shared file shows, write for write, and sees its replies")
    void ourClientFollowsTheScript(String name) {
        Conversation script = SharedConversations.read(name);
        Transactions t = Transactions.of(script);
        try (ScriptedServer server = ScriptedServer.play(script)) {
            List<SendResult> results = new ArrayList<>();
            try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(server.port()).heloName(t.helo)
                    .tlsMode(TlsMode.NONE).chunking(false).maxConnections(1).build()) {
                for (int i = 0; i < t.envelopes.size(); i++) {
                    results.add(client.send(t.envelopes.get(i), MessageContent.of(t.contents.get(i).getBytes(StandardCharsets.UTF_8))));
                }
            }
            PlayResult played = server.takeResult(WAIT).orElseThrow(() -> new AssertionError("no result from " + server));
            assertThat(played.mismatch()).as(() -> played.mismatch().map(PlayResult.Mismatch::report).orElse("")).isEmpty();
            assertThat(results).hasSize(t.envelopes.size()).allSatisfy(r -> assertThat(r.messageReply().code()).isEqualTo(250));
        }
    }

    /** The client's side of a script: its HELO name, and each transaction's envelope and content. */
    private record Transactions(String helo, List<Envelope> envelopes, List<String> contents) {

        static Transactions of(Conversation c) {
            String helo = "";
            List<Envelope> envelopes = new ArrayList<>();
            List<String> contents = new ArrayList<>();
            Envelope current = null;
            StringBuilder data = null;
            for (String line : c.clientLines()) {
                if (data != null) {
                    if (line.equals(".")) {
                        contents.add(data.toString());
                        envelopes.add(current);
                        data = null;
                    } else {
                        // Undo the script's dot-stuffing (RFC 5321 §4.5.2): the client stuffs again.
                        data.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
                    }
                    continue;
                }
                Command command = Command.parse(line);
                if (command instanceof Command.Ehlo e) {
                    helo = e.domain();
                } else if (command instanceof Command.Mail m) {
                    current = new Envelope(m.from(), m.parameters(), List.of());
                } else if (command instanceof Command.Rcpt r) {
                    current = current.withRecipient(Envelope.Recipient.of(r.to()));
                } else if (command instanceof Command.Data) {
                    data = new StringBuilder();
                }
            }
            return new Transactions(helo, envelopes, contents);
        }
    }

}
