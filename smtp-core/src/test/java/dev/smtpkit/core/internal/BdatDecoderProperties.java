package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class BdatDecoderProperties {

    @Provide
    Arbitrary<byte[]> wire() {
        return Gen.framingRich(40);
    }

    @Provide
    Arbitrary<List<Integer>> sizes() {
        return Gen.sizes();
    }

    @Property
    @Label("RFC 3030 §2: a chunk is its first size octets, verbatim, for any split and output size")
    void aChunkIsExactlyItsOctets(@ForAll("wire") byte[] wire, @ForAll("sizes") List<Integer> chunks,
                                  @ForAll("sizes") List<Integer> outs, @ForAll long sizeSeed) {
        int size = wire.length == 0 ? 0 : (int) Math.floorMod(sizeSeed, (long) wire.length + 1);
        BdatDecoder d = new BdatDecoder();
        d.startChunk(size);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int end = size == 0 ? 0 : -1;
        int c = 0;
        int o = 0;
        for (int from = 0; from < wire.length && end < 0; ) {
            int n = Math.min(chunks.get(c++ % chunks.size()), wire.length - from);
            ByteBuffer in = ByteBuffer.wrap(wire, from, n);
            DecodeStatus s;
            do {
                ByteBuffer out = ByteBuffer.allocate(outs.get(o++ % outs.size()));
                s = d.decode(in, out);
                got.write(out.array(), 0, out.position());
            } while (s == DecodeStatus.OVERFLOW);
            if (s == DecodeStatus.END) {
                end = in.position();
            }
            from += n;
        }
        assertThat(end).isEqualTo(size);
        assertThat(got.toByteArray()).isEqualTo(Arrays.copyOf(wire, size));
        assertThat(d.remaining()).isZero();
    }
}
