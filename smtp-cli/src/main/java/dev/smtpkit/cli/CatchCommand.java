package dev.smtpkit.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.smtpkit.core.Reply;
import dev.smtpkit.inbox.Catcher;
import dev.smtpkit.inbox.FaultRule;
import dev.smtpkit.inbox.Faults;
import dev.smtpkit.inbox.FolderException;
import dev.smtpkit.inbox.InboxFullException;
import dev.smtpkit.inbox.InboxServer;
import dev.smtpkit.inbox.MessageStore;
import dev.smtpkit.inbox.MessageSummary;
import dev.smtpkit.inbox.SessionLog;
import dev.smtpkit.inbox.SmtpSession;
import dev.smtpkit.server.ServerMetrics;
import dev.smtpkit.server.SmtpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code smtpkit catch}: a local mail catcher that keeps every message it is sent and shows it in a web inbox. */
@Command(name = "catch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "A local mail catcher: keeps every message as .eml with its envelope as .json, and shows them in a web inbox.",
        description = "Accepts every message and keeps it: the message as NAME.eml and its envelope (sender, recipients, "
                + "parameters, client address, HELO name, TLS, AUTH identity, the proxy a PROXY header or XCLIENT came "
                + "through, time) as NAME.json in --dir, each written to a temporary file, forced to disk and renamed "
                + "into place before the 250. One line per message and per session on standard output. A web inbox and "
                + "a REST API (Mailpit's v1 paths) on http://127.0.0.1:8025/ show the messages and every SMTP session. "
                + "Runs until Ctrl-C, then answers open sessions 421 and exits.")
final class CatchCommand implements Callable<Integer> {

