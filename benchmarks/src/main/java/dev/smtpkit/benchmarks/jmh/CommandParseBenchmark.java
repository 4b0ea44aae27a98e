package dev.smtpkit.benchmarks.jmh;

import dev.smtpkit.core.Command;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** {@code Command.parse} on the lines every transaction has. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CommandParseBenchmark {

    private final String mail = "MAIL FROM:<alice.sender@client.example.com> SIZE=1024 BODY=8BITMIME";
    private final String rcpt = "RCPT TO:<bob.recipient@server.example.org>";

    @Benchmark
    public Command mail() {
        return Command.parse(mail);
    }

    @Benchmark
    public Command rcpt() {
        return Command.parse(rcpt);
    }
}
