package dev.smtpkit.testkit;

import dev.smtpkit.testkit.junit.MailSinkExtension;
import dev.smtpkit.testkit.junit.MailSinkPort;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's example of the JUnit extension, kept compiling and passing. */
class ReadmeSinkExampleTest {

    /** Stands in for the application code under test. */
    static void sendWelcome(String host, int port, String to) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", host);
        p.put("mail.smtp.port", Integer.toString(port));
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("app@example.com"));
        m.setRecipients(MimeMessage.RecipientType.TO, to);
        m.setSubject("Welcome");
        m.setText("Hello!");
        Transport.send(m);
    }

    // README begin
    @RegisterExtension
    static MailSinkExtension sink = MailSinkExtension.perClass();

    @Test
    void sendsWelcomeMail(MailSink mail, @MailSinkPort int port) throws Exception {
        sendWelcome("127.0.0.1", port, "ada@example.org");

        mail.awaitMessages(1, Duration.ofSeconds(5));
        mail.assertThat().onlyMessage().hasSubject("Welcome").hasRecipients("ada@example.org");
    }
    // README end
}
