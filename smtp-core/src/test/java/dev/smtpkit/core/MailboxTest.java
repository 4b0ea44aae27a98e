package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MailboxTest {

    @Test
    @DisplayName("RFC 5321 §4.1.2: a dot-string local part is written as it is")
    void dotString() {
        Mailbox m = Mailbox.parse("john.doe+tag@example.org");
        assertThat(m.localPart()).isEqualTo("john.doe+tag");
        assertThat(m.domain()).isEqualTo("example.org");
        assertThat(m.toString()).isEqualTo("john.doe+tag@example.org");
        assertThat(m.isAscii()).isTrue();
    }

    @Test
    @DisplayName("RFC 5321 §4.1.2: a quoted local part is held unquoted and quoted again when needed")
    void quotedLocalPart() {
        Mailbox m = Mailbox.parse("\"john doe\"@example.org");
        assertThat(m.localPart()).isEqualTo("john doe");
        assertThat(m.toString()).isEqualTo("\"john doe\"@example.org");
        assertThat(Mailbox.of("a b", "example.org").toString()).isEqualTo("\"a b\"@example.org");
        assertThat(Mailbox.parse("\"abc\"@x.org")).isEqualTo(Mailbox.of("abc", "x.org"));
        assertThat(Mailbox.of("a..b", "x.org").toString()).isEqualTo("\"a..b\"@x.org");
        assertThat(Mailbox.of("", "x.org").toString()).isEqualTo("\"\"@x.org");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.2: quoted-pairSMTP escapes a quote and a backslash")
    void quotedPairs() {
        Mailbox m = Mailbox.parse("\"say \\\"hi\\\" \\\\ \\x\"@example.org");
        assertThat(m.localPart()).isEqualTo("say \"hi\" \\ x");
        assertThat(m.toString()).isEqualTo("\"say \\\"hi\\\" \\\\ x\"@example.org");
        assertThat(Mailbox.parse(m.toString())).isEqualTo(m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user@[192.0.2.1]", "user@[255.255.255.255]", "user@[IPv6:2001:db8:0:0:0:0:0:1]",
            "user@[IPv6:2001:db8::1]", "user@[IPv6:::]", "user@[IPv6:::1]", "user@[ipv6:fe80::]",
            "user@[IPv6:::ffff:192.0.2.1]", "user@[IPv6:1:2:3:4:5:6:192.0.2.1]", "user@[IPv6:1::2:3:4:5:6]",
            "user@[x-tag:any.content!]", "user@[IPv6:1:2:3:4::192.0.2.1]",
            // Snum is 1*3DIGIT: a leading zero is allowed here (smtp-server's IpLiteral refuses it).
            "user@[010.0.0.1]"})
    @DisplayName("RFC 5321 §4.1.3: IPv4, IPv6 (full, compressed, IPv4 tail) and general address literals")
    void addressLiterals(String text) {
        Mailbox m = Mailbox.parse(text);
        assertThat(m.toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user@[256.0.0.1]", "user@[1.2.3]", "user@[1.2.3.4.5]", "user@[01234.1.1.1]",
            "user@[IPv6:1:2:3:4:5:6:7]", "user@[IPv6:1:2:3:4:5:6:7:8:9]", "user@[IPv6:1::2::3]",
            "user@[IPv6:1:2:3:4:5:6:7::]", "user@[IPv6:12345::1]", "user@[IPv6:g::1]", "user@[IPv6:::1.2.3]",
            "user@[IPv6:1:2:3:4:5::1.2.3.4]", "user@[IPv6:1:2:3:4:5:6:7:1.2.3.4]", "user@[tag:]", "user@[-:x]",
            "user@[tag:a[b]", "user@[1.2.3.4", "user@[]", "user@[IPv6:1:::2]"})
    @DisplayName("RFC 5321 §4.1.3: malformed address literals are refused with 501 5.1.3")
    void badAddressLiterals(String text) {
        assertThatThrownBy(() -> Mailbox.parse(text))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.BAD_ADDRESS_SYNTAX);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "user", "@example.org", "user@", "user@-example.org", "user@example-.org",
            "user@example..org", "user@.example.org", "user@example.org.", "a..b@example.org", ".a@example.org",
            "a.@example.org", "a b@example.org", "\"a@example.org", "\"a\\\u00e9\"@x.org", "\"a\u0001\"@x.org",
            "user@ex_ample.org", "user@example.org>", "us(er)@example.org", "a@b@c"})
    @DisplayName("RFC 5321 §4.1.2: malformed mailboxes are refused with 501 5.1.3")
    void badMailboxes(String text) {
        assertThatThrownBy(() -> Mailbox.parse(text, true))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.BAD_ADDRESS_SYNTAX);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.1: a local part has at most 64 octets")
    void localPartLimit() {
        String sixtyFour = "a".repeat(64);
        assertThat(Mailbox.parse(sixtyFour + "@x.org").localPart()).hasSize(64);
        assertThatThrownBy(() -> Mailbox.parse(sixtyFour + "a@x.org"))
                .isInstanceOf(SmtpSyntaxException.class).hasMessageContaining("64");
        assertThatThrownBy(() -> Mailbox.of(sixtyFour + "a", "x.org")).isInstanceOf(IllegalArgumentException.class);
        // the limit counts the local part as written, quotes included
        assertThatThrownBy(() -> Mailbox.of(" " + "a".repeat(62), "x.org")).isInstanceOf(IllegalArgumentException.class);
        // and counts UTF-8 octets, not characters
        assertThatThrownBy(() -> Mailbox.of("\u00e9".repeat(33), "x.org")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.2: a domain has at most 255 octets")
    void domainLimit() {
        String label = "a".repeat(63);
        String d255 = label + "." + label + "." + label + "." + "a".repeat(63);
        assertThat(d255).hasSize(255);
        assertThat(Mailbox.parse("u@" + d255).domain()).isEqualTo(d255);
        assertThatThrownBy(() -> Mailbox.parse("u@a" + d255))
                .isInstanceOf(SmtpSyntaxException.class).hasMessageContaining("255");
    }

    @Test
    @DisplayName("RFC 6531 §3.3: UTF-8 local parts and U-labels only when allowed; parse(text) allows them (issue 17)")
    void utf8() {
        String text = "j\u00f6rg@b\u00fccher.example";
        assertThat(Mailbox.parse(text)).isEqualTo(Mailbox.parse(text, true));
        assertThatThrownBy(() -> Mailbox.parse(text, false))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.SMTPUTF8_REQUIRED);
        Mailbox m = Mailbox.parse(text, true);
        assertThat(m.isAscii()).isFalse();
        assertThat(m.toString()).isEqualTo(text);
        assertThat(Mailbox.parse("\"\u65e5 \u672c\"@x.org", true).localPart()).isEqualTo("\u65e5 \u672c");
    }

    @Test
    void invalidPartsAreRefusedOnConstruction() {
        assertThatThrownBy(() -> Mailbox.of("a\r\nb", "x.org")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Mailbox.of("a", "x_y.org")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Mailbox.of("a", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Mailbox.of("\ud800", "x.org")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Mailbox.of(null, "x.org")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void domainIsNotCaseFolded() {
        assertThat(Mailbox.parse("a@Example.ORG").domain()).isEqualTo("Example.ORG");
        assertThat(Mailbox.parse("a@Example.ORG")).isNotEqualTo(Mailbox.parse("a@example.org"));
    }
}
