package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplyTest {

    @Test
    @DisplayName("RFC 5321 §4.2: a one-line reply is code SP text CRLF")
    void oneLine() {
        Reply r = Reply.of(250, "OK");
        assertThat(r.toString()).isEqualTo("250 OK\r\n");
        assertThat(r.encode()).isEqualTo("250 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.status()).isEmpty();
        assertThat(r.lines()).containsExactly("OK");
    }

    @Test
    @DisplayName("RFC 5321 §4.2.1: every line but the last has a hyphen after the code")
    void multiLine() {
        Reply r = Reply.of(250, List.of("mx.example.org", "PIPELINING", "SIZE 100"));
        assertThat(r.toString()).isEqualTo("250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 100\r\n");
        assertThat(r.text()).isEqualTo("mx.example.org\nPIPELINING\nSIZE 100");
        assertThat(Reply.parse(r.toString())).isEqualTo(r);
    }

    @Test
    @DisplayName("RFC 2034 §4: the enhanced status is written on every line")
    void statusOnEveryLine() {
        Reply r = Reply.of(250, EnhancedStatus.of(2, 0, 0), List.of("a", "b"));
        assertThat(r.toString()).isEqualTo("250-2.0.0 a\r\n250 2.0.0 b\r\n");
        assertThat(Reply.parse("250-2.0.0 a\r\n250 2.0.0 b\r\n")).isEqualTo(r);
    }

    @Test
    @DisplayName("RFC 2034 §4: the status is read from the first line and removed from the others")
    void statusFromFirstLine() {
        Reply r = Reply.parse("550-5.7.1 one\r\n550 two\r\n");
        assertThat(r.status()).contains(EnhancedStatus.of(5, 7, 1));
        assertThat(r.lines()).containsExactly("one", "two");
    }

    @Test
    @DisplayName("RFC 3463 §2: a status whose class is not the code's first digit is text")
    void mismatchedStatusIsText() {
        Reply r = Reply.parse("250 5.0.0 odd");
        assertThat(r.status()).isEmpty();
        assertThat(r.lines()).containsExactly("5.0.0 odd");
        assertThatThrownBy(() -> Reply.of(250, EnhancedStatus.of(5, 0, 0), "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void textThatLooksLikeAStatusMustBeGivenAsOne() {
        assertThatThrownBy(() -> Reply.of(250, "2.0.0 OK")).hasMessageContaining("give it as the status");
        assertThat(Reply.of(250, EnhancedStatus.of(2, 0, 0), "2.0.0 x").toString())
                .isEqualTo("250 2.0.0 2.0.0 x\r\n");
        assertThat(Reply.parse("250 2.0.0 2.0.0 x").lines()).containsExactly("2.0.0 x");
    }

    @Test
    void trailingCrlfIsOptionalAndBareLfIsALineEnd() {
        assertThat(Reply.parse("250 OK")).isEqualTo(Reply.of(250, "OK"));
        assertThat(Reply.parse("250-a\n250 b\n")).isEqualTo(Reply.of(250, List.of("a", "b")));
        assertThat(Reply.parse("250")).isEqualTo(Reply.of(250, ""));
        assertThat(Reply.parse("250-\r\n250 x").lines()).containsExactly("", "x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "25", "250-a\r\n", "250-a\r\n251 b", "250 a\r\n250 b", "650 x", "150 x", "2x0 x",
            "250_x", "250 a\rb", "250 a\r\n\r\n", "abc"})
    @DisplayName("RFC 5321 §4.2: malformed replies are refused")
    void malformed(String wire) {
        assertThatThrownBy(() -> Reply.parse(wire))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.MALFORMED_REPLY);
    }

    @Test
    @DisplayName("RFC 5321 §4.2.1: the first digit says success, intermediate, transient or permanent")
    void predicates() {
        assertThat(Reply.of(250, "x").isPositiveCompletion()).isTrue();
        assertThat(Reply.of(354, "x").isPositiveIntermediate()).isTrue();
        assertThat(Reply.of(451, "x").isTransientFailure()).isTrue();
        assertThat(Reply.of(451, "x").isFailure()).isTrue();
        assertThat(Reply.of(554, "x").isPermanentFailure()).isTrue();
        assertThat(Reply.of(554, "x").isFailure()).isTrue();
        assertThat(Reply.of(250, "x").isFailure()).isFalse();
        assertThat(Reply.of(354, "x").isFailure()).isFalse();
    }

    @Test
    void invalidValuesAreRefused() {
        assertThatThrownBy(() -> Reply.of(199, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reply.of(600, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reply.of(250, "a\r\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reply.of(250, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reply.of(250, (String) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void equalWireTextMeansEqualValues() {
        Reply a = Reply.parse("250 2.1.0 Sender OK");
        assertThat(a).isEqualTo(Replies.SENDER_OK).hasSameHashCodeAs(Replies.SENDER_OK);
        assertThat(a.withText("Fine")).isEqualTo(Reply.of(250, EnhancedStatus.of(2, 1, 0), "Fine"));
    }

    @Test
    @DisplayName("Issue 17, RFC 2034 §4: linesWithStatus and firstLine keep the enhanced status that lines() leaves out")
    void linesWithStatusKeepTheEnhancedCode() {
        Reply r = Reply.parse("550-5.1.1 no such user\r\n550 5.1.1 try another\r\n");
        assertThat(r.lines()).containsExactly("no such user", "try another");
        assertThat(r.linesWithStatus()).containsExactly("5.1.1 no such user", "5.1.1 try another");
        assertThat(r.firstLine()).isEqualTo("550 5.1.1 no such user");
        Reply plain = Reply.of(250, "ok");
        assertThat(plain.linesWithStatus()).containsExactly("ok");
        assertThat(plain.firstLine()).isEqualTo("250 ok");
    }

    @Test
    @DisplayName("RFC 4954 §4: an empty challenge is written \"334 \" with its space")
    void emptyChallengeKeepsItsSpace() {
        Reply r = Reply.of(334, "");
        assertThat(r.toString()).isEqualTo("334 \r\n");
        assertThat(Reply.parse("334 \r\n")).isEqualTo(r);
        assertThat(Reply.parse("334\r\n")).isEqualTo(r);
    }
}
