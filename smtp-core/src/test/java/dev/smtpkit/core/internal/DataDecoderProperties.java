package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.internal.DataDecoder.Violation;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class DataDecoderProperties {

    /** What decoding gave: the content, the offset just past the end (-1 if none), the violation, the count. */
    record Decoded(byte[] content, int end, Optional<Violation> violation, long contentLength) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Decoded d && Arrays.equals(content, d.content) && end == d.end
                    && violation.equals(d.violation) && contentLength == d.contentLength;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(content);
        }

        @Override
        public String toString() {
            return "Decoded[" + Wire.text(content).replace("\r", "\\r").replace("\n", "\\n") + ", end=" + end
                    + ", " + violation + ", " + contentLength + "]";
        }
    }

    @Provide
    Arbitrary<byte[]> wire() {
        return Gen.framingRich(40);
    }

    @Provide
    Arbitrary<List<Integer>> sizes() {
        return Gen.sizes();
    }

    /** Feeds {@code wire} in chunks of the given sizes (cycled) through outputs of the given sizes (cycled). */
    static Decoded feed(DataDecoder d, byte[] wire, List<Integer> chunks, List<Integer> outs) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        int c = 0;
        int o = 0;
        for (int from = 0; from < wire.length; ) {
            int n = Math.min(chunks.get(c++ % chunks.size()), wire.length - from);
            ByteBuffer in = ByteBuffer.wrap(wire, from, n);
            while (true) {
                ByteBuffer out = ByteBuffer.allocate(outs.get(o++ % outs.size()));
                DecodeStatus s = d.decode(in, out);
                content.write(out.array(), 0, out.position());
                if (s == DecodeStatus.END) {
                    return new Decoded(content.toByteArray(), in.position(), d.violation(), d.contentLength());
                }
                if (s == DecodeStatus.UNDERFLOW) {
                    assertThat(in.hasRemaining()).isFalse();
                    break;
                }
                assertThat(out.hasRemaining()).as("OVERFLOW only with a full output").isFalse();
            }
            from += n;
        }
        return new Decoded(content.toByteArray(), -1, d.violation(), d.contentLength());
    }

    static Decoded oneShot(DataDecoder d, byte[] wire) {
        return feed(d, wire, List.of(Math.max(1, wire.length)), List.of(wire.length + 1));
    }

    static DataDecoder decoder(int maxTextLine, boolean bare, boolean longLines) {
        return new DataDecoder(maxTextLine, bare, longLines);
    }

    /** The end of data by the RFC's definition, found naively: just past the first CRLF.CRLF, or . CRLF at the start; -1 if none. */
    static int referenceEnd(byte[] w) {
        if (w.length >= 3 && w[0] == '.' && w[1] == '\r' && w[2] == '\n') {
            return 3;
        }
        for (int i = 0; i + 5 <= w.length; i++) {
            if (w[i] == '\r' && w[i + 1] == '\n' && w[i + 2] == '.' && w[i + 3] == '\r' && w[i + 4] == '\n') {
                return i + 5;
            }
        }
        return -1;
    }

    /** The content by the RFC's definition: the lines before the terminator, each without a leading dot, each with its CRLF. */
    static byte[] referenceContent(byte[] w, int end) {
        byte[] region = Arrays.copyOf(w, end - 3); // everything before ". CRLF"
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int lineStart = 0;
        for (int i = 0; i <= region.length; i++) {
            boolean lineEnd = i + 1 < region.length && region[i] == '\r' && region[i + 1] == '\n';
            if (lineEnd || i == region.length) {
                int from = lineStart < region.length && region[lineStart] == '.' ? lineStart + 1 : lineStart;
                int to = lineEnd ? i + 2 : i;
                out.write(region, from, Math.max(0, to - from));
                lineStart = i + 2;
                i++;
            }
        }
        return out.toByteArray();
    }

    /** The first bare CR or bare LF before the end, by position. */
    static Optional<Violation> referenceBareViolation(byte[] w, int end) {
        int limit = end - 3;
        for (int i = 0; i < limit; i++) {
            if (w[i] == '\n' && (i == 0 || w[i - 1] != '\r')) {
                return Optional.of(Violation.BARE_LF);
            }
            if (w[i] == '\r' && (i + 1 >= limit || w[i + 1] != '\n')) {
                return Optional.of(Violation.BARE_CR);
            }
        }
        return Optional.empty();
    }

    @Property
    @Label("RFC 5321 §4.1.1.4: data ends exactly at the first CRLF.CRLF (or . CRLF at the start), never elsewhere")
    void endsExactlyAtTheFirstTerminator(@ForAll("wire") byte[] wire) {
        for (boolean bare : new boolean[] {true, false}) {
            Decoded r = oneShot(decoder(1000, bare, false), wire);
            assertThat(r.end()).isEqualTo(referenceEnd(wire));
        }
    }

    @Property
    @Label("RFC 5321 §4.5.2: the content is the lines before the terminator with each leading dot removed")
    void contentMatchesTheReference(@ForAll("wire") byte[] wire) {
        int end = referenceEnd(wire);
        Decoded accept = oneShot(decoder(1000, false, false), wire);
        Decoded reject = oneShot(decoder(Integer.MAX_VALUE, true, false), wire);
        assertThat(accept.violation()).isEmpty();
        assertThat(reject.content()).as("REJECT writes the same content").isEqualTo(accept.content());
        if (end >= 0) {
            byte[] expected = referenceContent(wire, end);
            assertThat(accept.content()).isEqualTo(expected);
            assertThat(accept.contentLength()).isEqualTo(expected.length);
            assertThat(reject.violation()).isEqualTo(referenceBareViolation(wire, end));
        }
    }

    @Property
    @Label("RFC 5321 §4.5.3.1.6: a line is too long exactly when its content and CRLF exceed maxTextLine")
    void longLinesMatchTheReference(@ForAll("wire") byte[] wire, @ForAll @IntRange(min = 3, max = 12) int maxTextLine) {
        int end = referenceEnd(wire);
        Decoded r = oneShot(decoder(maxTextLine, false, true), wire);
        if (end >= 0) {
            byte[] content = referenceContent(wire, end);
            boolean tooLong = false;
            int lineStart = 0;
            for (int i = 0; i + 1 < content.length; i++) {
                if (content[i] == '\r' && content[i + 1] == '\n') {
                    tooLong |= (i - lineStart) + 2 > maxTextLine;
                    lineStart = i + 2;
                    i++;
                }
            }
            assertThat(r.violation()).isEqualTo(tooLong ? Optional.of(Violation.LINE_TOO_LONG) : Optional.empty());
        }
    }

    @Property
    @Label("every split of the input and every output size gives the same result")
    void anySplitGivesTheSameResult(@ForAll("wire") byte[] wire, @ForAll("sizes") List<Integer> chunks,
                                    @ForAll("sizes") List<Integer> outs, @ForAll @IntRange(min = 3, max = 20) int maxTextLine) {
        for (boolean bare : new boolean[] {true, false}) {
            for (boolean longLines : new boolean[] {true, false}) {
                Decoded whole = oneShot(decoder(maxTextLine, bare, longLines), wire);
                Decoded split = feed(decoder(maxTextLine, bare, longLines), wire, chunks, outs);
                assertThat(split).isEqualTo(whole);
            }
        }
    }

    @Property
    @Label("the violation offset is the same for every split and lies within the content")
    void violationOffsetIsTheSameForEverySplit(@ForAll("wire") byte[] wire, @ForAll("sizes") List<Integer> chunks,
                                               @ForAll("sizes") List<Integer> outs,
                                               @ForAll @IntRange(min = 3, max = 20) int maxTextLine) {
        for (boolean bare : new boolean[] {true, false}) {
            for (boolean longLines : new boolean[] {true, false}) {
                DataDecoder whole = decoder(maxTextLine, bare, longLines);
                Decoded once = oneShot(whole, wire);
                DataDecoder pieces = decoder(maxTextLine, bare, longLines);
                feed(pieces, wire, chunks, outs);
                assertThat(pieces.violationOffset()).isEqualTo(whole.violationOffset());
                assertThat(whole.violationOffset().isPresent()).isEqualTo(once.violation().isPresent());
                if (whole.violationOffset().isPresent()) {
                    assertThat(whole.violationOffset().getAsLong()).isBetween(1L, (long) once.content().length);
                }
            }
        }
    }

    @Property
    @Label("skip consumes as decode does, and may take over in the middle of a message")
    void skipAgreesWithDecode(@ForAll("wire") byte[] wire, @ForAll("sizes") List<Integer> chunks,
                              @ForAll @IntRange(min = 0, max = 200) int switchAt) {
        Decoded decoded = oneShot(decoder(10, true, true), wire);
        DataDecoder d = decoder(10, true, true);
        int end = -1;
        int c = 0;
        for (int from = 0; from < wire.length && end < 0; ) {
            int n = Math.min(chunks.get(c++ % chunks.size()), wire.length - from);
            ByteBuffer in = ByteBuffer.wrap(wire, from, n);
            // One more than the chunk: a CR held back after a leading dot is written with the next chunk.
            DecodeStatus s = from < switchAt ? d.decode(in, ByteBuffer.allocate(n + 1)) : d.skip(in);
            if (s == DecodeStatus.END) {
                end = in.position();
            }
            from += n;
        }
        assertThat(end).isEqualTo(decoded.end());
        assertThat(d.violation()).isEqualTo(decoded.violation());
        assertThat(d.contentLength()).isEqualTo(decoded.contentLength());
    }

    @Property
    @Label("CVE-2023-51764: with no CRLF.CRLF in the input, the decoder never reports END")
    void neverEndsWithoutATerminator(@ForAll("wire") byte[] wire, @ForAll("sizes") List<Integer> chunks) {
        byte[] cleaned = removeTerminators(wire);
        assertThat(referenceEnd(cleaned)).isEqualTo(-1);
        for (boolean bare : new boolean[] {true, false}) {
            assertThat(feed(decoder(1000, bare, false), cleaned, chunks, List.of(3)).end()).isEqualTo(-1);
        }
    }

    /** Breaks every terminator by dropping its final LF, until none is left. */
    private static byte[] removeTerminators(byte[] wire) {
        byte[] w = wire;
        int end;
        while ((end = referenceEnd(w)) >= 0) {
            List<Byte> bytes = new ArrayList<>();
            for (int i = 0; i < w.length; i++) {
                if (i != end - 1) {
                    bytes.add(w[i]);
                }
            }
            w = Gen.toArray(bytes);
        }
        return w;
    }
}
