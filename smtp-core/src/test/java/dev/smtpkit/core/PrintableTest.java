package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PrintableTest {

    @Test
    @DisplayName("issue 17: CR, LF, ESC, NUL, DEL and C1 controls are escaped, so a peer cannot forge a log line")
    void escapesEveryControlCharacter() {
        assertThat(Printable.escape("MAIL FROM:<a@x>\r\n2026 INFO forged\u001b[2J\u0000\u007f\u0085\u2028"))
                .isEqualTo("MAIL FROM:<a@x>\\r\\n2026 INFO forged\\x1B[2J\\x00\\x7F\\u0085\\u2028");
        assertThat(Printable.escape("tab\there")).isEqualTo("tab\\there");
    }

    @Test
    void keepsPrintableTextAndUnicodeAsItIs() {
        assertThat(Printable.escape("EHLO müller.example \uD83D\uDE00")).isEqualTo("EHLO müller.example \uD83D\uDE00");
        assertThat(Printable.hasControl("EHLO müller.example")).isFalse();
        assertThat(Printable.hasControl("a\\b")).isFalse();
        assertThat(Printable.hasControl("a\u001bb")).isTrue();
    }

    @Test
    void aBackslashIsDoubledSoAnEscapeCannotBeForged() {
        assertThat(Printable.escape("a\\nb")).isEqualTo("a\\\\nb");
        assertThat(Printable.unescape(Printable.escape("a\\nb"))).isEqualTo("a\\nb");
    }

    @Test
    @DisplayName("issue 17: octets that are not UTF-8 survive decode, escape, unescape and encode")
    void nonUtf8OctetsSurviveTheRoundTrip() {
        byte[] octets = {'a', (byte) 0xE9, 'b', (byte) 0xFF, '\n', (byte) 0xC3, (byte) 0xA9};
        String text = Printable.decode(octets, 0, octets.length);
        assertThat(Printable.escape(text)).isEqualTo("a\\xE9b\\xFF\\né");
        assertThat(Printable.encode(Printable.unescape(Printable.escape(text)))).containsExactly(octets);
        assertThat(Printable.escape(octets)).isEqualTo("a\\xE9b\\xFF\\né");
    }

    @Test
    void loneSurrogatesAreEscapedAndValidPairsKept() {
        assertThat(Printable.escape("\uD800x")).isEqualTo("\\uD800x");
        assertThat(Printable.encode("\uD83D\uDE00")).containsExactly(0xF0, 0x9F, 0x98, 0x80);
    }

    @Test
    void unescapeNamesWhatIsWrong() {
        assertThatThrownBy(() -> Printable.unescape("a\\q")).hasMessageContaining("unknown escape \\q at offset 1");
        assertThatThrownBy(() -> Printable.unescape("a\\x4")).hasMessageContaining("incomplete escape");
        assertThatThrownBy(() -> Printable.unescape("a\\")).hasMessageContaining("lone backslash");
        assertThatThrownBy(() -> Printable.unescape("\\xZZ")).hasMessageContaining("not a hex digit");
    }

    @Test
    @DisplayName("issue 17: the AUTH initial response is hidden whatever the whitespace and case")
    void redactsAuthWithAnyWhitespace() {
        assertThat(Printable.redactAuth("AUTH PLAIN c2VjcmV0")).isEqualTo("AUTH PLAIN <redacted>");
        assertThat(Printable.redactAuth("AUTH\tPLAIN c2VjcmV0")).isEqualTo("AUTH\tPLAIN <redacted>");
        assertThat(Printable.redactAuth(" auth  login\tc2VjcmV0")).isEqualTo(" auth  login <redacted>");
        assertThat(Printable.redactAuth("AUTH LOGIN")).isEqualTo("AUTH LOGIN");
        assertThat(Printable.redactAuth("AUTHX PLAIN c2VjcmV0")).isEqualTo("AUTHX PLAIN c2VjcmV0");
        assertThat(Printable.redactAuth("MAIL FROM:<a@b>")).isEqualTo("MAIL FROM:<a@b>");
    }

    @Test
    @DisplayName("issue 17: durations in words, never PT3S")
    void durationsInWords() {
        assertThat(Printable.duration(java.time.Duration.ofSeconds(3))).isEqualTo("3 s");
        assertThat(Printable.duration(java.time.Duration.ofMillis(100))).isEqualTo("100 ms");
        assertThat(Printable.duration(java.time.Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Printable.duration(java.time.Duration.ofSeconds(150))).isEqualTo("2 min 30 s");
        assertThat(Printable.duration(java.time.Duration.ofMinutes(10))).isEqualTo("10 min");
        assertThat(Printable.duration(java.time.Duration.ofMinutes(65))).isEqualTo("1 h 5 min");
    }
}
