package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CapturedMessageHeadersTest {

    static CapturedMessage.Headers parse(String message) {
        return CapturedMessage.Headers.parse(message.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("RFC 5322 §2.2.3: unfolding removes the line break and keeps the whitespace after it")
    void unfolding() {
        CapturedMessage.Headers h = parse("Subject: one\r\n two\r\n\tthree\r\n\r\nbody\r\n");
        assertThat(h.first("Subject")).hasValue("one two\tthree");
    }

    @Test
    @DisplayName("RFC 5322 §1.2.2: names compare without case; a repeated field keeps every value in order")
    void namesAndRepeats() {
        CapturedMessage.Headers h = parse("Received: one\r\nX-Tag: a\r\nRECEIVED: two\r\n\r\n");
        assertThat(h.all("received")).containsExactly("one", "two");
        assertThat(h.first("x-tag")).hasValue("a");
        assertThat(h.has("Subject")).isFalse();
        assertThat(h.first("Subject")).isEmpty();
        assertThat(h.fields()).extracting(CapturedMessage.Headers.Field::name).containsExactly("Received", "X-Tag", "RECEIVED");
    }

    @Test
    @DisplayName("The header section ends at the empty line; fields in the body are not headers")
    void endsAtEmptyLine() {
        CapturedMessage.Headers h = parse("Subject: s\r\n\r\nFrom: not a header\r\n");
        assertThat(h.has("From")).isFalse();
        assertThat(h.bodyOffset()).isEqualTo("Subject: s\r\n\r\n".length());
    }

    @Test
    void bareLineFeedsAndNoBody() {
        assertThat(parse("A: 1\nB:2\n").fields()).containsExactly(new CapturedMessage.Headers.Field("A", "1"),
                new CapturedMessage.Headers.Field("B", "2"));
        assertThat(parse("").fields()).isEmpty();
    }

    @Test
    @DisplayName("A line that is neither a field nor a continuation starts the body")
    void noHeaders() {
        CapturedMessage.Headers h = parse("just text\r\nSubject: no\r\n");
        assertThat(h.fields()).isEmpty();
        assertThat(h.bodyOffset()).isZero();
        assertThat(parse(" leading space: x\r\n").fields()).isEmpty();
    }

    @Test
    @DisplayName("RFC 6532 §3.2: UTF-8 in header values")
    void utf8() {
        assertThat(parse("Subject: Grüße\r\n\r\n").first("Subject")).hasValue("Grüße");
    }

    @Test
    @DisplayName("RFC 2047: B and Q encoded-words decode; whitespace between adjacent words goes (§6.2)")
    void encodedWords() {
        assertThat(CapturedMessage.Headers.decode("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus?= =?UTF-8?B?ZGVtIFRlc3Q=?="))
                .isEqualTo("Grüße ausdem Test");
        assertThat(CapturedMessage.Headers.decode("Re: =?ISO-8859-1?Q?caf=E9?= ok")).isEqualTo("Re: café ok");
        assertThat(CapturedMessage.Headers.decode("=?utf-8*en?q?hi?=")).isEqualTo("hi");
        assertThat(CapturedMessage.Headers.decode("plain")).isEqualTo("plain");
        assertThat(CapturedMessage.Headers.decode("=?no-such-charset?Q?x?=")).isEqualTo("=?no-such-charset?Q?x?=");
        assertThat(CapturedMessage.Headers.decode("=?UTF-8?Q?bad=Z?=")).isEqualTo("=?UTF-8?Q?bad=Z?=");
    }

    @Test
    void equalityAndText() {
        assertThat(parse("A: 1\r\n\r\n")).isEqualTo(parse("A:   1  \r\n\r\nbody")).hasSameHashCodeAs(parse("A: 1\r\n"));
        assertThat(parse("A: 1\r\n b\r\n")).hasToString("A: 1 b\n");
    }
}
