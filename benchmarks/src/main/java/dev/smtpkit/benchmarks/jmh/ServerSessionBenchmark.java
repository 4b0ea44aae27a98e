package dev.smtpkit.benchmarks.jmh;

import dev.smtpkit.core.internal.DotStuffer;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.core.server.ServerSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One whole transaction with a 1 KiB message through {@link ServerSession}, as smtp-source sends
 * it (MAIL, RCPT, DATA, the content, the end of data), every decision accepted and the replies
 * taken: the protocol core's share of a server's work per message, and its allocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ServerSessionBenchmark {

    private ServerSession session;
    private byte[] commands;
    private byte[] data;

    @Setup
    public void setUp() {
        session = new ServerSession(ServerConfig.builder().hostname("mx.bench.test").build());
        drain(null);
        session.receive(ByteBuffer.wrap("EHLO client.bench.test\r\n".getBytes(StandardCharsets.US_ASCII)));
        drain(null);
        commands = "MAIL FROM:<sender@client.bench.test>\r\nRCPT TO:<rcpt@server.bench.test>\r\nDATA\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(DotStuffer.encodeAll(Messages.text(1024)));
        data = wire.toByteArray();
    }

    @Benchmark
    public void transaction(Blackhole bh) {
        // Fed as the client sends without pipelining: the commands, then the data after the 354.
        session.receive(commands, 0, commands.length);
        drain(bh);
        session.receive(data, 0, data.length);
        drain(bh);
    }

    private void drain(Blackhole bh) {
        while (true) {
            ServerEvent e = session.nextEvent();
            if (e instanceof ServerEvent.NeedInput) {
                break;
            }
            if (e instanceof ServerEvent.Decision) {
                session.accept();
            } else if (e instanceof ServerEvent.MessageData d && bh != null) {
                bh.consume(d.content());
            } else if (e instanceof ServerEvent.Closed || e instanceof ServerEvent.AwaitingDecision) {
                throw new IllegalStateException("unexpected " + e);
            }
        }
        if (session.hasOutput()) {
            byte[] replies = session.takeOutput();
            if (bh != null) {
                bh.consume(replies);
            }
        }
    }
}
