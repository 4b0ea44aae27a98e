package dev.smtpkit.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import dev.smtpkit.testkit.Conversation;
import dev.smtpkit.testkit.ScriptedClient;
import dev.smtpkit.testkit.ScriptedServer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A fresh stub for each test, the same one in the constructor and the method, closed after the test. */
@ExtendWith(ScriptedServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScriptedServerExtensionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Conversation EHLO_REFUSED = Conversation.builder()
            .server("220 x").client("EHLO a.example").server("554 No thanks").client("QUIT").server("221 x").build();

    private static ScriptedServer first;
    private static int firstPort;

    private final ScriptedServer injected;

    ScriptedServerExtensionTest(ScriptedServer injected) {
        this.injected = injected;
    }

    @Test
    @Order(1)
    void theTestsServerAnswersWhatItEnqueued(ScriptedServer server) {
        first = server;
        firstPort = server.port();
        assertThat(server).isSameAs(injected);
        server.enqueue(Reply.of(554, "No thanks"));

        Conversation seen = ScriptedClient.of(EHLO_REFUSED).play("127.0.0.1", server.port());

        assertThat(seen.replies().get(1)).isEqualTo(Reply.of(554, "No thanks"));
        assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.EHLO);
    }

    @Test
    @Order(2)
    void theNextTestGetsAFreshServerAndTheLastOneIsClosed(ScriptedServer server) {
        assertThat(first).isNotNull();
        assertThat(server).isNotSameAs(first).isSameAs(injected);
        assertThat(server.port()).isNotEqualTo(firstPort);
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), firstPort).close())
                .as("the first test's server was closed after it")
                .isInstanceOf(ConnectException.class);
        // Nothing enqueued in the first test is left: the stub answers EHLO with its standard 250.
        Conversation script = Conversation.builder().server("220 x").client("EHLO a.example").server("250 x")
                .client("QUIT").server("221 x").build();
        assertThat(ScriptedClient.of(script).play("127.0.0.1", server.port()).replies().get(1).code()).isEqualTo(250);
    }

    @Test
    @Order(3)
    void getOutsideATestIsAClearError() {
        assertThatThrownBy(() -> new ScriptedServerExtension().get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside a test");
    }

    /** A server from a builder: here one that plays a script, read by the test through the extension. */
    @Nested
    class FromABuilder {

        @RegisterExtension
        final ScriptedServerExtension play = ScriptedServerExtension.of(ScriptedServer.builder().script(EHLO_REFUSED));

        @Test
        void playsTheScript() {
            ScriptedClient.of(EHLO_REFUSED).play("127.0.0.1", play.port());

            assertThat(play.get().takeResult(WAIT).orElseThrow().matched()).isTrue();
        }
    }
}
