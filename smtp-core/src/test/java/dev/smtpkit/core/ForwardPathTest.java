package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForwardPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"<Postmaster>", "<postmaster>", "<POSTMASTER>", "<PostMaster>"})
    @DisplayName("RFC 5321 §4.5.1: <Postmaster> without domain, in any case")
    void postmaster(String text) {
        ForwardPath p = ForwardPath.parse(text, ParseMode.STRICT, false);
        assertThat(p).isSameAs(ForwardPath.POSTMASTER);
        assertThat(p.isPostmaster()).isTrue();
        assertThat(p.mailbox()).isEmpty();
        assertThat(p.toString()).isEqualTo("<Postmaster>");
    }

    @Test
    @DisplayName("RFC 5321 §4.5.1: postmaster@domain is a mailbox, not the bare postmaster")
    void postmasterAtDomain() {
        ForwardPath p = ForwardPath.parse("<postmaster@Example.org>", ParseMode.STRICT, false);
        assertThat(p.isPostmaster()).isFalse();
        assertThat(p.isPostmasterAt("example.ORG")).isTrue();
        assertThat(p.isPostmasterAt("other.org")).isFalse();
        assertThat(p.mailbox()).contains(Mailbox.of("postmaster", "Example.org"));
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.3: a forward path cannot be <>")
    void noNullPath() {
        assertThatThrownBy(() -> ForwardPath.parse("<>", ParseMode.STRICT, false))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.BAD_ADDRESS_SYNTAX);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.2, Appendix C: a source route is accepted and ignored")
    void sourceRoute() {
        assertThat(ForwardPath.parse("<@hosta.int,@jkl.org:userc@d.bar.org>", ParseMode.STRICT, false))
                .isEqualTo(ForwardPath.of(Mailbox.of("userc", "d.bar.org")));
    }

    @Test
    void lenientTakesBareAddressesAndPostmaster() {
        assertThat(ForwardPath.parse("postmaster", ParseMode.LENIENT, false)).isSameAs(ForwardPath.POSTMASTER);
        assertThat(ForwardPath.parse("a@b.org", ParseMode.LENIENT, false).toString()).isEqualTo("<a@b.org>");
        assertThatThrownBy(() -> ForwardPath.parse("a@b.org", ParseMode.STRICT, false)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> ForwardPath.parse("<postmasterx>", ParseMode.STRICT, false)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> ForwardPath.parse("<user>", ParseMode.STRICT, false)).isInstanceOf(SmtpSyntaxException.class);
    }

    @Test
    void quotedLocalPartMayHoldAngleBracketsAndSpaces() {
        ForwardPath p = ForwardPath.parse("<\"a> b\"@x.org>", ParseMode.STRICT, false);
        assertThat(p.mailbox()).contains(Mailbox.of("a> b", "x.org"));
        assertThat(p.toString()).isEqualTo("<\"a> b\"@x.org>");
    }
}