    static final int DEFAULT_HTTP_PORT = 8025;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Lifetime lifetime;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "mail",
            description = "Folder for the .eml and .json files, created if missing; what it holds is listed (default: ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "0",
            description = "Keep only the newest N messages, deleting the oldest (default: 0, keep all).")
    int keep;

    @Option(names = "--no-fsync",
            description = "Do not force each message to disk before the 250: faster on a slow disk; kill -9 still never "
                    + "leaves half a message, but a power loss or an OS crash may lose messages already acknowledged.")
    boolean noFsync;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Port of the web inbox and REST API (default: " + DEFAULT_HTTP_PORT + "); 0 picks a free one, printed at start.")
    Integer httpPort;

    @Option(names = "--http-bind", paramLabel = "ADDRESS", defaultValue = HostPort.LOOPBACK, converter = Converters.Bind.class,
            description = "Address of the web inbox (default: ${DEFAULT-VALUE}). It has no login: keep it on the loopback address.")
    InetAddress httpBind;

    @Option(names = "--no-http", description = "No web inbox or REST API: only the files and the console.")
    boolean noHttp;

    @Option(names = "--fault", paramLabel = "STAGE:ACTION[:WHEN]",
            description = "Inject a fault; repeat for more, the first that applies wins. STAGE is connect, helo, auth, mail, "
                    + "rcpt, data (the command) or eod (the end of the data); ACTION is drop or a reply such as "
                    + "'451 4.3.0 Try later': at connect 554 or 421, at auth (needs --auth) it replaces the credential check, "
                    + "at data it refuses the command before any content, at eod the message once read; WHEN is always "
                    + "(default), nth=N (the N-th occurrence since start) or p=P (probability 0 to 1). Example: "
                    + "--fault 'rcpt:452 4.5.3 Too many:nth=3'. Changeable while running: PUT /api/v1/faults.")
    List<String> fault;

    @Option(names = {"-v", "--verbose"}, description = "Print the wire transcript (standard error).")
    boolean verbose;

    CatchCommand(Lifetime lifetime) {
        this.lifetime = lifetime;
    }

    @Override
    public Integer call() throws Exception {
        try {
            server.validate();
            List<FaultRule> rules = rules();
            if (keep < 0) {
                throw CliFailure.usage("--keep must be 0 (keep all) or more: " + keep);
            }
            if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
                throw CliFailure.usage("--http-port must be 0 to 65535: " + httpPort);
            }
            Logging.configure(verbose);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            MessageStore store;
            try {
                store = MessageStore.open(dir, keep, noFsync ? MessageStore.Durability.PROCESS : MessageStore.Durability.DISK);
            } catch (FolderException e) {
                throw CliFailure.failed(e.getMessage());
            }
            SessionLog sessions = new SessionLog(SessionLog.DEFAULT_MAX_SESSIONS);
            Faults faults = new Faults();
            faults.set(rules);
            store.addListener(new MessageStore.Listener() {
                @Override
                public void stored(MessageSummary m) {
                    print(out, messageLine(m, store));
                }
            });
            sessions.addListener(new SessionLog.Listener() {
                @Override
                public void closed(SmtpSession s) {
                    print(out, sessionLine(s));
                }
            });
            Catcher catcher = new Catcher(store, sessions, faults, (session, reply, cause) -> storeFailed(err, session, reply, cause));
            SmtpServer.Builder builder = server.builder(out, catcher::authenticator).handler(catcher).transcriptListener(catcher);
            try (SmtpServer smtp = builder.build().start(); AutoCloseable web = startHttp(store, sessions, faults, out, err)) {
                List<String> lines = new ArrayList<>();
                lines.add(String.format("catching mail on %s:%d (%s), writing to %s; Ctrl-C to stop",
                        server.bind.getHostAddress(), smtp.port(), server.lmtp ? "LMTP" : "SMTP", dir));
                // Counted from the names: the summaries are still being read, and the API waits for them, not the start.
                lines.add(store.foundAtOpen() + (store.foundAtOpen() == 1 ? " message" : " messages") + " in " + dir
                        + (keep > 0 ? ", keeping the newest " + keep : "")
                        + (noFsync ? ", not forced to disk (--no-fsync)" : "")
                        + (store.removedAtStart() > 0 ? "; removed " + store.removedAtStart()
                        + " incomplete file(s) an interrupted run left" : ""));
                if (web instanceof InboxServer inbox) {
                    lines.add("web inbox and REST API on " + inbox.uri());
                }
                if (!rules.isEmpty()) {
                    lines.add("faults: " + rules.stream().map(FaultRule::toString).collect(Collectors.joining(", ")));
                }
                out.print(server.startLines(smtp, String.join(System.lineSeparator(), lines)));
                out.flush();
                lifetime.await();
                smtp.close();
                ServerMetrics m = smtp.metrics();
                out.printf("caught %d message%s in %d connection%s%n", m.messagesAccepted(), m.messagesAccepted() == 1 ? "" : "s",
                        m.connectionsOpened(), m.connectionsOpened() == 1 ? "" : "s");
                out.flush();
            }
            try {
                store.writeIndex();
            } catch (IOException e) {
                // Only the next start is slower: it reads every message's .json instead.
                err.println("catch: cannot write the index of " + dir + ": " + CliFailure.describe(e));
                err.flush();
            }
            return 0;
        } finally {
            lifetime.finished();
        }
    }

    private List<FaultRule> rules() {
        List<FaultRule> rules = new ArrayList<>();
        for (String f : fault == null ? List.<String>of() : fault) {
            try {
                rules.add(FaultRule.parse(f));
            } catch (IllegalArgumentException e) {
                throw CliFailure.usage("--fault " + f + ": " + e.getMessage());
            }
            FaultRule rule = rules.get(rules.size() - 1);
            if (rule.stage() == FaultRule.Stage.AUTH && rule.reply().isPresent() && !server.offersAuth()) {
                throw CliFailure.usage("--fault " + f + ": a reply at auth needs --auth USER:PASSWORD; without it AUTH is not offered");
            }
        }
        return rules;
    }

    /**
     * The web inbox, or nothing with --no-http. The default port may be taken (by Mailpit, or
     * another catcher): then the catcher still runs and says so; a port asked for must be had.
     */
    /**
     * The JDK's HTTP server, under the web inbox, reads a request's header on a pool thread with no
     * deadline by default: a client that sends half a header holds a thread for ever (2,000 such
     * held 470 threads after 8 s). This property (seconds) makes the server close such a
     * connection; for a request without a body its clock stops once the header is read, so event
     * streams and long polls are not cut. It is read once a process, when the first HTTP server
     * is made, so the command sets it in its own process, and only if the user has not.
     */
    static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";
    static final String DEFAULT_MAX_REQUEST_SECONDS = "30";

    static void requestDeadline(Properties system) {
        system.putIfAbsent(MAX_REQUEST_TIME, DEFAULT_MAX_REQUEST_SECONDS);
    }

    private AutoCloseable startHttp(MessageStore store, SessionLog sessions, Faults faults, PrintWriter out, PrintWriter err) {
        if (noHttp) {
            return () -> { };
        }
        requestDeadline(System.getProperties());
        int port = httpPort != null ? httpPort : DEFAULT_HTTP_PORT;
        try {
            return InboxServer.start(store, sessions, faults, new InetSocketAddress(httpBind, port));
        } catch (BindException e) {
            if (httpPort == null) {
                err.println("catch: no web inbox: port " + port + " on " + httpBind.getHostAddress()
                        + " is in use (--http-port to choose another, --no-http to go without)");
                err.flush();
                return () -> { };
            }
            throw CliFailure.failed("cannot listen on " + httpBind.getHostAddress() + ":" + port + " for the web inbox: "
                    + CliFailure.describe(e), e);
        } catch (IOException e) {
            throw CliFailure.failed("cannot start the web inbox: " + CliFailure.describe(e), e);
        }
    }

    private static void storeFailed(PrintWriter err, SmtpSession session, Reply reply, IOException cause) {
        // The client gets the 4xx and may retry; the user learns why.
        synchronized (err) {
            err.println("catch: cannot store a message in session " + session.id() + ": " + CliFailure.describe(cause)
                    + "; answered " + reply.toString().strip()
                    + (cause instanceof InboxFullException ? " (--keep N keeps only the newest N; more heap, such as"
                    + " JAVA_TOOL_OPTIONS=-Xmx2g, holds more)" : ""));
            err.flush();
        }
    }

    static String messageLine(MessageSummary m, MessageStore store) {
        return LocalTime.now().format(TIME)
                + " from=<" + m.sender() + ">"
                + " to=" + recipients(m.recipients())
                + " subject=" + quoted(m.subject())
                + " size=" + m.size()
                + " file=" + store.file(m);
    }

    private static String recipients(List<String> recipients) {
        StringBuilder sb = new StringBuilder();
        for (String r : recipients) {
            sb.append(sb.length() == 0 ? "<" : ",<").append(r).append('>');
        }
        return sb.toString();
    }

    /** One line per session, whatever became of it, with the reason: a refused or dropped client is never silent. */
    static String sessionLine(SmtpSession s) {
        String helo = s.connection().helloName();
        return LocalTime.now().format(TIME)
                + " session " + s.id()
                + " client=" + s.connection().remoteAddress().getAddress().getHostAddress()
                + (helo.isEmpty() ? "" : " helo=" + quoted(helo))
                + " " + s.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + (s.reason().isEmpty() ? "" : ": " + escape(s.reason()));
    }

    private static void print(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /**
     * A JSON string: quotes, and control characters escaped, so a hostile subject cannot forge
     * console lines. With jackson-core's encoder, not an ObjectMapper, whose set-up would delay
     * the start by a quarter of a second.
     */
    private static String quoted(String s) {
        return "\"" + escape(s) + "\"";
    }

    private static String escape(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // What the encoder escapes: control characters, the quote and the backslash.
            if (c < 0x20 || c == '"' || c == '\\') {
                return new String(JsonStringEncoder.getInstance().quoteAsString(s));
            }
        }
        // Two lines a message: most subjects, HELO names and reasons have nothing to escape.
        return s;
    }
}
