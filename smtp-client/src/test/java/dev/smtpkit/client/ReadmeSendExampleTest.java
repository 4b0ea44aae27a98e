package dev.smtpkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sending example in README.md, kept compiling and working; keep the two in step. */
class ReadmeSendExampleTest {

    @Test
    void readmeExampleSends() throws Exception {
        try (TestServer server = TestServer.builder().start()) {
            int port = server.port();
            // README example begins
            try (SmtpClient client = SmtpClient.builder().host("localhost").port(port)
                    .tlsMode(TlsMode.NONE) // a local test server; use STARTTLS_REQUIRED (the default) for real ones
                    .build()) {
                Envelope envelope = Envelope.of(Mailbox.parse("alice@example.org"), Mailbox.parse("bob@example.com"));
                byte[] message = "Subject: Hello\r\n\r\nHello, Bob.\r\n".getBytes(StandardCharsets.UTF_8);
                SendResult result = client.send(envelope, MessageContent.of(message));
                result.refused().forEach(r -> System.err.println(r.recipient().path() + ": " + r.outcome()));
            }
            // README example ends
            assertThat(server.take(Duration.ofSeconds(10)).content()).startsWith("Subject: Hello".getBytes(StandardCharsets.UTF_8));
        }
    }
}
