package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.Reply;
import dev.smtpkit.testkit.Conversation.ClientWrite;
import dev.smtpkit.testkit.Conversation.ServerReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shared conversation played by {@link ScriptedClient} against our own server (a
 * {@link MailSink} on {@code SmtpServer}), the server's half of "runs both ways". The only
 * decisions the script makes for the server are which recipients it refuses; those become the
 * sink's refusals, and every other reply must come from the server itself.
 */
class SharedConversationsAgainstOurServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    static Stream<Path> files() {
        return SharedConversations.files().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    @DisplayName("ScriptedClient playing a shared file passes against SmtpServer, and the messages it shows arrive")
    void playsAgainstOurServer(Path file) {
        Conversation script = Conversation.read(file);
        Script facts = Script.of(script);
        MailSink.Builder builder = MailSink.builder().server(s -> s.hostname("mx.example.org"));
        if (!facts.refused.isEmpty()) {
            builder.refuseRecipients(Pattern.compile(facts.refused.stream().map(Pattern::quote).collect(Collectors.joining("|"))),
                    facts.refusal);
        }
        try (MailSink sink = builder.start()) {
            ScriptedClient.of(script).play(sink.host(), sink.port());
            assertThat(sink.awaitMessages(facts.delivered, WAIT)).hasSize(facts.delivered);
            assertThat(sink.messages()).hasSize(facts.delivered);
        }
    }

    /** What a script says about the server's decisions: refused recipients and messages delivered. */
    private record Script(List<String> refused, Reply refusal, int delivered) {

        static Script of(Conversation c) {
            List<String> commands = new ArrayList<>();
            List<Reply> replies = new ArrayList<>();
            boolean inData = false;
            int delivered = 0;
            for (Conversation.Step step : c.steps()) {
                if (step instanceof ClientWrite w) {
                    for (String line : w.lines()) {
                        if (inData) {
                            if (line.equals(".")) {
                                inData = false;
                                delivered++;
                            }
                            continue;
                        }
                        commands.add(line);
                        inData = line.equalsIgnoreCase("DATA");
                    }
                } else if (step instanceof ServerReply r) {
                    replies.add(r.reply());
                }
            }
            // replies[0] is the greeting; command i is answered by replies[i + 1], except that a
            // message's final dot takes a reply too: walk both in order.
            List<String> refused = new ArrayList<>();
            Reply refusal = null;
            int reply = 1;
            for (String command : commands) {
                if (reply >= replies.size()) {
                    break;
                }
                Reply r = replies.get(reply++);
                if (command.equalsIgnoreCase("DATA") && r.code() == 354) {
                    reply++;
                }
                // 500, 501 and 503 are the protocol's answers, the server's own; the rest are decisions.
                boolean decided = r.isFailure() && r.code() != 500 && r.code() != 501 && r.code() != 503;
                if (command.regionMatches(true, 0, "RCPT", 0, 4) && decided) {
                    Command.Rcpt rcpt = (Command.Rcpt) Command.parse(command);
                    refused.add(rcpt.to().mailbox().orElseThrow().toString());
                    refusal = r;
                }
            }
            return new Script(refused, refusal, delivered);
        }
    }
}
