package dev.smtpkit.server;

import static dev.smtpkit.server.SmtpServerTest.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The protocol defects of issue 16, section 4, as conversations with the driver ({@link MemoryLink}). */
class Issue16ConversationTest {

    private static String mailLine(int octets, String prefix) {
        String suffix = "@example.org";
        String line = prefix + "x".repeat(octets - prefix.length() - suffix.length() - 2) + suffix;
        assertThat((line + "\r\n").getBytes(StandardCharsets.US_ASCII)).hasSize(octets);
        return line;
    }

    @Test
    @DisplayName("RFC 4954 §3: a 638-octet MAIL line with AUTH= is accepted; one without AUTH= is too long")
    void longMailWithAuthParameter() throws Exception {
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().authenticator(AuthTest.USERS).allowAuthWithoutTls(true)
                .messageHandler(inbox));
        c.reply();
        assertThat(c.command("EHLO client.test")).isEqualTo(250);
        assertThat(c.command("AUTH PLAIN " + AuthTest.plain(AuthTest.USER, AuthTest.PASSWORD))).isEqualTo(235);
        assertThat(c.ask(mailLine(638, "MAIL FROM:<a@example.com> SIZE=10 X-PAD="))).startsWith("500 5.5.6");
        String mail = mailLine(638, "MAIL FROM:<a@example.com> AUTH=");
        assertThat(c.ask(mail)).startsWith("250 ");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.ask("Subject: long\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");
        ReceivedMessage m = inbox.take(WAIT);
        assertThat(m.envelope().mailParameters().auth()).hasValue(mail.substring(mail.indexOf("AUTH=") + 5));
        assertThat(c.command("QUIT")).isEqualTo(221);
    }

    @Test
    @DisplayName("RFC 2033 §4.2: an LMTP server answers DATA after no successful RCPT with 503")
    void lmtpDataWithoutRecipients() throws Exception {
        SessionHandler refuseAll = new SessionHandler() {
            @Override
            public void rcpt(ForwardPath recipient, Parameters parameters) {
                throw new SmtpRejectException(Replies.NO_SUCH_USER);
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, InputStream content) throws IOException {
                content.readAllBytes();
            }
        };
        MemoryLink c = MemoryLink.open(SmtpServer.builder()
                .config(ServerConfig.builder().hostname("lmtp.test").mode(ProtocolMode.LMTP).build())
                .handler(conn -> refuseAll));
        assertThat(c.reply()).startsWith("220 lmtp.test");
        assertThat(c.command("LHLO client.test")).isEqualTo(250);
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<nobody@example.org>")).isEqualTo(550);
        assertThat(c.ask("DATA")).startsWith("503 5.5.1");
        assertThat(c.command("RSET")).isEqualTo(250);
        assertThat(c.command("QUIT")).isEqualTo(221);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1: a server with default settings tolerates spaces and tabs before the CRLF")
    void trailingWhiteSpace() throws Exception {
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(inbox));
        c.reply();
        assertThat(c.command("EHLO client.test ")).isEqualTo(250);
        assertThat(c.command("NOOP ")).isEqualTo(250);
        assertThat(c.command("MAIL FROM:<a@example.com> ")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<b@example.org>\t")).isEqualTo(250);
        assertThat(c.command("RCPT TO:<c@example.org> NOTIFY=NEVER  ")).isEqualTo(250);
        assertThat(c.command("DATA ")).isEqualTo(354);
        assertThat(c.ask("x\r\n.")).startsWith("250 2.0.0");
        ReceivedMessage m = inbox.take(WAIT);
        assertThat(m.envelope().sender().toString()).isEqualTo("<a@example.com>");
        assertThat(m.envelope().forwardPaths()).extracting(Object::toString)
                .containsExactly("<b@example.org>", "<c@example.org>");
        assertThat(c.command("QUIT ")).isEqualTo(221);
    }

    @Test
    @DisplayName("RFC 6531 §3.2, RFC 3629 §10: invalid UTF-8 in an address gets 5xx; valid UTF-8 arrives unchanged")
    void invalidUtf8InAddresses() throws Exception {
        Inbox inbox = new Inbox();
        MemoryLink c = MemoryLink.open(MemoryLink.server().messageHandler(inbox));
        c.reply();
        assertThat(c.command("EHLO client.test")).isEqualTo(250);
        for (String hex : new String[] {"C0AF", "E080AF", "80", "FF", "EDA080", "F4908080", "E282"}) {
            c.send(octets("MAIL FROM:<j", hex, "ran@example.org> SMTPUTF8\r\n"));
            assertThat(c.reply()).as(hex).startsWith("501 5.1.7");
        }
        String sender = "j\u00f6ran@b\u00fccher.example";
        c.send(("MAIL FROM:<" + sender + "> SMTPUTF8\r\n").getBytes(StandardCharsets.UTF_8));
        assertThat(c.code()).isEqualTo(250);
        c.send(octets("RCPT TO:<pr", "FF", "fer@example.de>\r\n"));
        assertThat(c.reply()).startsWith("501 5.1.3");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(c.command("DATA")).isEqualTo(354);
        assertThat(c.ask("x\r\n.")).startsWith("250 2.0.0");
        ReceivedMessage m = inbox.take(WAIT);
        assertThat(m.envelope().sender().toString().getBytes(StandardCharsets.UTF_8))
                .isEqualTo(("<" + sender + ">").getBytes(StandardCharsets.UTF_8));
        assertThat(m.envelope().forwardPaths()).extracting(Object::toString).containsExactly("<b@example.org>");
    }

    private static byte[] octets(String before, String hex, String after) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(before.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(HexFormat.of().parseHex(hex));
        b.writeBytes(after.getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }
}
