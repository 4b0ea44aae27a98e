package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.smtpkit.core.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Coverage-guided fuzzing of {@link DataDecoder} and {@link BdatDecoder} on whatever a client
 * sends after 354 or BDAT. The corpus in {@code src/test/resources/dev/smtpkit/core/codec/DataDecoderFuzzTestInputs}
 * is replayed in every build.
 *
 * <p>Options: bit 0 rejects bare line ends, bit 1 rejects long lines, bits 2-3 pick
 * {@code maxTextLine} (3, 8, 80, 1000), bits 4-5 the output buffer (1, 7, 64, 32 KiB octets).
 */
class DataDecoderFuzzTest {

    private static final int[] TEXT_LINES = {3, 8, 80, 1000};
    private static final int[] OUTPUTS = {1, 7, 64, 32 * 1024};

    @FuzzTest(maxDuration = "2m")
    void decode(byte[] data) {
        FuzzInput input = FuzzInput.of(data);
        boolean bare = input.option(0);
        boolean longLines = input.option(1);
        int maxTextLine = TEXT_LINES[(input.option(2) ? 1 : 0) + (input.option(3) ? 2 : 0)];
        int output = OUTPUTS[(input.option(4) ? 1 : 0) + (input.option(5) ? 2 : 0)];

        Outcome whole = decode(input, 0, new DataDecoder(maxTextLine, bare, longLines), 32 * 1024, false);
        Outcome split = decode(input, -1, new DataDecoder(maxTextLine, bare, longLines), output, false);
        Outcome skipped = decode(input, -1, new DataDecoder(maxTextLine, bare, longLines), output, true);
        assertThat(split).as("split into pieces").isEqualTo(whole);
        assertThat(skipped.consumed()).as("skip() ends where decode() does").isEqualTo(whole.consumed());
        assertThat(skipped.violation()).isEqualTo(whole.violation());

        byte[] wire = input.wire();
        byte[] read = Arrays.copyOf(wire, whole.consumed());
        if (whole.ended()) {
            // SMTP smuggling (CVE-2023-51764/5/6): the data ends only at CRLF.CRLF, or at .CRLF
            // at the very start, and at the first of them.
            assertThat(endsWith(read, "\r\n.\r\n") || Arrays.equals(read, ".\r\n".getBytes()))
                    .as("ended on %s", Arrays.toString(read)).isTrue();
            assertThat(DataDecoder.decodeAll(read)).isEqualTo(whole.content());
            for (int i = 0; i + 5 < read.length; i++) {
                assertThat(startsAt(read, i, "\r\n.\r\n")).as("an earlier terminator at %d", i).isFalse();
            }
        } else {
            assertThat(whole.consumed()).as("all input used").isEqualTo(wire.length);
        }
        assertThat(whole.content().length).as("unstuffing never lengthens").isLessThanOrEqualTo(read.length);
    }

    @FuzzTest(maxDuration = "2m")
    void chunk(byte[] data) {
        FuzzInput input = FuzzInput.of(data);
        byte[] wire = input.wire();
        // The chunk size comes from the wire's first octets so that the fuzzer can reach both ends.
        long size = wire.length == 0 ? 0 : (wire[0] & 0xFF) % (wire.length + 2);
        BdatDecoder decoder = new BdatDecoder();
        decoder.startChunk(size);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        int[] consumed = {0};
        boolean[] ended = {size == 0};
        input.feed(piece -> {
            ByteBuffer out = ByteBuffer.allocate(input.option(0) ? 3 : 4096);
            while (!ended[0] && piece.hasRemaining()) {
                int before = piece.position();
                out.clear();
                DecodeStatus status = decoder.decode(piece, out);
                consumed[0] += piece.position() - before;
                content.write(out.array(), 0, out.position());
                ended[0] = status == DecodeStatus.END;
            }
        });
        // A chunk is exactly its octets (RFC 3030 §2): nothing more, nothing less, nothing changed.
        long expected = Math.min(size, wire.length);
        assertThat(consumed[0]).isEqualTo(expected);
        assertThat(content.toByteArray()).isEqualTo(Arrays.copyOf(wire, (int) expected));
        assertThat(ended[0]).isEqualTo(size <= wire.length);
        assertThat(decoder.remaining()).isEqualTo(size - expected);
    }

    record Outcome(byte[] content, int consumed, boolean ended, Optional<DataDecoder.Violation> violation,
                   OptionalLong violationOffset) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome other && Arrays.equals(content, other.content) && consumed == other.consumed
                    && ended == other.ended && violation.equals(other.violation) && violationOffset.equals(other.violationOffset);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(content) + consumed;
        }

        @Override
        public String toString() {
            return "Outcome[" + content.length + " octets, consumed " + consumed + ", ended " + ended + ", "
                    + violation + " at " + violationOffset + "]";
        }
    }

    private static Outcome decode(FuzzInput input, int size, DataDecoder decoder, int outputSize, boolean skip) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        int[] consumed = {0};
        boolean[] ended = {false};
        java.util.function.Consumer<ByteBuffer> feed = piece -> {
            ByteBuffer out = ByteBuffer.allocate(outputSize);
            while (!ended[0] && piece.hasRemaining()) {
                int before = piece.position();
                out.clear();
                DecodeStatus status = skip ? decoder.skip(piece) : decoder.decode(piece, out);
                consumed[0] += piece.position() - before;
                content.write(out.array(), 0, out.position());
                ended[0] = status == DecodeStatus.END;
                assertThat(status == DecodeStatus.OVERFLOW).as("overflow only with a full output").isEqualTo(
                        status == DecodeStatus.OVERFLOW && !out.hasRemaining());
            }
        };
        if (size < 0) {
            input.feed(feed);
        } else {
            input.feed(size, feed);
        }
        assertThat(decoder.ended()).isEqualTo(ended[0]);
        if (!skip) {
            assertThat(decoder.contentLength()).isEqualTo(content.size());
        }
        return new Outcome(content.toByteArray(), consumed[0], ended[0], decoder.violation(), decoder.violationOffset());
    }

    private static boolean endsWith(byte[] b, String suffix) {
        return b.length >= suffix.length() && startsAt(b, b.length - suffix.length(), suffix);
    }

    private static boolean startsAt(byte[] b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
