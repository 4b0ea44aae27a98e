package dev.smtpkit.benchmarks.jmh;

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

/** {@link DotStuffer} on a 10 MiB message, encoded into a 16 KiB buffer drained whenever it fills. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DotStufferBenchmark {

    private ByteBuffer content;
    private final ByteBuffer out = ByteBuffer.allocate(16 * 1024);
    private final DotStuffer stuffer = new DotStuffer();

    @Setup
    public void setUp() {
        content = ByteBuffer.wrap(Messages.text(Messages.TEN_MIB));
    }

    @Benchmark
    public long encode() {
        stuffer.reset();
        content.clear();
        long total = 0;
        while (content.hasRemaining()) {
            out.clear();
            stuffer.encode(content, out);
            total += out.position();
        }
        do {
            out.clear();
        } while (!stuffer.finish(out));
        return total + out.position();
    }
}
