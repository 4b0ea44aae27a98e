package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Command.Auth;
import dev.smtpkit.core.Command.Bdat;
import dev.smtpkit.core.Command.Ehlo;
import dev.smtpkit.core.Command.Helo;
import dev.smtpkit.core.Command.Lhlo;
import dev.smtpkit.core.Command.Mail;
import dev.smtpkit.core.Command.Rcpt;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandTest {

    private static Reply replyOf(String line, ParseMode mode) {
        try {
            Command.parse(line, mode, false);
        } catch (SmtpSyntaxException e) {
            return e.reply();
        }
        throw new AssertionError("parsed: " + line);
    }

    private static Reply strictReply(String line) {
        return replyOf(line, ParseMode.STRICT);
    }

    @ParameterizedTest
    @CsvSource({"helo x.org,HELO x.org", "Ehlo x.org,EHLO x.org", "lhlo x.org,LHLO x.org", "data,DATA", "rSeT,RSET",
            "noop,NOOP", "quit,QUIT", "starttls,STARTTLS", "help,HELP", "vrfy bob,VRFY bob", "expn list,EXPN list",
            "bdat 10 last,BDAT 10 LAST", "auth plain,AUTH PLAIN", "mail from:<a@b.org>,MAIL FROM:<a@b.org>",
            "rcpt to:<a@b.org>,RCPT TO:<a@b.org>", "MAIL From:<>,MAIL FROM:<>"})
    @DisplayName("RFC 5321 §2.4: verbs and FROM:/TO: are not case sensitive; output is upper case")
    void caseInsensitive(String line, String canonical) {
        Command c = Command.parse(line);
        assertThat(c.toString()).isEqualTo(canonical);
        assertThat(c.encode()).isEqualTo((canonical + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: HELO, EHLO and LHLO take a domain or address literal")
    void hello() {
        assertThat(Command.parse("EHLO [192.0.2.1]")).isEqualTo(new Ehlo("[192.0.2.1]"));
        assertThat(Command.parse("EHLO [IPv6:::1]")).isEqualTo(new Ehlo("[IPv6:::1]"));
        assertThat(Command.parse("HELO mx.example.org")).isEqualTo(new Helo("mx.example.org"));
        assertThat(((Ehlo) Command.parse("EHLO a.org")).hasDomain()).isTrue();
        assertThat(strictReply("HELO")).isEqualTo(Replies.HELO_REQUIRES_DOMAIN);
        assertThat(strictReply("EHLO")).isEqualTo(Replies.EHLO_REQUIRES_DOMAIN);
        assertThat(strictReply("LHLO")).isEqualTo(Replies.EHLO_REQUIRES_DOMAIN);
        assertThat(strictReply("EHLO bad_name")).isEqualTo(Replies.EHLO_REQUIRES_DOMAIN);
        assertThat(strictReply("EHLO a.org b.org")).isEqualTo(Replies.EHLO_REQUIRES_DOMAIN);
        assertThat(strictReply("EHLO b\u00fccher.example")).isEqualTo(Replies.EHLO_REQUIRES_DOMAIN);
        assertThat(Command.parse("EHLO b\u00fccher.example", ParseMode.STRICT, true)).isEqualTo(new Ehlo("b\u00fccher.example"));
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.2: MAIL FROM with path and parameters")
    void mail() {
        Command c = Command.parse("MAIL FROM:<a@b.org> SIZE=10 BODY=8BITMIME");
        assertThat(c).isInstanceOf(Mail.class);
        Mail m = (Mail) c;
        assertThat(m.from()).isEqualTo(ReversePath.of(Mailbox.of("a", "b.org")));
        assertThat(m.parameters().size()).hasValue(10);
        assertThat(m.toString()).isEqualTo("MAIL FROM:<a@b.org> SIZE=10 BODY=8BITMIME");
        assertThat(Command.parse("MAIL FROM:<>")).isEqualTo(new Mail(ReversePath.NULL));
        assertThat(Command.parse("MAIL FROM:<@relay.org:a@b.org>")).isEqualTo(new Mail(ReversePath.of(Mailbox.of("a", "b.org"))));
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.3: RCPT TO with <Postmaster> in any case")
    void rcpt() {
        assertThat(Command.parse("RCPT TO:<postmaster>")).isEqualTo(new Rcpt(ForwardPath.POSTMASTER));
        assertThat(Command.parse("RCPT TO:<\"john doe\"@x.org> NOTIFY=NEVER").toString())
                .isEqualTo("RCPT TO:<\"john doe\"@x.org> NOTIFY=NEVER");
        assertThat(strictReply("RCPT TO:<>")).isEqualTo(Replies.BAD_ADDRESS_SYNTAX);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.2: a bad sender gives 501 5.1.7, a bad recipient 501 5.1.3, bad parameters 501 5.5.4")
    void replies() {
        assertThat(strictReply("MAIL FROM:<a@@b.org>")).isEqualTo(Replies.BAD_SENDER_ADDRESS_SYNTAX);
        assertThat(strictReply("RCPT TO:<a@@b.org>")).isEqualTo(Replies.BAD_ADDRESS_SYNTAX);
        assertThat(strictReply("RCPT TO:<a@b.org>x")).isEqualTo(Replies.BAD_ADDRESS_SYNTAX);
        assertThat(strictReply("MAIL FROM:<a@b.org> SIZE=")).isEqualTo(Replies.PARAMETER_SYNTAX);
        assertThat(strictReply("MAIL TO:<a@b.org>")).isEqualTo(Replies.PARAMETER_SYNTAX);
        assertThat(strictReply("MAIL")).isEqualTo(Replies.PARAMETER_SYNTAX);
        assertThat(strictReply("RCPT <a@b.org>")).isEqualTo(Replies.PARAMETER_SYNTAX);
        assertThat(strictReply("MAIL FROM:<\u00e9@b.org>")).isEqualTo(Replies.SMTPUTF8_REQUIRED);
        assertThat(strictReply("NOOP\r")).isEqualTo(Replies.SYNTAX_ERROR);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DATA x", "RSET x", "QUIT now", "STARTTLS x", "VRFY", "EXPN", "BDAT", "BDAT x", "BDAT 1 FIRST",
            "BDAT 1 LAST x", "BDAT -1", "BDAT 99999999999999999999", "AUTH", "AUTH PL@IN", "AUTH PLAIN a b",
            "AUTH PLAIN !!!", "AUTH ABCDEFGHIJKLMNOPQRSTU", "NOOP a\u0000b", "HELP \u00e9"})
    @DisplayName("RFC 5321 §4.1.1, RFC 3030 §2, RFC 4954 §4: bad arguments give 501 5.5.4")
    void badArguments(String line) {
        assertThat(strictReply(line)).isEqualTo(Replies.PARAMETER_SYNTAX);
        assertThat(replyOf(line, ParseMode.LENIENT)).isEqualTo(Replies.PARAMETER_SYNTAX);
    }

    @ParameterizedTest
    @ValueSource(strings = {"MAIL FROM: <a@b.org>", "MAIL FROM:a@b.org", "MAIL FROM:<a@b.org> ", "MAIL  FROM:<a@b.org>",
            "MAIL FROM:<a@b.org>  SIZE=1", "EHLO", "EHLO  a.org", "EHLO a.org ", "DATA ", "NOOP  x", "RCPT TO: postmaster",
            "BDAT 1  LAST", "AUTH  PLAIN", "RCPT TO:<a@b.org>\t", "MAIL FROM:<a@b.org> SIZE=1 \t", "DATA \t", "EHLO a.org\t"})
    @DisplayName("RFC 5321 §4.1.2: what STRICT refuses and LENIENT (strict_rfc821_envelopes = no) accepts")
    void strictAndLenient(String line) {
        assertThatThrownBy(() -> Command.parse(line, ParseMode.STRICT, false)).isInstanceOf(SmtpSyntaxException.class);
        Command c = Command.parse(line, ParseMode.LENIENT, false);
        assertThat(Command.parse(c.toString(), ParseMode.LENIENT, false)).isEqualTo(c);
    }

    @Test
    void lenientValues() {
        assertThat(Command.parse("MAIL FROM: a@b.org SIZE=5", ParseMode.LENIENT, false).toString())
                .isEqualTo("MAIL FROM:<a@b.org> SIZE=5");
        Command helo = Command.parse("HELO", ParseMode.LENIENT, false);
        assertThat(helo).isEqualTo(new Helo(""));
        assertThat(((Helo) helo).hasDomain()).isFalse();
        assertThat(helo.toString()).isEqualTo("HELO");
        assertThat(Command.parse("NOOP   hello  ", ParseMode.LENIENT, false)).isEqualTo(new Command.Noop("hello"));
    }

    @Test
    @DisplayName("RFC 3030 §2: BDAT size [LAST]")
    void bdat() {
        assertThat(Command.parse("BDAT 0 LAST")).isEqualTo(new Bdat(0, true));
        assertThat(Command.parse("BDAT 9223372036854775807")).isEqualTo(new Bdat(Long.MAX_VALUE, false));
        assertThat(Command.parse("BDAT 007").toString()).isEqualTo("BDAT 7");
        assertThat(strictReply("BDAT 9223372036854775808")).isEqualTo(Replies.PARAMETER_SYNTAX);
    }

    @Test
    @DisplayName("RFC 4954 §4: AUTH mechanism [initial-response], '=' for an empty response")
    void auth() {
        assertThat(Command.parse("AUTH plain dGVzdAB0ZXN0AHRlc3Q=")).isEqualTo(new Auth("PLAIN", Optional.of("dGVzdAB0ZXN0AHRlc3Q=")));
        Auth empty = (Auth) Command.parse("AUTH EXTERNAL =");
        assertThat(empty.initialResponse()).contains("");
        assertThat(empty.toString()).isEqualTo("AUTH EXTERNAL =");
        assertThat(new Auth("scram-sha-256", Optional.empty()).mechanism()).isEqualTo("SCRAM-SHA-256");
        assertThatThrownBy(() -> new Auth("PLAIN", Optional.of("="))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("RFC 5321 §4.2.4: an unknown verb is kept verbatim, not an error")
    void unknown() {
        Command c = Command.parse("XCLIENT addr=1.2.3.4");
        assertThat(c).isEqualTo(new Command.Unknown("XCLIENT addr=1.2.3.4"));
        assertThat(c.verb()).isEqualTo(Verb.UNKNOWN);
        assertThat(c.toString()).isEqualTo("XCLIENT addr=1.2.3.4");
        assertThat(Command.parse("")).isEqualTo(new Command.Unknown(""));
        assertThat(Command.parse("DATA\tx")).isEqualTo(new Command.Unknown("DATA\tx"));
        assertThat(Command.parse("XYZZY \t", ParseMode.LENIENT, false)).isEqualTo(new Command.Unknown("XYZZY \t"));
        assertThatThrownBy(() -> new Command.Unknown("noop x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void freeTextArguments() {
        assertThat(Command.parse("VRFY \"John Smith\"")).isEqualTo(new Command.Vrfy("\"John Smith\""));
        assertThat(Command.parse("HELP MAIL")).isEqualTo(new Command.Help("MAIL"));
        assertThat(Command.parse("NOOP")).isEqualTo(new Command.Noop(""));
        assertThatThrownBy(() -> new Command.Noop(" x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Command.Vrfy("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void verbs() {
        assertThat(Command.parse("LHLO x.org")).isEqualTo(new Lhlo("x.org"));
        assertThat(Command.parse("LHLO x.org").verb()).isEqualTo(Verb.LHLO);
        assertThat(Command.parse("STARTTLS").verb()).isEqualTo(Verb.STARTTLS);
        assertThat(Command.parse("MAIL FROM:<>").verb()).isEqualTo(Verb.MAIL);
    }
}
