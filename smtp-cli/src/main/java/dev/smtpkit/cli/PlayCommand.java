package dev.smtpkit.cli;

import dev.smtpkit.testkit.Conversation;
import dev.smtpkit.testkit.Matching;
import dev.smtpkit.testkit.PlayResult;
import dev.smtpkit.testkit.ScriptedClient;
import dev.smtpkit.testkit.ScriptedServer;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code smtpkit play}: plays one side of a script, the client's against a server
 * ({@link ScriptedClient}) or the server's for a client to connect to ({@link ScriptedServer}),
 * and reports whether the peer kept to it.
 */
@Command(name = "play", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Plays one side of a script and reports whether the peer kept to it.",
        description = "Plays a script (S:/C: lines, as written by 'smtpkit proxy'): as the client against --to, "
                + "or as the server with --serve (--lenient to replay a recording against the same client's next run). "
                + "Prints PASS, or FAIL with where the peer left the script and "
                + "the transcript so far; exits 1 on a mismatch.")
final class PlayCommand implements Callable<Integer> {

    private final Lifetime lifetime;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The script.")
    Path file;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Side side;

    static final class Side {
        @Option(names = "--to", paramLabel = "HOST:PORT", required = true,
                description = "Play the client side against this server.")
        String to;

        @Option(names = "--serve", required = true, description = "Play the server side, for clients that connect.")
        boolean serve;
    }

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + ServerOptions.DEFAULT_PORT,
            description = "With --serve: port to listen on (default: ${DEFAULT-VALUE}); 0 picks a free one, printed at start.")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = HostPort.LOOPBACK, converter = Converters.Bind.class,
            description = "With --serve: address to listen on (default: ${DEFAULT-VALUE}).")
    InetAddress bind;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "1",
            description = "With --serve: how many connections to play before exiting (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--strict",
            description = "Against a server: compare the reply text too, not only the codes and enhanced codes.")
    boolean strict;

    @Option(names = "--lenient",
            description = "With --serve: compare what the client asks for, not every octet: the HELO name, MAIL's"
                    + " SIZE value, AUTH secrets and the header fields each message sets anew (Date, Message-ID,"
                    + " Received, MIME boundaries...) may differ from the script. Implies --placeholders.")
    boolean lenient;

    @Option(names = "--placeholders",
            description = "With --serve: read {{any}}, {{domain}}, {{address}}, {{message-id}}, {{date}}, {{number}}"
                    + " and {{boundary}} in the script's client lines as the parts that vary (as the script comment"
                    + " '# placeholders: on' does).")
    boolean placeholders;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Longest wait for each reply or client line (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    PlayCommand(Lifetime lifetime) {
        this.lifetime = lifetime;
    }

    @Override
    public Integer call() throws Exception {
        try {
            Logging.configure(false);
            validate();
            Conversation script = read(file);
            PrintWriter out = spec.commandLine().getOut();
            return side.serve ? serve(script, out) : playClient(script, out);
        } finally {
            lifetime.finished();
        }
    }

    private void validate() {
        if (timeoutSeconds < 1) {
            throw CliFailure.usage("--timeout must be at least 1 second: " + timeoutSeconds);
        }
        if (!side.serve && (lenient || placeholders)) {
            throw CliFailure.usage((lenient ? "--lenient" : "--placeholders") + " holds a client's lines to the script:"
                    + " use it with --serve");
        }
        if (side.serve) {
            if (port < 0 || port > 65535) {
                throw CliFailure.usage("--port must be 0 to 65535: " + port);
            }
            if (connections < 1) {
                throw CliFailure.usage("--connections must be at least 1: " + connections);
            }
        }
        if (!Files.isReadable(file)) {
            throw CliFailure.usage("cannot read " + file + ": "
                    + (Files.exists(file) ? "permission denied" : "no such file or directory"));
        }
    }

    static Conversation read(Path file) {
        try {
            WholeInput.checkSize(file, WholeInput.max());
            return Conversation.read(file);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(e.getMessage());
        } catch (UncheckedIOException e) {
            throw CliFailure.usage(CliFailure.describe(e));
        }
    }

    private int playClient(Conversation script, PrintWriter out) {
        HostPort target;
        try {
            target = HostPort.parse(side.to, null);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("--to: " + e.getMessage());
        }
        ScriptedClient client = ScriptedClient.builder(script)
                .matching(strict ? Matching.EXACT : Matching.LENIENT)
                .timeout(Duration.ofSeconds(timeoutSeconds))
                .build();
        PlayResult result;
        try {
            result = client.run(target.host(), target.port());
        } catch (UncheckedIOException e) {
            throw CliFailure.failed("cannot reach " + target, e);
        }
        return report(result, "against " + target, out);
    }

    private int serve(Conversation script, PrintWriter out) throws InterruptedException {
        ScriptedServer server;
        try {
            Matching matching = lenient ? Matching.LENIENT : placeholders ? Matching.PLACEHOLDERS : Matching.EXACT;
            server = ScriptedServer.builder().script(script).matching(matching).address(bind).port(port)
                    .timeout(Duration.ofSeconds(timeoutSeconds)).start();
        } catch (UncheckedIOException e) {
            throw CliFailure.failed("cannot listen on " + bind.getHostAddress() + ":" + port, e);
        }
        try (server) {
            out.printf("playing %s on %s:%d for %d connection%s; Ctrl-C to stop%n", file.getFileName(),
                    bind.getHostAddress(), server.port(), connections, connections == 1 ? "" : "s");
            out.flush();
            int failed = 0;
            int played = 0;
            while (played < connections && !lifetime.isStopped()) {
                Optional<PlayResult> result = server.takeResult(Duration.ofMillis(200));
                if (result.isPresent()) {
                    played++;
                    if (report(result.get(), "with client " + result.get().connection(), out) != 0) {
                        failed++;
                    }
                }
            }
            if (played < connections) {
                out.printf("stopped after %d of %d connections%n", played, connections);
                out.flush();
                return CliFailure.EXIT_FAILURE;
            }
            return failed == 0 ? 0 : CliFailure.EXIT_FAILURE;
        }
    }

    private int report(PlayResult result, String where, PrintWriter out) {
        if (result.matched()) {
            out.printf("PASS %s %s: %d steps as scripted%n", file.getFileName(), where, result.transcript().steps().size());
            out.flush();
            return 0;
        }
        out.printf("FAIL %s %s: %s", file.getFileName(), where, result.mismatch().orElseThrow().report());
        out.flush();
        return CliFailure.EXIT_FAILURE;
    }
}
