package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Reply;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ScriptedClientTest {

    private static final Conversation EXPECTS_OK = Conversation.builder()
            .server("220 testkit.invalid ESMTP").client("NOOP").server("250 2.0.0 OK").build();

    private static PlayResult against(Reply noopReply, Matching matching) {
        return against(EXPECTS_OK, noopReply, matching);
    }

    private static PlayResult against(Conversation script, Reply noopReply, Matching matching) {
        try (ScriptedServer server = ScriptedServer.stub().enqueue(noopReply)) {
            return ScriptedClient.builder(script).matching(matching).build().run("127.0.0.1", server.port());
        }
    }

    @Test
    @DisplayName("RFC 3463: the enhanced status counts when both replies carry one")
    void comparesStatusWhenBothHaveOne() {
        assertThat(against(Reply.of(250, EnhancedStatus.of(2, 0, 0), "fine"), Matching.LENIENT).matched()).isTrue();
        assertThat(against(Reply.of(250, "fine"), Matching.LENIENT).matched()).isTrue();
        assertThat(against(Reply.of(250, EnhancedStatus.of(2, 1, 0), "OK"), Matching.LENIENT).matched()).isFalse();
        assertThat(against(Reply.of(251, EnhancedStatus.of(2, 0, 0), "OK"), Matching.LENIENT).matched()).isFalse();
    }

    @Test
    void strictComparesTextAndStatus() {
        assertThat(against(Reply.of(250, EnhancedStatus.of(2, 0, 0), "OK"), Matching.EXACT).matched()).isTrue();
        assertThat(against(Reply.of(250, EnhancedStatus.of(2, 0, 0), "fine"), Matching.EXACT).matched()).isFalse();
        assertThat(against(Reply.of(250, "OK"), Matching.EXACT).matched()).isFalse();
        assertThat(ScriptedClient.of(EXPECTS_OK).matching()).isEqualTo(Matching.LENIENT);
    }

    @Test
    @DisplayName("placeholders in reply text: the varying part of a line, every other octet as scripted")
    void placeholdersInReplies() {
        Conversation script = Conversation.builder()
                .server("220 testkit.invalid ESMTP").client("NOOP").server("250 2.0.0 OK queued as {{number}}").build();
        Reply queued = Reply.of(250, EnhancedStatus.of(2, 0, 0), "OK queued as 4711");
        assertThat(against(script, queued, Matching.PLACEHOLDERS).matched()).isTrue();
        assertThat(against(script, Reply.of(250, EnhancedStatus.of(2, 0, 0), "OK queued as x"), Matching.PLACEHOLDERS)
                .matched()).isFalse();
        assertThat(against(script, queued, Matching.EXACT).matched()).as("EXACT reads {{number}} as text").isFalse();
        Conversation optedIn = script.toBuilder().comment("placeholders: on").build();
        assertThat(against(optedIn, queued, Matching.EXACT).matched()).as("a script may turn them on itself").isTrue();
    }

    @Test
    void playThrowsAReadableMismatch() {
        try (ScriptedServer server = ScriptedServer.stub().enqueue(Reply.of(550, "nope"))) {
            assertThatThrownBy(() -> ScriptedClient.of(EXPECTS_OK).play("127.0.0.1", server.port()))
                    .isExactlyInstanceOf(org.opentest4j.AssertionFailedError.class)
                    .hasMessageContaining("script mismatch at step 3, line 1")
                    .hasMessageContaining("expected: S: 250 2.0.0 OK")
                    .hasMessageContaining("actual:   S: 550 nope")
                    .hasMessageContaining("transcript so far:\n    S: 220 testkit.invalid ESMTP\n    C: NOOP\n    S: 550 nope")
                    .isInstanceOfSatisfying(org.opentest4j.AssertionFailedError.class, e -> {
                        // What IDEs show side by side: the script's line and what came.
                        assertThat(e.getExpected().getStringRepresentation()).contains("250 2.0.0 OK");
                        assertThat(e.getActual().getStringRepresentation()).contains("550 nope");
                    });
        }
    }

    @Test
    void reportsAClosedConnection() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, Acceptor.LOOPBACK)) {
            Thread closer = new Thread(() -> {
                try {
                    silent.accept().close();
                } catch (java.io.IOException ignored) {
                    // the test ends either way
                }
            });
            closer.start();
            PlayResult r = ScriptedClient.of(EXPECTS_OK).run("127.0.0.1", silent.getLocalPort());
            closer.join(Duration.ofSeconds(5).toMillis());

            assertThat(r.mismatch().orElseThrow().actual()).isEqualTo("connection closed by the server");
        }
    }

    @Test
    void failsToConnectWithAnUncheckedIoException() throws Exception {
        int unused;
        try (ServerSocket s = new ServerSocket(0, 1, Acceptor.LOOPBACK)) {
            unused = s.getLocalPort();
        }
        assertThatThrownBy(() -> ScriptedClient.of(EXPECTS_OK).run("127.0.0.1", unused))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot connect");
    }

    @Test
    void refusesANonPositiveTimeout() {
        assertThatThrownBy(() -> ScriptedClient.builder(EXPECTS_OK).timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
