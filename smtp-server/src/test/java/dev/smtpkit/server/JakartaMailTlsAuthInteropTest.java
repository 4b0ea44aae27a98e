package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.server.TlsPolicy;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Jakarta Mail (Angus Mail) over STARTTLS and implicit TLS, with AUTH PLAIN and LOGIN. */
class JakartaMailTlsAuthInteropTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static SmtpServer start(Inbox inbox) {
        return SmtpServerTest.local().tls(TestTls.SERVER.serverContext()).tlsPolicy(TlsPolicy.REQUIRED).implicitTlsPort(0)
                .authenticator(AuthTest.USERS).messageHandler(inbox).build().start();
    }

    /** Properties for protocol {@code smtp} (STARTTLS required) or {@code smtps} (implicit TLS), trusting the test certificate. */
    private static Properties properties(String protocol, int port, String mechanism) {
        String p = "mail." + protocol + ".";
        Properties props = new Properties();
        props.put(p + "host", "127.0.0.1");
        props.put(p + "port", Integer.toString(port));
        props.put(p + "localhost", "client.test");
        props.put(p + "connectiontimeout", "5000");
        props.put(p + "timeout", "5000");
        props.put(p + "auth", "true");
        props.put(p + "auth.mechanisms", mechanism);
        props.put(p + "ssl.socketFactory", TestTls.SERVER.clientContext().getSocketFactory());
        props.put(p + "ssl.checkserveridentity", "true");
        if (protocol.equals("smtp")) {
            props.put(p + "starttls.enable", "true");
            props.put(p + "starttls.required", "true");
        }
        return props;
    }

    private static void send(String protocol, int port, String mechanism, String password) throws Exception {
        Session session = Session.getInstance(properties(protocol, port, mechanism));
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("alice@example.com"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        m.setSubject("over TLS with " + mechanism);
        m.setText("secret\r\n");
        m.saveChanges();
        try (Transport transport = session.getTransport(protocol)) {
            transport.connect(AuthTest.USER, password);
            transport.sendMessage(m, m.getAllRecipients());
        }
    }

    @ParameterizedTest(name = "STARTTLS and AUTH {0}")
    @ValueSource(strings = {"PLAIN", "LOGIN"})
    @DisplayName("RFC 3207 and RFC 4954: STARTTLS required, then AUTH; the handler sees TLS and the identity")
    void startTlsAndAuth(String mechanism) throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            send("smtp", server.port(), mechanism, AuthTest.PASSWORD);
            ReceivedMessage got = inbox.take(WAIT);
            assertThat(got.connection().isTls()).isTrue();
            assertThat(got.connection().tls()).isPresent();
            assertThat(got.connection().authenticatedIdentity()).contains(AuthTest.USER);
            assertThat(got.text()).contains("secret");
        }
    }

    @ParameterizedTest(name = "implicit TLS and AUTH {0}")
    @ValueSource(strings = {"PLAIN", "LOGIN"})
    @DisplayName("RFC 8314 §3.3: smtps on the implicit-TLS port, then AUTH")
    void implicitTlsAndAuth(String mechanism) throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            send("smtps", server.implicitTlsPort(), mechanism, AuthTest.PASSWORD);
            ReceivedMessage got = inbox.take(WAIT);
            assertThat(got.connection().tls()).isPresent();
            assertThat(got.connection().authenticatedIdentity()).contains(AuthTest.USER);
        }
    }

    @ParameterizedTest(name = "AUTH {0} with a wrong password")
    @ValueSource(strings = {"PLAIN", "LOGIN"})
    @DisplayName("RFC 4954 §6: wrong credentials fail the client's connect with 535")
    void wrongPassword(String mechanism) throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            assertThatThrownBy(() -> send("smtp", server.port(), mechanism, "wrong"))
                    .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("535");
            assertThat(inbox.size()).isZero();
        }
    }

    @Test
    @DisplayName("RFC 3207 §4: a client that does not ask for STARTTLS is refused MAIL with 530")
    void withoutStartTlsRefused() throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            Properties p = properties("smtp", server.port(), "PLAIN");
            p.put("mail.smtp.starttls.enable", "false");
            p.put("mail.smtp.starttls.required", "false");
            p.put("mail.smtp.auth", "false");
            MimeMessage m = new MimeMessage(Session.getInstance(p));
            m.setFrom(new InternetAddress("alice@example.com"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
            m.setText("plain\r\n");
            assertThatThrownBy(() -> Transport.send(m)).hasMessageContaining("530");
        }
    }
}
