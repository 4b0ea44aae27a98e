package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Regression tests for the protocol defects of issue 16, section 4, without sockets. */
class ServerSessionIssue16Test {

    private static final ServerConfig CONFIG = ServerConfig.builder().hostname("mx.example.org").build();
    private static final ServerConfig WITH_AUTH = CONFIG.toBuilder()
            .authMechanisms(List.of("PLAIN")).allowAuthWithoutTls(true).build();

    /** A command line of exactly {@code octets} octets with its CRLF: {@code prefix}, then x's, then {@code suffix}. */
    static String lineOf(int octets, String prefix, String suffix) {
        String line = prefix + "x".repeat(octets - prefix.length() - suffix.length() - 2) + suffix + "\r\n";
        assertThat(line.getBytes(StandardCharsets.US_ASCII)).hasSize(octets);
        return line;
    }

    // ---------------------------------------------------------------- RFC 4954 §3: MAIL with AUTH=

    @Test
    @DisplayName("RFC 4954 §3: a 638-octet MAIL line with AUTH= is accepted when AUTH is offered")
    void longMailWithAuthParameter() {
        String mail = lineOf(638, "MAIL FROM:<a@b.example> AUTH=", "@example.org");
        Driver d = new Driver(WITH_AUTH).send("EHLO c.example\r\n").send(mail);
        assertThat(d.codes()).containsExactly(220, 250, 250);
        ServerEvent.MailFrom from = d.eventsOf(ServerEvent.MailFrom.class).get(0);
        assertThat(from.parameters().auth()).hasValueSatisfying(a -> assertThat(a).hasSize(638 - 2 - 29));
    }

    @Test
    @DisplayName("RFC 4954 §3: the 500 extra octets hold for every split of the line")
    void longMailWithAuthParameterSplitAnywhere() {
        String mail = lineOf(1012, "MAIL FROM:<a@b.example> AUTH=", "@example.org");
        for (int cut : new int[] {1, 4, 5, 6, 511, 512, 1000, mail.length() - 1}) {
            Driver d = new Driver(WITH_AUTH).send("EHLO c.example\r\n").send(mail.substring(0, cut)).send(mail.substring(cut));
            assertThat(d.codes()).as("cut at %d", cut).containsExactly(220, 250, 250);
        }
    }

