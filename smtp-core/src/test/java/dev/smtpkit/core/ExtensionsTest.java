package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ExtensionsTest {

    private static final String POSTFIX_EHLO = "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
            + "250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n"
            + "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: the EHLO reply is a greeting line then one keyword per line")
    void parsesAServerReply() {
        Extensions e = Extensions.parse(Reply.parse(POSTFIX_EHLO));
        assertThat(e.pipelining()).isTrue();
        assertThat(e.size()).hasValue(10240000);
        assertThat(e.startTls()).isTrue();
        assertThat(e.authMechanisms()).containsExactly("PLAIN", "LOGIN");
        assertThat(e.enhancedStatusCodes()).isTrue();
        assertThat(e.eightBitMime()).isTrue();
        assertThat(e.dsn()).isTrue();
        assertThat(e.smtpUtf8()).isTrue();
        assertThat(e.chunking()).isTrue();
        assertThat(e.binaryMime()).isFalse();
        assertThat(e.requireTls()).isFalse();
        assertThat(e.has("etrn")).isTrue();
        assertThat(e.has("mx.example.org")).isFalse();
        assertThat(e.keywords()).doesNotContain("AUTH=PLAIN");
    }

    @Test
    @DisplayName("RFC 4954 §3: the legacy AUTH=PLAIN LOGIN line is read as AUTH")
    void legacyAuth() {
        Extensions e = Extensions.parse(Reply.parse("250-mx\r\n250 AUTH=PLAIN LOGIN\r\n"));
        assertThat(e.authMechanisms()).containsExactly("PLAIN", "LOGIN");
        assertThat(e.toString()).isEqualTo("AUTH PLAIN LOGIN\r\n");
    }

    @Test
    @DisplayName("RFC 1869 §4: unknown keywords are kept with their parameters, keywords ignoring case")
    void unknownKeywords() {
        Extensions e = Extensions.parse(Reply.parse("250-mx\r\n250-x-Custom a b=c\r\n250 xforward NAME ADDR\r\n"));
        assertThat(e.parameters("X-CUSTOM")).containsExactly("a", "b=c");
        assertThat(e.parameters("XForward")).containsExactly("NAME", "ADDR");
        assertThat(e.parameters("none")).isEmpty();
        assertThat(e.lines()).containsExactly("X-CUSTOM a b=c", "XFORWARD NAME ADDR");
    }

    @Test
    @DisplayName("RFC 1870 §4: SIZE without a number or with 0 means no fixed limit")
    void sizeWithoutLimit() {
        Extensions bare = Extensions.parse(Reply.parse("250-mx\r\n250 SIZE\r\n"));
        assertThat(bare.hasSize()).isTrue();
        assertThat(bare.size()).isEmpty();
        Extensions zero = Extensions.builder().size(0).build();
        assertThat(zero.hasSize()).isTrue();
        assertThat(zero.size()).isEmpty();
        assertThat(Extensions.NONE.hasSize()).isFalse();
    }

    @Test
    void builderFormatsTheReply() {
        Extensions e = Extensions.builder().pipelining().size(1000).eightBitMime().smtpUtf8().startTls()
                .auth(List.of("plain", "LOGIN")).chunking().binaryMime().dsn().enhancedStatusCodes().requireTls()
                .add("XCLIENT", "NAME", "ADDR").build();
        Reply r = e.toReply("mx.example.org Hello");
        assertThat(r.toString()).isEqualTo("250-mx.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
                + "250-8BITMIME\r\n250-SMTPUTF8\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n"
                + "250-BINARYMIME\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-REQUIRETLS\r\n250 XCLIENT NAME ADDR\r\n");
        assertThat(r.status()).isEmpty();
        assertThat(Extensions.parse(r)).isEqualTo(e);
        Extensions less = e.toBuilder().remove("xclient").remove("STARTTLS").build();
        assertThat(less.startTls()).isFalse();
        assertThat(less.has("XCLIENT")).isFalse();
        assertThat(less).isNotEqualTo(e);
    }

    @Test
    void invalidKeywordsAreRefused() {
        assertThatThrownBy(() -> Extensions.builder().add("AUTH=PLAIN")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Extensions.builder().add("X", "a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Extensions.parse(Replies.SYNTAX_ERROR)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void orderIsPartOfTheValue() {
        Extensions a = Extensions.builder().dsn().chunking().build();
        Extensions b = Extensions.builder().chunking().dsn().build();
        assertThat(a).isNotEqualTo(b);
        assertThat(Extensions.builder().build()).isSameAs(Extensions.NONE);
    }
}
