package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Load and interoperability with Postfix's smtp-source: many parallel HELO sessions, one message each. */
class SmtpSourceInteropTest {

    private static final String SMTP_SOURCE = "/usr/sbin/smtp-source";
    private static final int SESSIONS = 20;
    private static final int MESSAGES = 2000;

    @Test
    void twentySessionsTwoThousandMessagesAllDelivered() throws Exception {
        Peers.require(SMTP_SOURCE, "apt-get install postfix (the binary only; the daemon is not started)");
        AtomicLong delivered = new AtomicLong();
        AtomicLong octets = new AtomicLong();
        SessionHandler.Factory counting = conn -> (envelope, content) -> {
            octets.addAndGet(content.transferTo(java.io.OutputStream.nullOutputStream()));
            delivered.incrementAndGet();
        };
        try (SmtpServer server = SmtpServer.builder().transport(SuiteTransport.CURRENT).bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .hostname("mx.test").maxConnectionsPerClient(100).handler(counting).build().start()) {
            Peers.Run run = Peers.run(Duration.ofSeconds(60), "", List.of(SMTP_SOURCE,
                    "-s", Integer.toString(SESSIONS), "-m", Integer.toString(MESSAGES), "-l", "1024",
                    "-f", "a@example.com", "-t", "b@example.com", "127.0.0.1:" + server.port()));
            assertThat(run.exitCode()).as(run.output()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().connectionsActive() == 0);
            System.out.printf("smtp-source: %d messages in %d sessions delivered in %d ms%n", delivered.get(), SESSIONS,
                    run.took().toMillis());
            assertThat(delivered.get()).isEqualTo(MESSAGES);
            assertThat(server.metrics().messagesAccepted()).isEqualTo(MESSAGES);
            assertThat(server.metrics().replies4xx() + server.metrics().replies5xx()).isZero();
            assertThat(octets.get()).isGreaterThanOrEqualTo(1024L * MESSAGES);
            assertThat(run.took()).isLessThan(Duration.ofSeconds(20));
        }
    }
}
