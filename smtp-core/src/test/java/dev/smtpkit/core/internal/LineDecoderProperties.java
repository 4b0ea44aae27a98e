package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.internal.LineDecoder.Line;
import dev.smtpkit.core.internal.LineDecoder.LineTooLong;
import dev.smtpkit.core.internal.LineDecoder.NeedMoreInput;
import dev.smtpkit.core.internal.LineDecoder.Result;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class LineDecoderProperties {

    @Provide
    Arbitrary<byte[]> wire() {
        return Gen.framingRich(40);
    }

    @Provide
    Arbitrary<List<Integer>> sizes() {
        return Gen.sizes();
    }

    static List<Result> feed(LineDecoder d, byte[] wire, List<Integer> chunks) {
        List<Result> results = new ArrayList<>();
        int c = 0;
        for (int from = 0; from < wire.length; ) {
            int n = Math.min(chunks.get(c++ % chunks.size()), wire.length - from);
            ByteBuffer in = ByteBuffer.wrap(wire, from, n);
            Result r;
            while ((r = d.decode(in)) != NeedMoreInput.INSTANCE) {
                results.add(r);
                assertThat(d.buffered()).isZero();
            }
            assertThat(in.hasRemaining()).isFalse();
            assertThat(d.buffered()).isLessThanOrEqualTo(d.maxLineLength() - 2);
            assertThat(d.capacity()).isLessThanOrEqualTo(d.maxLineLength() - 2);
            from += n;
        }
        return results;
    }

    /** The lines by RFC 5321 §2.3.8, found naively; the limit counts the line end as two octets. */
    static List<Result> reference(byte[] w, int max, LineEndingPolicy policy) {
        List<Result> results = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] != '\n') {
                continue;
            }
            boolean crlf = i > start && w[i - 1] == '\r';
            if (!crlf && policy == LineEndingPolicy.CRLF_ONLY) {
                continue;
            }
            int end = crlf ? i - 1 : i;
            results.add(end - start + 2 > max ? new LineTooLong(max) : Line.of(Arrays.copyOfRange(w, start, end)));
            start = i + 1;
        }
        return results;
    }

    @Property
    @Label("RFC 5321 §2.3.8, §4.5.3.1.4: lines and too-long lines match a naive splitter, for any split")
    void matchesTheReferenceForAnySplit(@ForAll("wire") byte[] wire, @ForAll("sizes") List<Integer> chunks,
                                        @ForAll @IntRange(min = 2, max = 24) int max) {
        for (LineEndingPolicy policy : LineEndingPolicy.values()) {
            assertThat(feed(new LineDecoder(max, policy), wire, chunks)).isEqualTo(reference(wire, max, policy));
        }
    }

    @Property
    @Label("a line without an end never makes the decoder hold more than its limit")
    void memoryStaysBounded(@ForAll @IntRange(min = 2, max = 2000) int max, @ForAll("sizes") List<Integer> chunks) {
        LineDecoder d = new LineDecoder(max);
        byte[] block = new byte[16 * 1024];
        Arrays.fill(block, (byte) 'x');
        block[block.length - 1] = '\r'; // a CR that never turns into CRLF
        for (int i = 0; i < 64; i++) { // 1 MiB a try; LineDecoderTest feeds 10 MiB once
            ByteBuffer in = ByteBuffer.wrap(block);
            assertThat(d.decode(in)).isSameAs(NeedMoreInput.INSTANCE);
            assertThat(d.capacity()).isLessThanOrEqualTo(max - 2);
        }
        assertThat(feed(d, Wire.bytes("y\r\nok\r\n"), chunks)).startsWith(new LineTooLong(max));
    }
}
