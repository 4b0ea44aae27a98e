package dev.smtpkit.core.internal;

import java.io.ByteArrayOutputStream;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/** Generators for the codec properties: octet strings rich in the octets that matter to SMTP framing. */
final class Gen {
    private Gen() {
    }

    /** The pieces that framing bugs are made of, including every smuggling variant. */
    private static final List<String> FRAGMENTS = List.of(
            "\r\n", "\r", "\n", ".", "..", "\r\n.", ".\r\n", "\r\n.\r\n", "\n.\n", "\n.\r\n", "\r.\r\n",
            "\r\n.\n", "\r\n.\r", "\r\r\n", "MAIL FROM:<x@y>\r\n");

    /** Arbitrary octets, about a third of them CR, LF and dot, in runs that make up the fragments above. */
    static Arbitrary<byte[]> framingRich(int maxPieces) {
        Arbitrary<byte[]> any = Arbitraries.bytes().list().ofMaxSize(6).map(Gen::toArray);
        Arbitrary<byte[]> special = Arbitraries.of((byte) '\r', (byte) '\n', (byte) '.').map(b -> new byte[] {b});
        Arbitrary<byte[]> fragment = Arbitraries.of(FRAGMENTS).map(Wire::bytes);
        Arbitrary<byte[]> piece = Arbitraries.frequencyOf(Tuple.of(5, any), Tuple.of(3, special), Tuple.of(3, fragment));
        return piece.list().ofMaxSize(maxPieces).map(Gen::concat);
    }

    /** Content whose only line ends are CRLF and that ends with one (or is empty). */
    static Arbitrary<byte[]> crlfOnlyContent() {
        Arbitrary<byte[]> text = Arbitraries.bytes().filter(b -> b != '\r' && b != '\n').list().ofMaxSize(6).map(Gen::toArray);
        Arbitrary<byte[]> dots = Arbitraries.of(".", "..", ".\r\n").map(Wire::bytes);
        Arbitrary<byte[]> line = Arbitraries.frequencyOf(Tuple.of(3, text), Tuple.of(2, dots)).list().ofMaxSize(4).map(Gen::concat)
                .map(l -> concat(List.of(l, Wire.bytes("\r\n"))));
        return line.list().ofMaxSize(12).map(Gen::concat);
    }

    /** Sizes of input chunks or output buffers, mostly tiny. */
    static Arbitrary<List<Integer>> sizes() {
        return Arbitraries.frequencyOf(
                        Tuple.of(4, Arbitraries.integers().between(1, 4)),
                        Tuple.of(2, Arbitraries.integers().between(5, 64)),
                        Tuple.of(1, Arbitraries.integers().between(65, 5000)))
                .list().ofMinSize(1).ofMaxSize(10);
    }

    static byte[] toArray(List<Byte> bytes) {
        byte[] a = new byte[bytes.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = bytes.get(i);
        }
        return a;
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
