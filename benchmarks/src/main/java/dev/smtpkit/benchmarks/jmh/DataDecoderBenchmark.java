package dev.smtpkit.benchmarks.jmh;

import dev.smtpkit.core.internal.DataDecoder;
import dev.smtpkit.core.internal.DecodeStatus;
import dev.smtpkit.core.internal.DotStuffer;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link DataDecoder} on a 10 MiB message as the server gets it: dot-stuffed, ending with
 * CRLF.CRLF, decoded into a 16 KiB buffer that is drained whenever it fills, with the server's
 * default policies (1,000-octet lines, bare CR/LF refused).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DataDecoderBenchmark {

    private ByteBuffer wire;
    private final ByteBuffer out = ByteBuffer.allocate(16 * 1024);
    private final DataDecoder decoder = new DataDecoder(1000, true, true);

    @Setup
    public void setUp() {
        wire = ByteBuffer.wrap(DotStuffer.encodeAll(Messages.text(Messages.TEN_MIB)));
    }

    @Benchmark
    public long decode() {
        decoder.reset();
        wire.clear();
        long total = 0;
        while (true) {
            out.clear();
            DecodeStatus s = decoder.decode(wire, out);
            total += out.position();
            if (s == DecodeStatus.END) {
                return total;
            }
            if (s == DecodeStatus.UNDERFLOW) {
                throw new IllegalStateException("the message did not end");
            }
        }
    }
}
