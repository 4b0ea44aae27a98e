package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embedding example of the README, compiled and run: keep the two the same. */
class ReadmeExampleTest {

    @Test
    void embeddingExample() throws Exception {
        BlockingQueue<ReceivedMessage> inbox = new LinkedBlockingQueue<>();
        try (SmtpServer server = SmtpServer.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(0)                                  // any free port; see server.port()
                .hostname("mx.example.org")
                .maxMessageSize(25_000_000)               // advertised as SIZE
                .messageHandler(inbox::add)               // whole messages; 250 only after it returns
                .build()
                .start()) {
            // Any SMTP client will do; here Jakarta Mail.
            Properties props = new Properties();
            props.put("mail.smtp.host", "127.0.0.1");
            props.put("mail.smtp.port", String.valueOf(server.port()));
            MimeMessage message = new MimeMessage(Session.getInstance(props));
            message.setFrom("alice@example.com");
            message.setRecipients(Message.RecipientType.TO, "bob@example.org");
            message.setSubject("Hello");
            message.setText("Hi Bob!");
            Transport.send(message);

            ReceivedMessage received = inbox.poll(10, TimeUnit.SECONDS);
            assertThat(received.envelope().forwardPaths()).hasToString("[<bob@example.org>]");
            assertThat(received.text()).contains("Subject: Hello", "Hi Bob!");
        }
    }
}
