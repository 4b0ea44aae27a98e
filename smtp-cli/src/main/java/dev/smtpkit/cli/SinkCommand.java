package dev.smtpkit.cli;

import dev.smtpkit.server.ServerMetrics;
import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code smtpkit sink}: accepts every message, reads all of it and throws it away, and reports
 * the rate, as Postfix's {@code smtp-sink} does for load tests of a sending side.
 */
@Command(name = "sink", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Accepts and discards every message, printing the rate, like Postfix's smtp-sink.",
        description = "Accepts every message, reads all of its data and discards it; prints the rate (messages/s, "
                + "MB/s, connections) every --interval and a summary at exit. Runs until Ctrl-C.")
final class SinkCommand implements Callable<Integer> {

    private final Lifetime lifetime;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between rate lines (default: ${DEFAULT-VALUE}); a line is printed only when something arrived.")
    long intervalSeconds;

    @Option(names = {"-v", "--verbose"}, description = "Print the wire transcript (standard error); slows the sink down.")
    boolean verbose;

    SinkCommand(Lifetime lifetime) {
        this.lifetime = lifetime;
    }

    /** What the sink has taken: counted here, since the server counts every octet, commands included. */
    record Totals(long messages, long octets, long connections, long active) {
        Totals minus(Totals before) {
            return new Totals(messages - before.messages, octets - before.octets, connections - before.connections, active);
        }
    }

    @Override
    public Integer call() throws Exception {
        try {
            server.validate();
            if (intervalSeconds < 1) {
                throw CliFailure.usage("--interval must be at least 1 second: " + intervalSeconds);
            }
            Logging.configure(verbose);
            PrintWriter out = spec.commandLine().getOut();
            LongAdder octets = new LongAdder();
            SessionHandler.Factory discard = connection -> (envelope, content) -> drain(content, octets);
            try (SmtpServer smtp = server.builder(out).handler(discard).build().start()) {
                out.print(server.startLines(smtp, String.format("sinking mail on %s:%d (%s); Ctrl-C to stop",
                        server.bind.getHostAddress(), smtp.port(), server.lmtp ? "LMTP" : "SMTP")));
                out.flush();
                long start = System.nanoTime();
                long last = start;
                Totals previous = totals(smtp.metrics(), octets);
                while (!lifetime.await(Duration.ofSeconds(intervalSeconds))) {
                    long now = System.nanoTime();
                    Totals current = totals(smtp.metrics(), octets);
                    Totals delta = current.minus(previous);
                    if (delta.messages() > 0 || delta.connections() > 0 || delta.octets() > 0) {
                        out.println(rate("last " + intervalSeconds + "s", delta, now - last));
                        out.flush();
                    }
                    previous = current;
                    last = now;
                }
                smtp.close();
                out.println(rate("total", totals(smtp.metrics(), octets), System.nanoTime() - start));
                out.flush();
            }
            return 0;
        } finally {
            lifetime.finished();
        }
    }

    static Totals totals(ServerMetrics m, LongAdder octets) {
        return new Totals(m.messagesAccepted(), octets.sum(), m.connectionsOpened(), m.connectionsActive());
    }

    static String rate(String label, Totals t, long nanos) {
        double seconds = Math.max(nanos, 1) / 1e9;
        return String.format(Locale.ROOT, "%s: %d messages (%.1f/s), %.2f MB (%.2f MB/s), %d connections (%d open)",
                label, t.messages(), t.messages() / seconds, t.octets() / 1e6, t.octets() / 1e6 / seconds,
                t.connections(), t.active());
    }

    private static void drain(InputStream content, LongAdder octets) throws java.io.IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int n = content.read(buffer); n >= 0; n = content.read(buffer)) {
            octets.add(n);
        }
    }
}
