package dev.smtpkit.core.internal;

import static dev.smtpkit.core.internal.Wire.buffer;
import static dev.smtpkit.core.internal.Wire.bytes;
import static dev.smtpkit.core.internal.Wire.repeat;
import static dev.smtpkit.core.internal.Wire.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.internal.DataDecoder.Violation;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DataDecoderTest {

    /** What decoding a wire gave: the content, the offset just past the end (-1 if none) and the violation. */
    record Decoded(String content, int end, Optional<Violation> violation) {
    }

    static DataDecoder strict() {
        return new DataDecoder(1000, true, true);
    }

    static DataDecoder lenient() {
        return new DataDecoder(1000, false, false);
    }

    /** Feeds {@code wire} in chunks of {@code chunk} octets through an output buffer of {@code outSize} octets. */
    static Decoded decode(DataDecoder d, String wire, int chunk, int outSize) {
        byte[] all = bytes(wire);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(outSize);
        for (int from = 0; from < all.length; from += chunk) {
            ByteBuffer in = ByteBuffer.wrap(all, from, Math.min(chunk, all.length - from));
            while (true) {
                DecodeStatus s = d.decode(in, out);
                content.write(out.array(), 0, out.position());
                out.clear();
                if (s == DecodeStatus.END) {
                    return new Decoded(text(content.toByteArray()), in.position(), d.violation());
                }
                if (s == DecodeStatus.UNDERFLOW) {
                    assertThat(in.hasRemaining()).isFalse();
                    break;
                }
            }
        }
        return new Decoded(text(content.toByteArray()), -1, d.violation());
    }

    static Decoded decode(DataDecoder d, String wire) {
        return decode(d, wire, Integer.MAX_VALUE, 1 << 16);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.4: a lone . CRLF at the start is an empty message")
    void emptyMessage() {
        Decoded r = decode(strict(), ".\r\nQUIT\r\n");
        assertThat(r).isEqualTo(new Decoded("", 3, Optional.empty()));
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.4: the CRLF before the final dot is the content's last line end")
    void theCrlfBeforeTheDotBelongsToTheContent() {
        assertThat(decode(strict(), "Subject: x\r\n\r\nbody\r\n.\r\n"))
                .isEqualTo(new Decoded("Subject: x\r\n\r\nbody\r\n", 23, Optional.empty()));
        assertThat(decode(strict(), "\r\n.\r\n").content()).isEqualTo("\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §4.5.2: the first dot of a line is removed")
    void dotUnstuffing() {
        assertThat(decode(strict(), "..\r\n..x\r\n...\r\na.b\r\n.x\r\n.\r\n").content())
                .isEqualTo(".\r\n.x\r\n..\r\na.b\r\nx\r\n");
    }

    @Test
    @DisplayName("RFC 2920: END stops at the end of data and leaves the pipelined command in the buffer")
    void theNextCommandStaysInTheBuffer() {
        DataDecoder d = strict();
        ByteBuffer in = buffer("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        ByteBuffer out = ByteBuffer.allocate(100);
        assertThat(d.decode(in, out)).isEqualTo(DecodeStatus.END);
        assertThat(text(out)).isEqualTo("Subject: x\r\n\r\nbody\r\n");
        assertThat(new LineDecoder(512).decode(in)).isEqualTo(LineDecoder.Line.of(bytes("QUIT")));
        assertThat(d.decode(in, out)).as("stays ended until reset").isEqualTo(DecodeStatus.END);
        assertThat(d.ended()).isTrue();
        assertThat(d.contentLength()).isEqualTo(20);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.4: the terminator split at every position gives the same result")
    void terminatorSplitAtEveryPosition() {
        String wire = "a\r\n..b\r\n.\r\nQUIT\r\n";
        for (int cut = 0; cut <= wire.length(); cut++) {
            DataDecoder d = strict();
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            ByteBuffer out = ByteBuffer.allocate(64);
            ByteBuffer first = buffer(wire.substring(0, cut));
            assertThat(d.decode(first, out)).as("cut %d", cut)
                    .isEqualTo(cut >= 11 ? DecodeStatus.END : DecodeStatus.UNDERFLOW);
            if (cut < 11) {
                ByteBuffer second = buffer(wire.substring(cut));
                assertThat(d.decode(second, out)).isEqualTo(DecodeStatus.END);
                assertThat(second.position()).as("cut %d", cut).isEqualTo(11 - cut);
            } else {
                assertThat(first.position()).isEqualTo(11);
            }
            assertThat(text(out)).as("cut %d", cut).isEqualTo("a\r\n.b\r\n");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\n", "\n.\r\r\n"})
    @DisplayName("CVE-2023-51764: a bare-LF or bare-CR end of data is content under ACCEPT")
    void smugglingIsContentUnderAccept(String fake) {
        String smuggled = "MAIL FROM:<x@y>\r\n";
        String wire = "Subject: hi\r\n\r\nbody" + fake + smuggled + "\r\n.\r\nQUIT\r\n";
        for (int chunk : new int[] {1, 2, 3, 5, 1000}) {
            Decoded r = decode(lenient(), wire, chunk, 7);
            assertThat(r.end()).as("chunk %d", chunk).isEqualTo(wire.length() - "QUIT\r\n".length());
            assertThat(r.content()).as("chunk %d", chunk).contains(smuggled).endsWith(smuggled + "\r\n");
            assertThat(r.violation()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r\n.\n"})
    @DisplayName("CVE-2023-51764: a bare LF in data is recorded under REJECT and the data read to its real end")
    void bareLfSmugglingIsAViolationUnderReject(String fake) {
        String wire = "body" + fake + "MAIL FROM:<x@y>\r\n\r\n.\r\nQUIT\r\n";
        Decoded r = decode(strict(), wire, 3, 5);
        assertThat(r.end()).isEqualTo(wire.length() - 6);
        assertThat(r.violation()).contains(Violation.BARE_LF);
        assertThat(r.content()).as("same content as under ACCEPT").isEqualTo(decode(lenient(), wire).content());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\r.\r\n", "\r\n.\rX", "\r.\r"})
    @DisplayName("CVE-2023-51765: a bare CR in data is recorded under REJECT and never ends the data")
    void bareCrSmugglingIsAViolationUnderReject(String fake) {
        String wire = "body" + fake + "MAIL FROM:<x@y>\r\n\r\n.\r\nQUIT\r\n";
        for (int chunk : new int[] {1, 4, 1000}) {
            Decoded r = decode(strict(), wire, chunk, 3);
            assertThat(r.end()).isEqualTo(wire.length() - 6);
            assertThat(r.violation()).contains(Violation.BARE_CR);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.5.2: a leading dot before a bare line end is removed like any other, and the bare octet kept")
    void aDotBeforeABareLineEndIsRemoved() {
        assertThat(decode(lenient(), "a\r\n.\nb\r\n.\r\n").content()).isEqualTo("a\r\n\nb\r\n");
        assertThat(decode(lenient(), "a\r\n.\rb\r\n.\r\n").content()).isEqualTo("a\r\n\rb\r\n");
        assertThat(decode(lenient(), ".\r\r\n.\r\n").content()).isEqualTo("\r\r\n");
        assertThat(decode(lenient(), "a\n..\r\n.\r\n").content()).as("a dot after a bare LF is not at a line start")
                .isEqualTo("a\n..\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §2.3.8: the first violation is the one recorded")
    void theFirstViolationWins() {
        assertThat(decode(strict(), "a\rb\nc\r\n.\r\n").violation()).contains(Violation.BARE_CR);
        assertThat(decode(strict(), "a\nb\rc\r\n.\r\n").violation()).contains(Violation.BARE_LF);
        assertThat(decode(strict(), "a\rb\r\n.\r\n", 1, 1).violation()).contains(Violation.BARE_CR);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.6: a text line of 1000 octets including CRLF is accepted, 1001 is too long")
    void longLines() {
        String ok = repeat('a', 998) + "\r\n";
        String tooLong = repeat('a', 999) + "\r\n";
        assertThat(decode(strict(), ok + ".\r\n", 7, 13).violation()).isEmpty();
        Decoded r = decode(strict(), ok + tooLong + ".\r\nQUIT\r\n", 7, 13);
        assertThat(r.violation()).contains(Violation.LINE_TOO_LONG);
        assertThat(r.content()).isEqualTo(ok + tooLong);
        assertThat(r.end()).isEqualTo(ok.length() + tooLong.length() + 3);
        assertThat(decode(lenient(), ok + tooLong + ".\r\n").violation()).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.6: the transparency dot does not count towards the line length")
    void theTransparencyDotIsNotCounted() {
        assertThat(decode(strict(), "." + repeat('.', 998) + "\r\n.\r\n").violation()).isEmpty();
        assertThat(decode(strict(), "." + repeat('.', 999) + "\r\n.\r\n").violation()).contains(Violation.LINE_TOO_LONG);
    }

    @Test
    void aBareLineEndCountsAsAnOctetOfTheLine() {
        DataDecoder d = new DataDecoder(6, false, true);
        assertThat(decode(d, "ab\ncd\r\n.\r\n").violation()).contains(Violation.LINE_TOO_LONG);
        d = new DataDecoder(6, false, true);
        assertThat(decode(d, "ab\nc\r\n.\r\n").violation()).isEmpty();
    }

    @Test
    void aTinyOutputBufferGivesTheSameResult() {
        String wire = "Subject: x\r\n\r\n..dots\r\nbare\rcr\r\nbare\nlf\r\n\r\n.\r\nQUIT\r\n";
        Decoded expected = decode(strict(), wire);
        for (int outSize = 1; outSize < 8; outSize++) {
            for (int chunk = 1; chunk < 8; chunk++) {
                assertThat(decode(strict(), wire, chunk, outSize)).as("chunk %d, out %d", chunk, outSize).isEqualTo(expected);
            }
        }
        assertThat(expected.content()).isEqualTo("Subject: x\r\n\r\n.dots\r\nbare\rcr\r\nbare\nlf\r\n\r\n");
    }

    @Test
    void aFullOutputBufferStillLetsTheEndBeRead() {
        DataDecoder d = strict();
        ByteBuffer in = buffer("ab\r\n.\r\n");
        ByteBuffer out = ByteBuffer.allocate(4);
        assertThat(d.decode(in, out)).isEqualTo(DecodeStatus.END);
        assertThat(out.hasRemaining()).isFalse();
    }

    @Test
    void overflowLeavesTheInputWhereTheOutputStopped() {
        DataDecoder d = strict();
        ByteBuffer in = buffer("abcdef\r\n.\r\n");
        ByteBuffer out = ByteBuffer.allocate(4);
        assertThat(d.decode(in, out)).isEqualTo(DecodeStatus.OVERFLOW);
        assertThat(in.position()).isEqualTo(4);
        assertThat(d.contentLength()).isEqualTo(4);
    }

    @Test
    void skipReadsToTheEndWithoutOutput() {
        DataDecoder d = strict();
        ByteBuffer in = buffer("line one\r\n..two\n\r\n.\r\nQUIT\r\n");
        ByteBuffer out = ByteBuffer.allocate(4);
        assertThat(d.decode(in, out)).isEqualTo(DecodeStatus.OVERFLOW);
        assertThat(d.skip(buffer(""))).isEqualTo(DecodeStatus.UNDERFLOW);
        assertThat(d.skip(in)).isEqualTo(DecodeStatus.END);
        assertThat(in.position()).isEqualTo(21);
        assertThat(d.contentLength()).isEqualTo("line one\r\n.two\n\r\n".length());
        assertThat(d.violation()).contains(Violation.BARE_LF);
    }

    @Test
    void resetReadiesTheDecoderForTheNextMessage() {
        DataDecoder d = strict();
        assertThat(decode(d, "a\nb\r\n.\r\n").violation()).isPresent();
        d.reset();
        assertThat(d.ended()).isFalse();
        assertThat(d.contentLength()).isZero();
        assertThat(decode(d, ".x\r\n.\r\n")).isEqualTo(new Decoded("x\r\n", 7, Optional.empty()));
    }

    @Test
    void readsDirectAndReadOnlyBuffersAndWritesDirectOnes() {
        byte[] wire = bytes("a\r\n..b\rc\r\n.\r\nQUIT");
        ByteBuffer direct = ByteBuffer.allocateDirect(wire.length).put(wire).flip();
        for (ByteBuffer in : List.of(direct, ByteBuffer.wrap(wire).asReadOnlyBuffer())) {
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            assertThat(lenient().decode(in, out)).isEqualTo(DecodeStatus.END);
            assertThat(in.position()).isEqualTo(wire.length - 4);
            assertThat(text(out)).isEqualTo("a\r\n.b\rc\r\n");
        }
    }

    @Test
    void decodeAllDecodesAWholePayload() {
        assertThat(text(DataDecoder.decodeAll(bytes("..a\r\n.\r\n")))).isEqualTo(".a\r\n");
        assertThatThrownBy(() -> DataDecoder.decodeAll(bytes("a\r\n"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no end of data");
        assertThatThrownBy(() -> DataDecoder.decodeAll(bytes(".\r\nQUIT"))).hasMessageContaining("offset 3");
    }

    @Test
    void misuseIsRefusedNamingTheArgument() {
        assertThatThrownBy(() -> new DataDecoder(2, true, true))
                .hasMessageContaining("maxTextLine");
        assertThatThrownBy(() -> strict().decode(buffer(""), null)).hasMessageContaining("out");
        assertThatThrownBy(() -> strict().skip(null)).hasMessageContaining("in");
    }
}
