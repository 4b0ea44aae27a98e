package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Mailbox;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Interoperability with Jakarta Mail's SMTP transport (Angus Mail), the JVM's usual mail client. */
class JakartaMailInteropTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static Session session(int port, boolean allow8bitMime) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        p.put("mail.smtp.localhost", "client.test");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        p.put("mail.smtp.allow8bitmime", Boolean.toString(allow8bitMime));
        return Session.getInstance(p);
    }

    /**
     * Sends as Transport.send does, and returns the bytes it sent: the message as written after
     * the transport ran (which may have re-encoded it to 8bit), without Bcc, which it strips.
     */
    private static byte[] send(Session session, MimeMessage message) throws Exception {
        message.saveChanges();
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect();
            transport.sendMessage(message, message.getAllRecipients());
        }
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        message.writeTo(sent, new String[] {"Bcc", "Content-Length"});
        return sent.toByteArray();
    }

    private static SmtpServer start(Inbox inbox) {
        return SmtpServer.builder().transport(SuiteTransport.CURRENT).bindAddress(InetAddress.getLoopbackAddress()).port(0).hostname("mx.test")
                .messageHandler(inbox).build().start();
    }

    @Test
    void plainMessage() throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            Session session = session(server.port(), false);
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("alice@example.com"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
            m.setSubject("Plain");
            m.setText("Hello Bob,\r\n.a line that starts with a dot\r\n.\r\nbye\r\n", "us-ascii");
            byte[] sent = send(session, m);

            ReceivedMessage got = inbox.take(WAIT);
            assertThat(got.content()).isEqualTo(sent);
            assertThat(got.text()).contains("Subject: Plain\r\n", "\r\n.a line that starts with a dot\r\n.\r\nbye\r\n");
            assertThat(got.envelope().sender().mailbox()).contains(Mailbox.of("alice", "example.com"));
            assertThat(got.envelope().forwardPaths()).extracting(Object::toString).containsExactly("<bob@example.org>");
            assertThat(got.connection().helloName()).isEqualTo("client.test");
        }
    }

    @Test
    void eightBitMessage() throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            Session session = session(server.port(), true);
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("alice@example.com"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
            m.setSubject("Grüße", "UTF-8");
            // Jakarta Mail encodes this as quoted-printable; with 8BITMIME offered (RFC 6152), the
            // transport turns it back into 8bit before sending.
            m.setText("Grüße aus Köln: 8-bit UTF-8 über SMTP.\r\n", "UTF-8");
            byte[] sent = send(session, m);

            ReceivedMessage got = inbox.take(WAIT);
            assertThat(got.content()).isEqualTo(sent);
            assertThat(got.text()).contains("Content-Transfer-Encoding: 8bit\r\n", "Grüße aus Köln: 8-bit UTF-8 über SMTP.\r\n");
            // The raw octets arrived unchanged: C3 BC is "ü" in UTF-8.
            assertThat(new String(got.content(), java.nio.charset.StandardCharsets.ISO_8859_1)).contains("K\u00c3\u00b6ln");
        }
    }

    @Test
    void multipleRecipients() throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = start(inbox)) {
            Session session = session(server.port(), false);
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("alice@example.com"));
            m.setRecipients(Message.RecipientType.TO, "bob@example.org, carol@example.org");
            m.setRecipient(Message.RecipientType.CC, new InternetAddress("dave@example.net"));
            m.setRecipient(Message.RecipientType.BCC, new InternetAddress("eve@example.net"));
            m.setSubject("To many");
            m.setText("one message, four recipients\r\n");
            byte[] sent = send(session, m);

            ReceivedMessage got = inbox.take(WAIT);
            assertThat(got.content()).isEqualTo(sent);
            assertThat(got.text()).doesNotContain("eve@");
            assertThat(got.envelope().forwardPaths()).extracting(Object::toString).containsExactly(
                    "<bob@example.org>", "<carol@example.org>", "<dave@example.net>", "<eve@example.net>");
            assertThat(inbox.size()).isZero();
        }
    }
}
