package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Interoperability with swaks, the Swiss Army Knife for SMTP, over TCP. */
class SwaksInteropTest {

    private static final String SWAKS = "/usr/bin/swaks";

    private static Peers.Run swaks(int port, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SWAKS, "--server", "127.0.0.1:" + port, "--helo", "swaks.test",
                "--from", "alice@example.com", "--to", "bob@example.org", "--body", "Hello from swaks",
                "--timeout", "10"));
        cmd.addAll(List.of(extra));
        return Peers.run(Duration.ofSeconds(30), "", cmd);
    }

    private static SmtpServer start(Inbox inbox) {
        return SmtpServer.builder().transport(SuiteTransport.CURRENT).bindAddress(InetAddress.getLoopbackAddress()).port(0).hostname("mx.test")
                .messageHandler(inbox).build().start();
    }

    @ParameterizedTest(name = "pipelining: {0}")
    @ValueSource(booleans = {false, true})
    void fullRunDeliversOneMessage(boolean pipeline) throws Exception {
        Peers.require(SWAKS, "apt-get install swaks");
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            Peers.Run run = pipeline ? swaks(server.port(), "--pipeline") : swaks(server.port());
            assertThat(run.exitCode()).as(run.output()).isZero();
            if (pipeline) {
                assertThat(run.output()).contains("PIPELINING");
            }
            ReceivedMessage m = inbox.take(Duration.ofSeconds(5));
            assertThat(m.text()).contains("\r\n\r\nHello from swaks\r\n");
            assertThat(m.envelope().sender().toString()).isEqualTo("<alice@example.com>");
            assertThat(m.envelope().forwardPaths()).extracting(Object::toString).containsExactly("<bob@example.org>");
            await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().connectionsActive() == 0);
            assertThat(inbox.size()).isZero();
            assertThat(server.metrics().messagesAccepted()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "--quit-after {0}")
    @ValueSource(strings = {"CONNECT", "FIRST-HELO", "HELO", "MAIL", "RCPT"})
    void quitAfterEveryStageDeliversNothing(String stage) throws Exception {
        Peers.require(SWAKS, "apt-get install swaks");
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            Peers.Run run = swaks(server.port(), "--quit-after", stage);
            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(run.output()).contains("QUIT");
            await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().connectionsOpened() == 1
                    && server.metrics().connectionsActive() == 0);
            assertThat(inbox.size()).isZero();
            assertThat(server.metrics().messagesAccepted()).isZero();
        }
    }

    @Test
    void refusedRecipientMakesSwaksFail() throws Exception {
        Peers.require(SWAKS, "apt-get install swaks");
        SessionHandler refuseAll = new SessionHandler() {
            @Override
            public void rcpt(dev.smtpkit.core.ForwardPath recipient, dev.smtpkit.core.Parameters parameters) {
                throw new dev.smtpkit.core.SmtpRejectException(dev.smtpkit.core.Replies.NO_SUCH_USER);
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) {
                throw new AssertionError("no recipient was accepted");
            }
        };
        try (SmtpServer server = SmtpServer.builder().transport(SuiteTransport.CURRENT).bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .handler(conn -> refuseAll).build().start()) {
            Peers.Run run = swaks(server.port());
            assertThat(run.exitCode()).as(run.output()).isNotZero();
            assertThat(run.output()).contains("550 5.1.1");
        }
    }
}
