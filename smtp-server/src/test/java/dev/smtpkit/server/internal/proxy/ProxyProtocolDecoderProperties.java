package dev.smtpkit.server.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class ProxyProtocolDecoderProperties {

    /**
     * Arbitrary bytes, often starting like a header so that the decoder gets past the first
     * octet: the only failure is the typed one, and it never takes more than a header can hold.
     */
    @Property
    void arbitraryBytesOnlyEverFailWithTheTypedError(@ForAll("inputs") byte[] bytes, @ForAll @IntRange(min = 1, max = 64) int chunk) {
        ProxyProtocolDecoder d = new ProxyProtocolDecoder();
        int taken = 0;
        try {
            for (int from = 0; from < bytes.length; from += chunk) {
                ByteBuffer in = ByteBuffer.wrap(bytes, from, Math.min(chunk, bytes.length - from));
                int before = in.position();
                boolean done;
                try {
                    done = d.decode(in).isPresent();
                } finally {
                    taken += in.position() - before;
                }
                if (done) {
                    break;
                }
            }
            if (d.isComplete()) {
                assertThat(taken).isLessThanOrEqualTo(maxHeaderLength(bytes));
            } else {
                d.endOfInput();
            }
        } catch (ProxyProtocolException expected) {
            assertThat(taken).isLessThanOrEqualTo(maxHeaderLength(bytes));
        }
    }

    /** A valid version 2 header with random addresses and TLVs, then random bytes: the rest is exactly those bytes. */
    @Property
    void theStreamAfterAValidHeaderIsUntouched(@ForAll("v2Headers") byte[] header, @ForAll @Size(max = 64) byte[] stream,
            @ForAll @IntRange(min = 0, max = 400) int cut) {
        byte[] all = ProxyBytes.concat(header, stream);
        ProxyBytes.Fed fed = ProxyBytes.feed(all, Math.min(cut, all.length));
        assertThat(fed.rest()).isEqualTo(stream);
    }

    /** The most a header can claim: 107 for text, 16 plus the length field for binary. */
    private static int maxHeaderLength(byte[] bytes) {
        if (bytes.length > 0 && bytes[0] == 'P') {
            return ProxyProtocolDecoder.MAX_V1_LENGTH;
        }
        if (bytes.length >= 16) {
            return 16 + (((bytes[14] & 0xff) << 8) | (bytes[15] & 0xff));
        }
        return 16;
    }

    @Provide
    Arbitrary<byte[]> inputs() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> v1 = Combinators.combine(Arbitraries.of("PROXY ", "PROXY TCP4 ", "PROXY TCP6 ", "PROXY UNKNOWN"),
                Arbitraries.strings().withChars("0123456789.: abcdefTCP\r\n").ofMaxLength(120))
                .as((a, b) -> ProxyBytes.ascii(a + b));
        Arbitrary<byte[]> v2 = Combinators.combine(Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(0, 300), Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
                .as((vc, fp, len, rest) -> ProxyBytes.v2WithLength(vc, fp, len, rest));
        return Arbitraries.oneOf(random, v1, v2);
    }

    @Provide
    Arbitrary<byte[]> v2Headers() {
        Arbitrary<byte[]> tlvs = Combinators.combine(Arbitraries.integers().between(0, 255),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
                .as(ProxyBytes::tlv).list().ofMaxSize(4).map(l -> ProxyBytes.concat(l.toArray(new byte[0][])));
        Arbitrary<Integer> family = Arbitraries.of(List.of(0x00, 0x11, 0x21, 0x31));
        Arbitrary<Integer> command = Arbitraries.of(0x20, 0x21);
        return Combinators.combine(command, family, Arbitraries.bytes().array(byte[].class).ofSize(216), tlvs)
                .as((cmd, fam, addr, t) -> {
                    int size = switch (fam) {
                        case 0x11 -> 12;
                        case 0x21 -> 36;
                        case 0x31 -> 216;
                        default -> 0;
                    };
                    return ProxyBytes.v2(cmd, fam, java.util.Arrays.copyOf(addr, size), t);
                });
    }
}
