package dev.smtpkit.cli;

import dev.smtpkit.server.ReceivedMessage;
import dev.smtpkit.server.ServerMetrics;
import dev.smtpkit.server.SmtpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code smtpkit catch}: a local mail catcher that keeps every message it is sent. */
@Command(name = "catch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "A local mail catcher: keeps every message as .eml with its envelope as .json.",
        description = "Accepts every message and keeps it: one line per message on standard output, the message "
                + "as NAME.eml and its envelope (sender, recipients, parameters, client address, HELO name, TLS, AUTH identity, "
                + "the proxy a PROXY header or XCLIENT came through, time) "
                + "as NAME.json in --dir. Runs until Ctrl-C, then answers open sessions 421 and exits.")
final class CatchCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Lifetime lifetime;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "mail",
            description = "Folder for the .eml and .json files, created if missing (default: ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = {"-v", "--verbose"}, description = "Print the wire transcript (standard error).")
    boolean verbose;

    CatchCommand(Lifetime lifetime) {
        this.lifetime = lifetime;
    }

    @Override
    public Integer call() throws Exception {
        try {
            server.validate();
            Logging.configure(verbose);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            MailFolder folder = new MailFolder(dir);
            try {
                folder.create();
            } catch (IOException e) {
                throw CliFailure.failed("cannot create " + dir, e);
            }
            SmtpServer.Builder builder = server.builder(out).messageHandler(message -> take(folder, message, out, err));
            try (SmtpServer smtp = builder.build().start()) {
                out.print(server.startLines(smtp, String.format("catching mail on %s:%d (%s), writing to %s; Ctrl-C to stop",
                        server.bind.getHostAddress(), smtp.port(), server.lmtp ? "LMTP" : "SMTP", dir)));
                out.flush();
                lifetime.await();
                smtp.close();
                ServerMetrics m = smtp.metrics();
                out.printf("caught %d message%s in %d connection%s%n", m.messagesAccepted(), m.messagesAccepted() == 1 ? "" : "s",
                        m.connectionsOpened(), m.connectionsOpened() == 1 ? "" : "s");
                out.flush();
            }
            return 0;
        } finally {
            lifetime.finished();
        }
    }

    private void take(MailFolder folder, ReceivedMessage message, PrintWriter out, PrintWriter err) throws IOException {
        Instant received = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Path file;
        try {
            file = folder.store(message, received);
        } catch (IOException e) {
            // The client gets 451 4.3.0 and may retry; the user learns why.
            err.println("catch: cannot store a message from " + message.envelope().sender() + ": " + CliFailure.describe(e));
            err.flush();
            throw e;
        }
        String line = LocalTime.now().format(TIME)
                + " from=" + message.envelope().sender()
                + " to=" + message.envelope().forwardPaths().stream().map(Object::toString).collect(Collectors.joining(","))
                + " subject=" + quoted(MailFolder.subject(message.content()).orElse(""))
                + " size=" + message.size()
                + " file=" + file;
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private static String quoted(String s) {
        StringBuilder sb = new StringBuilder();
        Json.string(sb, s);
        return sb.toString();
    }
}
