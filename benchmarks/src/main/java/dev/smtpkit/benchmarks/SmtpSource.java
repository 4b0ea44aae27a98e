package dev.smtpkit.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Postfix's smtp-source as the load generator: HELO, MAIL, one RCPT, DATA, one message after
 * the other on each session, never pipelined. Every run is bounded by its message count and by
 * a timeout after which it is killed.
 */
final class SmtpSource {

    static final String BINARY = "/usr/sbin/smtp-source";

    /** What one run asks for. */
    record Load(int sessions, int messageSize, boolean reuseConnections) {
        String describe() {
            return sessions + " sessions, " + Size.format(messageSize) + (reuseConnections ? ", reused connections" : ", a new connection per message");
        }
    }

    /** A finished run: its message count and wall time; failed runs carry why. */
    record Result(int messages, long nanos, String failure) {
        boolean ok() {
            return failure == null;
        }

        double messagesPerSecond() {
            return messages / (nanos / 1e9);
        }
    }

    private SmtpSource() {
    }

    static Result run(int port, Load load, int messages, Duration timeout, Path log) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(BINARY, "-s", Integer.toString(load.sessions())));
        if (load.reuseConnections()) {
            c.add("-d");
        }
        c.addAll(List.of("-l", Integer.toString(load.messageSize()), "-m", Integer.toString(messages),
                "-f", "sender@client.bench.test", "-t", "rcpt@server.bench.test", "-M", "client.bench.test",
                "127.0.0.1:" + port));
        Process p = new ProcessBuilder(c)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long start = System.nanoTime();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            return new Result(messages, System.nanoTime() - start, "timed out after " + timeout.toSeconds() + " s");
        }
        long nanos = System.nanoTime() - start;
        if (p.exitValue() != 0) {
            return new Result(messages, nanos, "smtp-source exited with " + p.exitValue() + " (see " + log.getFileName() + ")");
        }
        return new Result(messages, nanos, null);
    }
}
