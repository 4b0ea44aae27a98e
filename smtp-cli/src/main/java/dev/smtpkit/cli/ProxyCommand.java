package dev.smtpkit.cli;

import dev.smtpkit.testkit.ProxyRecording;
import dev.smtpkit.testkit.SmtpProxy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code smtpkit proxy}: relays SMTP between a real client and a real server and records each
 * connection as a script that {@code smtpkit play} replays.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Relays SMTP to a server and records each connection as a replayable script.",
        description = {"Relays SMTP from --listen to --to and records each connection in the script format "
                + "(S:/C: lines, as in RFC 5321 Appendix D). With --record FILE, connection N is written to FILE-N "
                + "(session.txt gives session-1.txt, session-2.txt, ...), so each file replays on its own with "
                + "'smtpkit play'; without it, recordings go to standard output.",
            "The relay is line by line: sessions with STARTTLS or BDAT cannot be recorded meaningfully."})
final class ProxyCommand implements Callable<Integer> {

    /** How long to wait, after Ctrl-C, for the connections just closed to be recorded. */
    private static final Duration DRAIN = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Lifetime lifetime;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "[HOST:]PORT", required = true, converter = Converters.Address.class,
            description = "Where clients connect; a bare port listens on 127.0.0.1, port 0 picks a free one.")
    HostPort listen;

    @Option(names = "--to", paramLabel = "HOST:PORT", required = true,
            description = "The server to relay to.")
    String to;

    @Option(names = "--record", paramLabel = "FILE", description = "Write connection N's script to FILE-N.")
    Path record;

    ProxyCommand(Lifetime lifetime) {
        this.lifetime = lifetime;
    }

    @Override
    public Integer call() throws Exception {
        try {
            Logging.configure(false);
            HostPort target;
            try {
                target = HostPort.parse(to, null);
            } catch (IllegalArgumentException e) {
                throw CliFailure.usage("--to: " + e.getMessage());
            }
            InetSocketAddress targetAddress = target.resolve();
            if (targetAddress.isUnresolved()) {
                throw CliFailure.usage("--to: unknown host '" + target.host() + "'");
            }
            InetAddress listenAddress;
            try {
                listenAddress = InetAddress.getByName(listen.host());
            } catch (UnknownHostException e) {
                throw CliFailure.usage("--listen: unknown host or address '" + listen.host() + "'");
            }
            PrintWriter out = spec.commandLine().getOut();
            SmtpProxy proxy;
            try {
                proxy = SmtpProxy.builder(targetAddress).address(listenAddress).port(listen.port()).start();
            } catch (UncheckedIOException e) {
                throw CliFailure.failed("cannot listen on " + listen, e);
            }
            try (proxy) {
                out.printf("proxy on %s:%d relaying to %s, recording to %s; Ctrl-C to stop%n", listenAddress.getHostAddress(),
                        proxy.port(), target, record == null ? "standard output" : numberedPattern(record));
                out.flush();
                while (!lifetime.isStopped()) {
                    proxy.takeRecording(POLL).ifPresent(r -> write(r, out));
                }
                proxy.close();
                for (Optional<ProxyRecording> r = proxy.takeRecording(DRAIN); r.isPresent(); r = proxy.takeRecording(DRAIN)) {
                    write(r.get(), out);
                }
            }
            return 0;
        } finally {
            lifetime.finished();
        }
    }

    private void write(ProxyRecording recording, PrintWriter out) {
        // Without faults both views are the same; the client's is what a stand-in server must play.
        String script = recording.clientView().write();
        if (record == null) {
            out.printf("# connection %d%n%s%n", recording.connection(), script);
        } else {
            Path file = numbered(record, recording.connection());
            try {
                Files.writeString(file, script, StandardCharsets.UTF_8);
            } catch (IOException e) {
                spec.commandLine().getErr().println("proxy: cannot write " + file + ": " + CliFailure.describe(e));
                spec.commandLine().getErr().flush();
                return;
            }
            out.printf("connection %d recorded to %s (%d steps)%n", recording.connection(), file,
                    recording.clientView().steps().size());
        }
        out.flush();
    }

    /** {@code session-N.txt} for {@code session.txt}, for the start line. */
    static String numberedPattern(Path file) {
        return numbered(file, 1).toString().replaceFirst("-1(\\.[^.]*)?$", "-N$1");
    }

    /** {@code dir/session.txt} and 2 give {@code dir/session-2.txt}; a name without extension gets {@code -2}. */
    static Path numbered(Path file, int n) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
        return file.resolveSibling(numbered);
    }
}