    @Test
    @DisplayName("RFC 4954 §3: past 512 + 500 octets, or without AUTH=, or with AUTH not offered, a MAIL line is too long")
    void mailLineLimits() {
        Driver over = new Driver(WITH_AUTH).send("EHLO c.example\r\n")
                .send(lineOf(1013, "MAIL FROM:<a@b.example> AUTH=", "@example.org")).send("NOOP\r\n");
        assertThat(over.replies.subList(2, 4)).containsExactly(Replies.LINE_TOO_LONG, Replies.OK);

        Driver noAuthParameter = new Driver(WITH_AUTH).send("EHLO c.example\r\n")
                .send(lineOf(638, "MAIL FROM:<a@b.example> SIZE=1 X-PAD=", "y")).send("NOOP\r\n");
        assertThat(noAuthParameter.replies.subList(2, 4)).containsExactly(Replies.LINE_TOO_LONG, Replies.OK);
        assertThat(noAuthParameter.eventsOf(ServerEvent.MailFrom.class)).isEmpty();

        Driver notOffered = new Driver(CONFIG).send("EHLO c.example\r\n")
                .send(lineOf(638, "MAIL FROM:<a@b.example> AUTH=", "@example.org")).send("NOOP\r\n");
        assertThat(notOffered.replies.subList(2, 4)).containsExactly(Replies.LINE_TOO_LONG, Replies.OK);

        Driver shortLine = new Driver(WITH_AUTH).send("EHLO c.example\r\n")
                .send(lineOf(512, "MAIL FROM:<a@b.example> SIZE=1 X-PAD=", "y"));
        assertThat(shortLine.lastReply()).as("a 512-octet line is within the normal limit")
                .isEqualTo(Replies.PARAMETER_NOT_IMPLEMENTED);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.4: other commands keep the 512-octet limit when AUTH is offered")
    void otherCommandsKeepTheLimit() {
        Driver d = new Driver(WITH_AUTH).send("EHLO c.example\r\nMAIL FROM:<a@b.example>\r\n")
                .send(lineOf(513, "RCPT TO:<", "@example.org>")).send(lineOf(513, "NOOP ", "z"));
        assertThat(d.replies.subList(3, 5)).containsExactly(Replies.LINE_TOO_LONG, Replies.LINE_TOO_LONG);
    }

    // ---------------------------------------------------------------- RFC 2033 §4.2: LMTP DATA without recipients

    @Test
    @DisplayName("RFC 2033 §4.2: in LMTP, DATA after no successful RCPT gets 503")
    void lmtpDataWithoutRecipients() {
        ServerConfig lmtp = CONFIG.toBuilder().mode(ProtocolMode.LMTP).build();
        Driver d = new Driver(lmtp, e -> e instanceof ServerEvent.RcptTo ? Replies.NO_SUCH_USER : null)
                .send("LHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@d.example>\r\nDATA\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 550, 503);
        assertThat(d.lastReply()).isEqualTo(Replies.BAD_SEQUENCE);
        d.send("BDAT 3 LAST\r\nabcRSET\r\n");
        assertThat(d.codes()).endsWith(503, 250);
        assertThat(d.eventsOf(ServerEvent.MessageStart.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §3.3: in SMTP, DATA after no successful RCPT keeps its 554")
    void smtpDataWithoutRecipients() {
        Driver d = new Driver(CONFIG, e -> e instanceof ServerEvent.RcptTo ? Replies.NO_SUCH_USER : null)
                .send("EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@d.example>\r\nDATA\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.NO_VALID_RECIPIENTS);
    }

    // ---------------------------------------------------------------- RFC 5321 §4.1.1: trailing white space

    @ParameterizedTest
    @EnumSource(ParseMode.class)
    @DisplayName("RFC 5321 §4.1.1: spaces and tabs before the CRLF are tolerated in both parse modes")
    void trailingWhiteSpace(ParseMode mode) {
        Driver d = new Driver(CONFIG.toBuilder().parseMode(mode).build())
                .send("EHLO c.example \r\nNOOP \r\nNOOP\t\r\nMAIL FROM:<a@b.example> \r\n"
                        + "RCPT TO:<c@d.example> NOTIFY=NEVER\t \r\nRSET \r\nMAIL FROM:<a@b.example> SIZE=10\t\r\n"
                        + "RCPT TO:<c@d.example>  \r\nDATA \r\nx\r\n.\r\nQUIT \r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 250, 250, 250, 250, 250, 354, 250, 221);
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).extracting(m -> m.sender().toString())
                .containsExactly("<a@b.example>", "<a@b.example>");
        assertThat(d.eventsOf(ServerEvent.RcptTo.class).get(0).parameters().toString()).isEqualTo("NOTIFY=NEVER");
        assertThat(d.eventsOf(ServerEvent.MailFrom.class).get(1).parameters().size()).hasValue(10);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1: white space elsewhere is still refused in STRICT mode")
    void innerWhiteSpaceStillStrict() {
        Driver d = new Driver(CONFIG).send("EHLO c.example\r\nMAIL FROM:<a@b.example>  SIZE=10\r\nNOOP \t x\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 501, 501);
    }

    @Test
    void theTranscriptShowsTheLineAsItCame() {
        ServerSession s = new ServerSession(CONFIG);
        StringBuilder seen = new StringBuilder();
        s.observer(new ServerSession.Observer() {
            @Override
            public void received(String line) {
                seen.append('[').append(line).append(']');
            }
        });
        s.nextEvent();
        s.accept();
        byte[] in = "NOOP \t\r\n".getBytes(StandardCharsets.US_ASCII);
        s.receive(in, 0, in.length);
        s.nextEvent();
        assertThat(seen).hasToString("[NOOP \t]");
    }

    // ---------------------------------------------------------------- RFC 8689: REQUIRETLS

    @Test
    @DisplayName("RFC 8689: REQUIRETLS, when configured, is offered and accepted only once TLS is up")
    void requireTlsOnlyOverTls() {
        java.util.EnumSet<ServerExtension> extensions = java.util.EnumSet.copyOf(ServerConfig.DEFAULT_EXTENSIONS);
        extensions.add(ServerExtension.REQUIRE_TLS);
        ServerConfig config = CONFIG.toBuilder().extensions(extensions).tlsPolicy(TlsPolicy.OPTIONAL).build();
        Driver d = new Driver(config).send("EHLO c.example\r\nMAIL FROM:<a@b.example> REQUIRETLS\r\n");
        assertThat(d.replies.get(1).lines()).doesNotContain("REQUIRETLS");
        assertThat(d.lastReply()).isEqualTo(Replies.PARAMETER_NOT_IMPLEMENTED);
        d.send("STARTTLS\r\n").send("EHLO c.example\r\nMAIL FROM:<a@b.example> REQUIRETLS\r\n");
        assertThat(d.codes()).endsWith(220, 250, 250);
        assertThat(d.replies.get(d.replies.size() - 2).lines()).contains("REQUIRETLS");
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).singleElement()
                .satisfies(m -> assertThat(m.parameters().requireTls()).isTrue());
    }

    // ---------------------------------------------------------------- RFC 6531 §3.2, RFC 3629 §10: UTF-8

    private static byte[] octets(String before, String hex, String after) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        b.writeBytes(HexFormat.of().parseHex(hex.replace(" ", "")));
        b.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    /**
     * Octets that are not UTF-8 (RFC 3629 §3, §10): overlong forms of "/" in two, three and four
     * octets, lone continuation octets, FF and FE, the surrogates U+D800 and U+DFFF encoded as
     * UTF-8, a code point past U+10FFFF, and sequences cut short.
     */
    @ParameterizedTest
    @ValueSource(strings = {"C0 AF", "E0 80 AF", "F0 80 80 AF", "80", "BF", "FF", "FE", "ED A0 80", "ED BF BF",
        "F4 90 80 80", "C3", "E2 82", "F0 9F 98"})
    @DisplayName("RFC 6531 §3.2, RFC 3629 §10: invalid UTF-8 in the sender gets 501 5.1.7, never U+FFFD")
    void invalidUtf8Sender(String hex) {
        Driver d = new Driver(CONFIG).send("EHLO c.example\r\n")
                .send(octets("MAIL FROM:<j", hex, "ran@example.org> SMTPUTF8\r\n"))
                .send(octets("MAIL FROM:<j", hex, "ran@example.org>\r\n"))
                .send("MAIL FROM:<a@b.example>\r\n");
        assertThat(d.replies.subList(2, 5))
                .containsExactly(Replies.BAD_SENDER_ADDRESS_SYNTAX, Replies.BAD_SENDER_ADDRESS_SYNTAX, Replies.SENDER_OK);
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C0 AF", "E0 80 AF", "80", "FF", "ED A0 80", "F4 90 80 80", "E2 82"})
    @DisplayName("RFC 6531 §3.2, RFC 3629 §10: invalid UTF-8 in a recipient gets 501 5.1.3; elsewhere 501 or 500")
    void invalidUtf8Elsewhere(String hex) {
        Driver d = new Driver(CONFIG).send("EHLO c.example\r\nMAIL FROM:<j\u00f6ran@example.org> SMTPUTF8\r\n")
                .send(octets("RCPT TO:<pr", hex, "fer@example.de>\r\n"))
                .send(octets("NOOP ", hex, "\r\n"))
                .send(octets("EHLO ", hex, ".example\r\n"))
                .send(octets("X", hex, "\r\n"));
        assertThat(d.replies.subList(3, 7)).containsExactly(Replies.BAD_ADDRESS_SYNTAX, Replies.PARAMETER_SYNTAX,
                Replies.PARAMETER_SYNTAX, Replies.SYNTAX_ERROR);
        assertThat(d.eventsOf(ServerEvent.RcptTo.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 6531 §3.3: well-formed UTF-8 reaches the application exactly as it was sent")
    void wellFormedUtf8IsKeptExactly() {
        String sender = "j\u00f6ran.\u6d4b\u8bd5\ud83d\ude00@b\u00fccher.example";
        String recipient = "\u0645\u062b\u0627\u0644@example.org";
        Driver d = new Driver(CONFIG).send("EHLO c.example\r\n")
                .send(("MAIL FROM:<" + sender + "> SMTPUTF8\r\nRCPT TO:<" + recipient + ">\r\n").getBytes(StandardCharsets.UTF_8));
        assertThat(d.codes()).containsExactly(220, 250, 250, 250);
        String got = d.eventsOf(ServerEvent.MailFrom.class).get(0).sender().toString();
        assertThat(got.getBytes(StandardCharsets.UTF_8)).isEqualTo(("<" + sender + ">").getBytes(StandardCharsets.UTF_8));
        assertThat(d.eventsOf(ServerEvent.RcptTo.class).get(0).recipient().toString()).isEqualTo("<" + recipient + ">");
    }

    @Test
    void aRefusedGreetingStillAnswers503ToMalformedLines() {
        Driver d = new Driver(CONFIG, e -> e instanceof ServerEvent.Connected ? Reply.of(554, "no service") : null)
                .send(octets("MAIL FROM:<", "FF", "@b.example>\r\n"));
        assertThat(d.codes()).containsExactly(554, 503);
    }
}
