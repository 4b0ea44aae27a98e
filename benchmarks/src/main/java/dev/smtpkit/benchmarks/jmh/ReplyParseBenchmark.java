package dev.smtpkit.benchmarks.jmh;

import dev.smtpkit.core.Reply;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** {@code Reply.parse} on a one-line reply and on an EHLO reply of nine lines. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReplyParseBenchmark {

    private final String ok = "250 2.1.0 Sender ok\r\n";
    private final String ehlo = "250-mx.example.org Hello client.example.com\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n"
            + "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-CHUNKING\r\n250-DSN\r\n250 STARTTLS\r\n";

    @Benchmark
    public Reply oneLine() {
        return Reply.parse(ok);
    }

    @Benchmark
    public Reply ehlo() {
        return Reply.parse(ehlo);
    }
}
