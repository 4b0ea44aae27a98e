package dev.smtpkit.core.internal;

import static dev.smtpkit.core.internal.Wire.buffer;
import static dev.smtpkit.core.internal.Wire.bytes;
import static dev.smtpkit.core.internal.Wire.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DotStufferTest {

    static String encode(String content) {
        return text(DotStuffer.encodeAll(bytes(content)));
    }

    /** Encodes the content fed in chunks of {@code chunk} octets through an output of {@code outSize}. */
    static String encode(DotStuffer s, String content, int chunk, int outSize) {
        byte[] all = bytes(content);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(outSize);
        for (int from = 0; from < all.length; from += chunk) {
            ByteBuffer in = ByteBuffer.wrap(all, from, Math.min(chunk, all.length - from));
            while (in.hasRemaining()) {
                s.encode(in, out);
                wire.write(out.array(), 0, out.position());
                out.clear();
            }
        }
        boolean done;
        do {
            done = s.finish(out);
            wire.write(out.array(), 0, out.position());
            out.clear();
        } while (!done);
        return text(wire.toByteArray());
    }

    @Test
    @DisplayName("RFC 5321 §4.5.2: a line starting with a dot gets a second one")
    void leadingDotsAreDoubled() {
        assertThat(encode(".\r\n..x\r\na.b\r\n.\r\n")).isEqualTo("..\r\n...x\r\na.b\r\n..\r\n.\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.4: an empty content is just the end-of-data indication")
    void emptyContent() {
        assertThat(encode("")).isEqualTo(".\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.4: content without a final line end gets a CRLF before the dot")
    void missingFinalCrlfIsAdded() {
        assertThat(encode("body")).isEqualTo("body\r\n.\r\n");
        assertThat(encode("body\r\n")).isEqualTo("body\r\n.\r\n");
        assertThat(encode(".")).isEqualTo("..\r\n.\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §2.3.8: bare LF and bare CR are sent as CRLF")
    void bareLineEndsAreNormalised() {
        assertThat(encode("a\nb\rc\r\n\n.\r.\n")).isEqualTo("a\r\nb\r\nc\r\n\r\n..\r\n..\r\n.\r\n");
        assertThat(encode("a\r")).isEqualTo("a\r\n.\r\n");
        assertThat(encode("\r\r\n")).isEqualTo("\r\n\r\n.\r\n");
    }

    @Test
    @DisplayName("CVE-2023-51764: content that looks like a bare-LF end of data cannot end the data")
    void smugglingAttemptsAreDefused() {
        String wire = encode("x\n.\nMAIL FROM:<a@b>\r\n");
        assertThat(wire).isEqualTo("x\r\n..\r\nMAIL FROM:<a@b>\r\n.\r\n");
        assertThat(wire.indexOf("\r\n.\r\n")).isEqualTo(wire.length() - 5);
    }

    @Test
    void aCrAtTheEndOfOneChunkAndAnLfAtTheStartOfTheNextAreOneCrlf() {
        String content = "a\r\n.b\r\n\r\n";
        String expected = "a\r\n..b\r\n\r\n.\r\n";
        for (int chunk = 1; chunk <= content.length(); chunk++) {
            for (int outSize = 1; outSize <= 4; outSize++) {
                assertThat(encode(new DotStuffer(), content, chunk, outSize)).as("chunk %d out %d", chunk, outSize)
                        .isEqualTo(expected);
                assertThat(encode(new DotStuffer(false), content, chunk, outSize))
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    @DisplayName("RFC 3030 §2: BDAT content gets CRLF line ends, but no doubled dot and no end-of-data indication")
    void lineEndsOnlyForBdat() {
        String content = ".a\nb\r\n.\rc";
        for (int chunk = 1; chunk <= content.length(); chunk++) {
            for (int outSize = 1; outSize <= 4; outSize++) {
                assertThat(encode(DotStuffer.lineEndsOnly(true), content, chunk, outSize)).as("chunk %d out %d", chunk, outSize)
                        .isEqualTo(".a\r\nb\r\n.\r\nc");
            }
        }
        assertThat(encode(DotStuffer.lineEndsOnly(true), "", 1, 1)).isEmpty();
        assertThat(encode(DotStuffer.lineEndsOnly(false), ".a\r\n", 2, 2)).isEqualTo(".a\r\n");
        assertThatThrownBy(() -> encode(DotStuffer.lineEndsOnly(false), "a\r\nb\n", 100, 100))
                .hasMessageContaining("bare LF at content offset 4");
        assertThatThrownBy(() -> encode(DotStuffer.lineEndsOnly(false), "a\r", 100, 100))
                .hasMessageContaining("bare CR at content offset 1");
    }

    @Test
    void rejectRefusesABareLfNamingItsOffset() {
        DotStuffer s = new DotStuffer(false);
        assertThatThrownBy(() -> s.encode(buffer("ab\r\ncd\nef"), ByteBuffer.allocate(100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bare LF at content offset 6")
                .hasMessageContaining("normalizeLineEndings");
    }

    @Test
    void rejectRefusesABareCrEvenAcrossChunks() {
        DotStuffer s = new DotStuffer(false);
        ByteBuffer out = ByteBuffer.allocate(100);
        s.encode(buffer("abc\r"), out);
        assertThatThrownBy(() -> s.encode(buffer("x"), out)).hasMessageContaining("bare CR at content offset 3");
        DotStuffer atEnd = new DotStuffer(false);
        atEnd.encode(buffer("abc\r"), out);
        assertThatThrownBy(() -> atEnd.finish(out)).hasMessageContaining("bare CR at content offset 3");
    }

    @Test
    @DisplayName("RFC 6152: eight-bit content is noticed, so it is not sent to a server without 8BITMIME")
    void eightBitDetection() {
        DotStuffer s = new DotStuffer();
        ByteBuffer out = ByteBuffer.allocate(100);
        s.encode(buffer("plain ascii\r\n"), out);
        assertThat(s.sawEightBit()).isFalse();
        s.encode(buffer("gr\u00fc\u00dfe\r\n"), out);
        assertThat(s.sawEightBit()).isTrue();
        s.reset();
        assertThat(s.sawEightBit()).isFalse();
        s.encode(buffer("\u0080"), out);
        assertThat(s.sawEightBit()).isTrue();
    }

    @Test
    void aFullOutputStopsEncodingWithoutLosingAnything() {
        DotStuffer s = new DotStuffer();
        ByteBuffer in = buffer(".abc");
        ByteBuffer out = ByteBuffer.allocate(1);
        s.encode(in, out);
        assertThat(text(out)).isEqualTo(".");
        assertThat(in.position()).isEqualTo(1);
        out.clear();
        s.encode(in, out);
        assertThat(text(out)).as("the second dot of the pair").isEqualTo(".");
    }

    @Test
    void finishNeedsRepeatedCallsWhenTheOutputIsSmall() {
        DotStuffer s = new DotStuffer();
        s.encode(buffer("x"), ByteBuffer.allocate(1));
        ByteBuffer out = ByteBuffer.allocate(2);
        assertThat(s.finish(out)).isFalse();
        assertThat(text(out)).isEqualTo("\r\n");
        out.clear();
        assertThat(s.finish(out)).isFalse();
        out.clear();
        assertThat(s.finish(out)).isTrue();
        assertThat(text(out)).isEqualTo("\n");
        assertThatThrownBy(() -> s.encode(buffer("y"), ByteBuffer.allocate(4)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("reset()");
    }

    @Test
    void resetReadiesTheStufferForTheNextMessage() {
        DotStuffer s = new DotStuffer();
        assertThat(encode(s, "abc", 10, 10)).isEqualTo("abc\r\n.\r\n");
        s.reset();
        assertThat(encode(s, ".x", 10, 10)).isEqualTo("..x\r\n.\r\n");
    }

    @Test
    void readsAndWritesDirectBuffers() {
        ByteBuffer in = ByteBuffer.allocateDirect(6).put(bytes(".a\nb\r\n")).flip();
        ByteBuffer out = ByteBuffer.allocateDirect(32);
        DotStuffer s = new DotStuffer();
        s.encode(in, out);
        assertThat(s.finish(out)).isTrue();
        assertThat(text(out)).isEqualTo("..a\r\nb\r\n.\r\n");
    }

    @Test
    void misuseIsRefusedNamingTheArgument() {
        assertThatThrownBy(() -> new DotStuffer().encode(null, ByteBuffer.allocate(1))).hasMessageContaining("in");
        assertThatThrownBy(() -> DotStuffer.encodeAll(null)).hasMessageContaining("content");
        assertThat(new DotStuffer().normalizes()).isTrue();
    }
}
