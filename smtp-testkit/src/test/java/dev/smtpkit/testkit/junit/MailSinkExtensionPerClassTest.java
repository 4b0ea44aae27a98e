package dev.smtpkit.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.testkit.MailSink;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One sink for the class: the same instance in every test, cleared before each. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MailSinkExtensionPerClassTest {

    @RegisterExtension
    static final MailSinkExtension SINK = MailSinkExtension.perClass();

    private static MailSink seenInBeforeAll;
    private static MailSink seenInFirstTest;

    private final MailSink injected;

    MailSinkExtensionPerClassTest(MailSink injected) {
        this.injected = injected;
    }

    @BeforeAll
    static void beforeAll(MailSink sink, @MailSinkPort int port) {
        seenInBeforeAll = sink;
        assertThat(port).isEqualTo(sink.port());
    }

    static void send(int port, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("app@example.com"));
        m.setRecipients(MimeMessage.RecipientType.TO, "ada@example.org");
        m.setSubject(subject);
        m.setText("x");
        Transport.send(m);
    }

    @Test
    @Order(1)
    void firstTestSendsAMessage(MailSink sink, @MailSinkPort int port) throws Exception {
        seenInFirstTest = sink;
        assertThat(sink).isSameAs(seenInBeforeAll).isSameAs(injected).isSameAs(SINK.get());
        assertThat(SINK.port()).isEqualTo(port);
        send(port, "from the first test");
        sink.assertThat().onlyMessage().hasSubject("from the first test");
    }

    @Test
    @Order(2)
    void secondTestSeesTheSameSinkCleared(MailSink sink, @MailSinkPort Integer port) throws Exception {
        assertThat(sink).isSameAs(seenInFirstTest).isSameAs(injected);
        sink.assertThat().hasNoMessages();
        assertThat(sink.sessions()).isEmpty();
        send(port, "from the second test");
        sink.assertThat().onlyMessage().hasSubject("from the second test");
    }

    @AfterAll
    static void stillOpenUntilTheExtensionsAfterAll(MailSink sink) {
        assertThat(sink).isSameAs(seenInFirstTest);
        assertThat(sink.isClosed()).isFalse();
    }
}
