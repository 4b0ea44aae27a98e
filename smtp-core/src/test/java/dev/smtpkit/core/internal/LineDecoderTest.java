package dev.smtpkit.core.internal;

import static dev.smtpkit.core.internal.Wire.buffer;
import static dev.smtpkit.core.internal.Wire.bytes;
import static dev.smtpkit.core.internal.Wire.repeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.internal.LineDecoder.Line;
import dev.smtpkit.core.internal.LineDecoder.LineTooLong;
import dev.smtpkit.core.internal.LineDecoder.NeedMoreInput;
import dev.smtpkit.core.internal.LineDecoder.Result;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LineDecoderTest {

    /** Decodes {@code wire} fed in pieces of {@code chunk} octets; returns every result but NeedMoreInput. */
    static List<Result> decode(LineDecoder d, String wire, int chunk) {
        byte[] all = bytes(wire);
        List<Result> results = new ArrayList<>();
        for (int from = 0; from < all.length; from += chunk) {
            ByteBuffer in = ByteBuffer.wrap(all, from, Math.min(chunk, all.length - from));
            Result r;
            while ((r = d.decode(in)) != NeedMoreInput.INSTANCE) {
                results.add(r);
            }
            assertThat(in.hasRemaining()).isFalse();
        }
        return results;
    }

    static Line line(String s) {
        return Line.of(bytes(s));
    }

    @Test
    @DisplayName("RFC 5321 §2.3.8: CRLF ends a line and is not part of it")
    void splitsAtCrlf() {
        assertThat(decode(new LineDecoder(512), "EHLO a\r\nMAIL FROM:<>\r\n\r\nQUIT\r\n", 1000))
                .containsExactly(line("EHLO a"), line("MAIL FROM:<>"), line(""), line("QUIT"));
    }

    @Test
    void stopsAtTheLineEndAndLeavesTheRestInTheBuffer() {
        LineDecoder d = new LineDecoder(512);
        ByteBuffer in = buffer("DATA\r\nSubject: x\r\n");
        assertThat(d.decode(in)).isEqualTo(line("DATA"));
        assertThat(in.position()).isEqualTo(6);
    }

    @Test
    void aLineSplitIntoOneOctetChunksComesOutWhole() {
        String wire = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n";
        for (int chunk = 1; chunk <= wire.length(); chunk++) {
            assertThat(decode(new LineDecoder(512), wire, chunk))
                    .as("chunk %d", chunk)
                    .containsExactly(line("MAIL FROM:<a@b>"), line("RCPT TO:<c@d>"));
        }
    }

    @Test
    void needsMoreInputUntilTheLineEnds() {
        LineDecoder d = new LineDecoder(512);
        assertThat(d.decode(buffer("NOOP"))).isSameAs(NeedMoreInput.INSTANCE);
        assertThat(d.decode(buffer("\r"))).isSameAs(NeedMoreInput.INSTANCE);
        assertThat(d.decode(buffer(""))).isSameAs(NeedMoreInput.INSTANCE);
        assertThat(d.decode(buffer("\n"))).isEqualTo(line("NOOP"));
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.4: a command line of 512 octets including CRLF is accepted")
    void aLineExactlyAtTheLimitIsAccepted() {
        String ok = repeat('a', 510);
        for (int chunk : new int[] {1, 7, 511, 512, 1000}) {
            assertThat(decode(new LineDecoder(512), ok + "\r\n", chunk)).as("chunk %d", chunk).containsExactly(line(ok));
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.4: a command line of 513 octets including CRLF is too long")
    void aLineOneOverTheLimitIsTooLong() {
        String tooLong = repeat('a', 511);
        for (int chunk : new int[] {1, 7, 511, 512, 513, 1000}) {
            assertThat(decode(new LineDecoder(512), tooLong + "\r\nQUIT\r\n", chunk))
                    .as("chunk %d", chunk)
                    .containsExactly(new LineTooLong(512), line("QUIT"));
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.4: after a too-long line the decoder resynchronises at the next CRLF")
    void resynchronisesAfterATooLongLine() {
        LineDecoder d = new LineDecoder(16);
        ByteBuffer in = buffer(repeat('x', 100));
        assertThat(d.decode(in)).isSameAs(NeedMoreInput.INSTANCE);
        assertThat(in.hasRemaining()).isFalse();
        assertThat(d.decode(buffer(repeat('y', 100) + "\r"))).isSameAs(NeedMoreInput.INSTANCE);
        ByteBuffer rest = buffer("\nNOOP\r\n");
        assertThat(d.decode(rest)).isEqualTo(new LineTooLong(16));
        assertThat(d.decode(rest)).isEqualTo(line("NOOP"));
        assertThat(d.decode(rest)).isSameAs(NeedMoreInput.INSTANCE);
    }

    @Test
    void aTooLongLineIsReportedOnceEvenWhenItEndsInTheSameBuffer() {
        assertThat(decode(new LineDecoder(16), repeat('z', 40) + "\r\n" + repeat('z', 14) + "\r\n", 1000))
                .containsExactly(new LineTooLong(16), line(repeat('z', 14)));
    }

    @Test
    @DisplayName("RFC 5321 §2.3.8: under CRLF_ONLY a bare LF is part of the line, for the parser to reject")
    void bareLfIsPartOfTheLineUnderCrlfOnly() {
        assertThat(decode(new LineDecoder(512), "NOOP\nQUIT\r\n", 1000)).containsExactly(line("NOOP\nQUIT"));
    }

    @Test
    void bareLfEndsALineUnderCrlfOrLf() {
        LineDecoder d = new LineDecoder(512, LineEndingPolicy.CRLF_OR_LF);
        assertThat(decode(d, "NOOP\nQUIT\r\nRSET\n", 1)).containsExactly(line("NOOP"), line("QUIT"), line("RSET"));
    }

    @Test
    @DisplayName("RFC 5321 §2.3.8: a bare CR never ends a line")
    void bareCrIsPartOfTheLine() {
        for (LineEndingPolicy policy : LineEndingPolicy.values()) {
            assertThat(decode(new LineDecoder(512, policy), "NO\rOP\r\r\n", 1))
                    .containsExactly(line("NO\rOP\r"));
        }
    }

    @Test
    void theLimitCountsALineEndAsTwoOctetsUnderEitherPolicy() {
        LineDecoder d = new LineDecoder(8, LineEndingPolicy.CRLF_OR_LF);
        assertThat(decode(d, "123456\n1234567\n", 3)).containsExactly(line("123456"), new LineTooLong(8));
    }

    @Test
    void aBareLfCountsTowardsTheLimitUnderCrlfOnly() {
        assertThat(decode(new LineDecoder(8), "12\n3456\r\n12\n34\r\n", 1000))
                .containsExactly(new LineTooLong(8), line("12\n34"));
    }

    @Test
    @DisplayName("RFC 4954 §4: the limit can be raised for an AUTH response and lowered again")
    void theLimitChangesBetweenLines() {
        LineDecoder d = new LineDecoder(512);
        String sasl = repeat('Q', 12000);
        ByteBuffer in = buffer(sasl + "\r\n" + repeat('a', 600) + "\r\n");
        d.maxLineLength(12288);
        assertThat(d.decode(in)).isEqualTo(line(sasl));
        d.maxLineLength(512);
        assertThat(d.decode(in)).isEqualTo(new LineTooLong(512));
        assertThat(d.maxLineLength()).isEqualTo(512);
    }

    @Test
    void loweringTheLimitInTheMiddleOfALineAppliesToThatLine() {
        LineDecoder d = new LineDecoder(512);
        assertThat(d.decode(buffer(repeat('a', 100)))).isSameAs(NeedMoreInput.INSTANCE);
        d.maxLineLength(50);
        assertThat(d.decode(buffer("b\r\nNOOP\r\n"))).isEqualTo(new LineTooLong(50));
        assertThat(d.capacity()).isLessThanOrEqualTo(48);
    }

    @Test
    void holdsNoMoreThanTheLimitWhateverItIsFed() {
        LineDecoder d = new LineDecoder(512);
        byte[] chunk = bytes(repeat('x', 8192));
        for (int i = 0; i < 1280; i++) { // 10 MiB without a line end
            assertThat(d.decode(ByteBuffer.wrap(chunk))).isSameAs(NeedMoreInput.INSTANCE);
            assertThat(d.capacity()).isLessThanOrEqualTo(510);
        }
        assertThat(d.decode(buffer("\r\n"))).isEqualTo(new LineTooLong(512));
    }

    @Test
    void readsDirectAndReadOnlyBuffersAlike() {
        byte[] wire = bytes("EHLO a\r\nQUIT\r\n");
        ByteBuffer direct = ByteBuffer.allocateDirect(wire.length).put(wire).flip();
        ByteBuffer readOnly = ByteBuffer.wrap(wire).asReadOnlyBuffer();
        for (ByteBuffer in : List.of(direct, readOnly)) {
            LineDecoder d = new LineDecoder(512);
            assertThat(d.decode(in)).isEqualTo(line("EHLO a"));
            assertThat(d.decode(in)).isEqualTo(line("QUIT"));
            assertThat(d.decode(in)).isSameAs(NeedMoreInput.INSTANCE);
        }
    }

    @Test
    void readsABufferThatIsASliceOfALargerArray() {
        ByteBuffer in = ByteBuffer.wrap(bytes("xxEHLO a\r\nyy"), 2, 8).slice();
        assertThat(new LineDecoder(512).decode(in)).isEqualTo(line("EHLO a"));
    }

    @Test
    void resetForgetsAPartLine() {
        LineDecoder d = new LineDecoder(512);
        d.decode(buffer("EHLO junk\r"));
        d.reset();
        assertThat(d.decode(buffer("\nEHLO a\r\n"))).isEqualTo(line("\nEHLO a"));
    }

    @Test
    void aLineDecodesAsUtf8WithoutFailingOnMalformedOctets() {
        Line utf8 = Line.of("MAIL FROM:<j\u00f6rg@example.org>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(utf8.asString()).isEqualTo("MAIL FROM:<j\u00f6rg@example.org>");
        assertThat(utf8.isAscii()).isFalse();
        Line malformed = Line.of(new byte[] {'A', (byte) 0xC3, 'B', (byte) 0xFF});
        assertThat(malformed.asString()).isEqualTo("A\uFFFDB\uFFFD");
        assertThat(line("QUIT").isAscii()).isTrue();
        assertThat(line("A\r\u00ff").toString()).isEqualTo("Line[A\\x0D\\xFF]");
    }

    @Test
    void aLineIsAValueThatCannotBeChangedFromOutside() {
        byte[] raw = bytes("NOOP");
        Line l = Line.of(raw);
        raw[0] = 'X';
        l.bytes()[1] = 'X';
        assertThat(l).isEqualTo(line("NOOP")).hasSameHashCodeAs(line("NOOP"));
        assertThat(l.length()).isEqualTo(4);
    }

    @Test
    void misuseIsRefusedNamingTheArgument() {
        assertThatThrownBy(() -> new LineDecoder(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLineLength");
        assertThatThrownBy(() -> new LineDecoder(512, null)).hasMessageContaining("policy");
        assertThatThrownBy(() -> new LineDecoder(512).decode(null)).hasMessageContaining("in");
    }

    @Test
    @DisplayName("RFC 3629 §10: asUtf8 decodes only well-formed UTF-8, and the text encodes back to the same octets")
    void asUtf8IsStrict() {
        byte[] good = "MAIL FROM:<j\u00f6ran@\u6d4b\u8bd5.example> \ud83d\ude00".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(Line.of(good).asUtf8()).hasValueSatisfying(
                s -> assertThat(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(good));
        assertThat(line("NOOP").asUtf8()).contains("NOOP");
        for (String hex : new String[] {"C0AF", "E080AF", "F08080AF", "80", "BF", "FF", "FE", "EDA080", "EDBFBF",
            "F4908080", "C3", "E282", "F09F98", "C3A9BF"}) {
            byte[] bad = java.util.HexFormat.of().parseHex("61" + hex + "62");
            assertThat(Line.of(bad).asUtf8()).as(hex).isEmpty();
            assertThat(Line.of(bad).asString()).as("asString still repairs " + hex).contains("\ufffd");
        }
    }
}
