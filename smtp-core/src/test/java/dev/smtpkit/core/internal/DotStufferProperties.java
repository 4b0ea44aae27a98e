package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class DotStufferProperties {

    @Provide
    Arbitrary<byte[]> content() {
        return Gen.framingRich(40);
    }

    @Provide
    Arbitrary<byte[]> crlfOnly() {
        return Gen.crlfOnlyContent();
    }

    @Provide
    Arbitrary<List<Integer>> sizes() {
        return Gen.sizes();
    }

    /** The content as NORMALIZE_TO_CRLF means it: every bare CR and bare LF a CRLF, and a final CRLF if missing. */
    static byte[] normalize(byte[] x) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < x.length; i++) {
            if (x[i] == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < x.length && x[i + 1] == '\n') {
                    i++;
                }
            } else if (x[i] == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(x[i]);
            }
        }
        byte[] n = out.toByteArray();
        if (n.length > 0 && !(n.length >= 2 && n[n.length - 2] == '\r' && n[n.length - 1] == '\n')) {
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    static byte[] encode(DotStuffer s, byte[] content, List<Integer> chunks, List<Integer> outs) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        int c = 0;
        int o = 0;
        for (int from = 0; from < content.length; ) {
            int n = Math.min(chunks.get(c++ % chunks.size()), content.length - from);
            ByteBuffer in = ByteBuffer.wrap(content, from, n);
            while (in.hasRemaining()) {
                ByteBuffer out = ByteBuffer.allocate(outs.get(o++ % outs.size()));
                s.encode(in, out);
                assertThat(!in.hasRemaining() || !out.hasRemaining()).as("returns only when in is empty or out full").isTrue();
                wire.write(out.array(), 0, out.position());
            }
            from += n;
        }
        boolean done;
        do {
            ByteBuffer out = ByteBuffer.allocate(outs.get(o++ % outs.size()));
            done = s.finish(out);
            wire.write(out.array(), 0, out.position());
        } while (!done);
        return wire.toByteArray();
    }

    @Property
    @Label("RFC 5321 §4.5.2: unstuffing what was stuffed gives the content with CRLF line ends")
    void roundTripNormalises(@ForAll("content") byte[] content) {
        byte[] wire = DotStuffer.encodeAll(content);
        assertThat(DataDecoder.decodeAll(wire)).isEqualTo(normalize(content));
    }

    @Property
    @Label("RFC 5321 §4.5.2: content with only CRLF line ends survives stuffing and unstuffing unchanged")
    void roundTripIsTheIdentityOnCrlfContent(@ForAll("crlfOnly") byte[] content) {
        DotStuffer strict = new DotStuffer(false);
        byte[] wire = encode(strict, content, List.of(Integer.MAX_VALUE), List.of(content.length * 2 + 5));
        assertThat(wire).isEqualTo(DotStuffer.encodeAll(content));
        assertThat(DataDecoder.decodeAll(wire)).isEqualTo(content);
    }

    @Property
    @Label("RFC 5321 §2.3.8: stuffed output has no bare CR or LF and ends exactly at its terminator")
    void outputIsCleanForTheStrictestServer(@ForAll("content") byte[] content) {
        byte[] wire = DotStuffer.encodeAll(content);
        assertThat(DataDecoderProperties.referenceEnd(wire)).isEqualTo(wire.length);
        assertThat(DataDecoderProperties.referenceBareViolation(wire, wire.length)).isEmpty();
    }

    @Property
    @Label("every split of the content and every output size gives the same wire octets")
    void anySplitGivesTheSameOutput(@ForAll("content") byte[] content, @ForAll("sizes") List<Integer> chunks,
                                    @ForAll("sizes") List<Integer> outs) {
        assertThat(encode(new DotStuffer(), content, chunks, outs)).isEqualTo(DotStuffer.encodeAll(content));
    }

    @Property
    @Label("REJECT refuses exactly the content that normalising would change")
    void rejectRefusesExactlyBareLineEnds(@ForAll("content") byte[] content, @ForAll("sizes") List<Integer> chunks) {
        boolean bare = false;
        for (int i = 0; i < content.length; i++) {
            bare |= content[i] == '\n' && (i == 0 || content[i - 1] != '\r');
            bare |= content[i] == '\r' && (i + 1 == content.length || content[i + 1] != '\n');
        }
        DotStuffer strict = new DotStuffer(false);
        if (bare) {
            assertThatThrownBy(() -> encode(strict, content, chunks, List.of(7)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("normalizeLineEndings");
        } else {
            assertThat(encode(strict, content, chunks, List.of(7))).isEqualTo(DotStuffer.encodeAll(content));
        }
    }

    @Property
    @Label("RFC 6152: sawEightBit is true exactly when an octet has its high bit set")
    void eightBitIsDetected(@ForAll("content") byte[] content, @ForAll("sizes") List<Integer> chunks) {
        boolean expected = false;
        for (byte b : content) {
            expected |= b < 0;
        }
        DotStuffer s = new DotStuffer();
        encode(s, content, chunks, List.of(5));
        assertThat(s.sawEightBit()).isEqualTo(expected);
    }
}
