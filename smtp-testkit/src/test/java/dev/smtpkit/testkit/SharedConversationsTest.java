package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file in {@code conversations/}, read, written back, and played both ways. */
class SharedConversationsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    static Stream<Path> files() {
        return SharedConversations.files().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    @DisplayName("parse(write(c)) equals c for every shared file")
    void roundTrips(Path file) {
        Conversation c = Conversation.read(file);

        assertThat(c.steps()).isNotEmpty();
        assertThat(Conversation.parse(c.write())).isEqualTo(c);
        assertThat(Conversation.parse(c.write()).write()).isEqualTo(c.write());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    @DisplayName("every shared file has an expectation")
    void keepsExpectations(Path file) {
        assertThat(Conversation.read(file).expectations()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    @DisplayName("ScriptedClient playing a file passes against ScriptedServer playing the same file")
    void playsBothWays(Path file) {
        Conversation script = Conversation.read(file);
        try (ScriptedServer server = ScriptedServer.play(script)) {
            Conversation clientSaw = ScriptedClient.builder(script).matching(Matching.EXACT).build()
                    .play("127.0.0.1", server.port());

            PlayResult serverSide = server.takeResult(WAIT).orElseThrow();
            assertThat(serverSide.matched()).as("%s", serverSide.mismatch()).isTrue();
            assertThat(clientSaw).isEqualTo(Conversation.builder().steps(script).build());
            // the server answers each command as it reads it, so its transcript may interleave
            // a pipelined group with its replies; the lines and replies are the same
            assertThat(serverSide.transcript().clientLines()).isEqualTo(clientSaw.clientLines());
            assertThat(serverSide.transcript().replies()).isEqualTo(clientSaw.replies());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    @DisplayName("a server script with one reply changed makes the client fail with a readable report")
    void clientReportsAlteredReply(Path file) {
        Conversation script = Conversation.read(file);
        Conversation altered = Alter.lastReplyCode(script);
        try (ScriptedServer server = ScriptedServer.play(altered)) {
            PlayResult result = ScriptedClient.of(script).run("127.0.0.1", server.port());

            assertThat(result.matched()).isFalse();
            PlayResult.Mismatch m = result.mismatch().orElseThrow();
            int step = Alter.lastReplyStep(script);
            assertThat(m.step()).isEqualTo(step + 1);
            String report = m.report();
            assertThat(report).contains("step " + (step + 1))
                    .contains("expected: " + ScriptedClient.scriptText(script.replies().get(script.replies().size() - 1)))
                    .contains("actual:   S: 5")
                    .contains(file.getFileName().toString() + ":");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    @DisplayName("a client script with one line changed makes the server fail with a readable report")
    void serverReportsAlteredLine(Path file) {
        Conversation script = Conversation.read(file);
        Conversation altered = Alter.firstMailOrHelo(script);
        try (ScriptedServer server = ScriptedServer.play(script)) {
            PlayResult clientSide = ScriptedClient.builder(altered).timeout(WAIT).build().run("127.0.0.1", server.port());
            PlayResult serverSide = server.takeResult(WAIT).orElseThrow();

            assertThat(clientSide.matched()).as("the client sees the 421 the server sends").isFalse();
            PlayResult.Mismatch m = serverSide.mismatch().orElseThrow();
            assertThat(m.report())
                    .contains("step " + m.step())
                    .contains("expected: C: " + Alter.original(script))
                    .contains("actual:   C: " + Alter.original(altered))
                    .contains(file.getFileName().toString() + ":");
        }
    }

    /** Ways to break a script on purpose. */
    static final class Alter {
        private Alter() {
        }

        static int lastReplyStep(Conversation c) {
            List<Conversation.Step> steps = c.steps();
            for (int i = steps.size() - 1; i >= 0; i--) {
                if (!steps.get(i).fromClient()) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no reply");
        }

        /** Turns the last reply into a 554 without enhanced status. */
        static Conversation lastReplyCode(Conversation c) {
            int last = lastReplyStep(c);
            Conversation.Builder b = Conversation.builder();
            for (int i = 0; i < c.steps().size(); i++) {
                b.step(i == last ? new Conversation.ServerReply(dev.smtpkit.core.Reply.of(554, "altered"))
                        : c.steps().get(i));
            }
            return b.build();
        }

        /** The first line starting with MAIL, or else HELO/EHLO. */
        static String original(Conversation c) {
            return c.clientLines().stream().filter(l -> l.startsWith("MAIL")).findFirst()
                    .or(() -> c.clientLines().stream().filter(l -> l.startsWith("HELO") || l.startsWith("EHLO")).findFirst())
                    .orElseThrow();
        }

        /** Changes the address of the first MAIL, or the name of the first HELO. */
        static Conversation firstMailOrHelo(Conversation c) {
            String target = original(c);
            String replacement = target.startsWith("MAIL") ? "MAIL FROM:<altered@example.net>" : target.substring(0, 4) + " altered.example.net";
            Conversation.Builder b = Conversation.builder();
            boolean done = false;
            for (Conversation.Step s : c.steps()) {
                if (s instanceof Conversation.ClientWrite w && !done && w.lines().contains(target)) {
                    List<String> lines = new java.util.ArrayList<>(w.lines());
                    lines.set(lines.indexOf(target), replacement);
                    b.client(lines);
                    done = true;
                } else {
                    b.step(s);
                }
            }
            return b.build();
        }
    }
}
