package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReversePathTest {

    @Test
    @DisplayName("RFC 5321 §4.5.5: the null reverse path <>")
    void nullPath() {
        ReversePath p = ReversePath.parse("<>", ParseMode.STRICT, false);
        assertThat(p).isSameAs(ReversePath.NULL);
        assertThat(p.isNull()).isTrue();
        assertThat(p.mailbox()).isEmpty();
        assertThat(p.toString()).isEqualTo("<>");
    }

    @Test
    void mailboxPath() {
        ReversePath p = ReversePath.parse("<a@b.org>", ParseMode.STRICT, false);
        assertThat(p).isEqualTo(ReversePath.of(Mailbox.of("a", "b.org")));
        assertThat(p.isNull()).isFalse();
        assertThat(p.toString()).isEqualTo("<a@b.org>");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.2, Appendix C: a source route is accepted and ignored")
    void sourceRoute() {
        assertThat(ReversePath.parse("<@a.org,@b.org:user@c.org>", ParseMode.STRICT, false))
                .isEqualTo(ReversePath.of(Mailbox.of("user", "c.org")));
        assertThatThrownBy(() -> ReversePath.parse("<@a.org user@c.org>", ParseMode.STRICT, false))
                .isInstanceOf(SmtpSyntaxException.class);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.2: STRICT needs the angle brackets; LENIENT does not")
    void modes() {
        assertThatThrownBy(() -> ReversePath.parse("a@b.org", ParseMode.STRICT, false))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.BAD_SENDER_ADDRESS_SYNTAX);
        assertThat(ReversePath.parse("a@b.org", ParseMode.LENIENT, false))
                .isEqualTo(ReversePath.of(Mailbox.of("a", "b.org")));
        assertThat(ReversePath.parse(" <a@b.org> ", ParseMode.LENIENT, false).toString()).isEqualTo("<a@b.org>");
        assertThatThrownBy(() -> ReversePath.parse("<a@b.org> ", ParseMode.STRICT, false))
                .isInstanceOf(SmtpSyntaxException.class);
    }

    @Test
    @DisplayName("RFC 6531 §3.4: a non-ASCII sender needs SMTPUTF8")
    void utf8() {
        assertThatThrownBy(() -> ReversePath.parse("<\u00e9@b.org>", ParseMode.STRICT, false))
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.SMTPUTF8_REQUIRED);
        assertThat(ReversePath.parse("<\u00e9@b.org>", ParseMode.STRICT, true).mailbox()).isPresent();
    }

    @Test
    void unclosedOrExtra() {
        assertThatThrownBy(() -> ReversePath.parse("<a@b.org", ParseMode.STRICT, false)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> ReversePath.parse("<a@b.org>>", ParseMode.STRICT, false)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> ReversePath.parse("<", ParseMode.STRICT, false)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> ReversePath.parse("", ParseMode.LENIENT, false)).isInstanceOf(SmtpSyntaxException.class);
    }
}
