package dev.smtpkit.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SharedConversations;
import dev.smtpkit.core.SharedConversations.Conversation;
import dev.smtpkit.core.SharedConversations.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every file in {@code conversations/} against a ServerSession. The script is
 * also the application: each decision is answered with the reply the script shows next, so the
 * session must produce every protocol reply (503, 354, RSET's 250, ...) by itself.
 */
class ServerSessionConversationTest {

    static Stream<Conversation> conversations() {
        List<Conversation> all = SharedConversations.all();
        assertThat(all).hasSizeGreaterThanOrEqualTo(7);
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conversations")
    void replaysAsServer(Conversation c) {
        List<Reply> expected = new ArrayList<>();
        for (Step s : c.steps()) {
            if (!s.client()) {
                expected.addAll(replies(s.lines()));
            }
        }
        ServerConfig config = ServerConfig.builder().hostname("mx.example.org").build();
        List<Reply> got = new ArrayList<>();
        Driver[] holder = new Driver[1];
        Driver d = new Driver(config, decision -> {
            int index = holder[0] == null ? 0 : holder[0].replies.size();
            Reply want = expected.get(index);
            if (decision instanceof ServerEvent.Hello) {
                return Reply.of(want.code(), want.lines().get(0));
            }
            return want;
        });
        holder[0] = d;
        for (Step s : c.steps()) {
            if (s.client()) {
                d.send(String.join("\r\n", s.lines()) + "\r\n");
            }
        }
        got.addAll(d.replies);
        assertThat(got).extracting(Reply::code).as(c.name()).isEqualTo(expected.stream().map(Reply::code).toList());
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i).status().isPresent() && got.get(i).status().isPresent()) {
                assertThat(got.get(i).status()).as(c.name() + " reply " + i).isEqualTo(expected.get(i).status());
            }
        }
        if (!endsWithQuit(c)) {
            // A client that closes instead of sending QUIT (RFC 5321 §4.1.1.10 says it should not).
            d.endOfInput();
        }
        assertThat(d.session.state()).as(c.name()).isEqualTo(ServerState.CLOSED);
    }

    static boolean endsWithQuit(Conversation c) {
        List<String> client = c.steps().stream().filter(Step::client).flatMap(s -> s.lines().stream()).toList();
        return client.get(client.size() - 1).equalsIgnoreCase("QUIT");
    }

    /** Groups script lines into replies: a reply ends at a line whose fourth character is a space. */
    static List<Reply> replies(List<String> lines) {
        List<Reply> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String l : lines) {
            current.append(l).append("\r\n");
            if (l.length() <= 3 || l.charAt(3) == ' ') {
                out.add(Reply.parse(current.toString()));
                current.setLength(0);
            }
        }
        return out;
    }
}
