package dev.smtpkit.cli;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpSyntaxException;
import dev.smtpkit.core.Verb;
import dev.smtpkit.server.security.PemTls;
import dev.smtpkit.testkit.Fault.At;
import dev.smtpkit.testkit.Conversation;
import dev.smtpkit.testkit.Fault;
import dev.smtpkit.testkit.SmtpProxy;
import dev.smtpkit.testkit.explain.Explanation;
import dev.smtpkit.testkit.explain.Finding;
import dev.smtpkit.testkit.explain.Line.Side;
import java.io.BufferedWriter;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code smtpkit proxy}: relays SMTP between a real client and a real server, byte for byte,
 * records each connection as a script that {@code smtpkit play} replays, and injects the
 * testkit's {@link Fault faults}.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Relays SMTP to a server byte for byte, records each connection as a replayable script, injects faults.",
        description = {"Relays SMTP from --listen to --to exactly as the octets come, both ways, and records each "
                + "connection in the script format (S:/C: lines, as in RFC 5321 Appendix D, with C= lines for octets a "
                + "C: line cannot hold, @ times and ! notes). With --record FILE, connection N is written to FILE-N "
                + "(session.txt gives session-1.txt, session-2.txt, ...) line by line as it happens, so each file "
                + "replays on its own with 'smtpkit play' and survives Ctrl-C; without it, each recording goes to "
                + "standard output when its connection ends.",
            "After a STARTTLS the server accepts, the session is relayed unread and the recording says so; "
                + "--strip-starttls keeps sessions readable, and --tls-cert/--tls-key let the proxy itself answer "
                + "STARTTLS and record what the client sends inside TLS.",
            "AT names where a fault strikes: 'greeting', or a command as VERB or VERB#N for its N-th occurrence on "
                + "the connection (RCPT#2 is the second RCPT; RCPT is RCPT#1).",
            "Examples: record with a live view; the antivirus case; too many recipients at the second RCPT; a slow "
                + "greeting and a connection lost after 2 KiB:",
            "  smtpkit proxy --listen 2525 --to mx:25 --record s.txt -v",
            "  smtpkit proxy --listen 2525 --to mx:25 --answer-data",
            "  smtpkit proxy --listen 2525 --to mx:25 --rewrite 'RCPT#2=452 4.5.3 Too many'",
            "  smtpkit proxy --listen 2525 --to mx:25 --delay greeting=5s --drop-after 2K"})
final class ProxyCommand implements Callable<Integer> {

    /** How long to wait, after Ctrl-C, for the connections just closed to be recorded. */
    private static final Duration DRAIN = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(200);
    /** The field case's texts (seed conversation proxy-answers-data.txt). */
    private static final String ANSWER_DATA_ACCEPTED = "250 Mail accepted";

    private final Lifetime lifetime;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "[HOST:]PORT", required = true, converter = Converters.Address.class,
            description = "Where clients connect; a bare port listens on 127.0.0.1, port 0 picks a free one.")
    HostPort listen;

    @Option(names = "--to", paramLabel = "HOST:PORT", required = true,
            description = "The server to relay to.")
    String to;

    @Option(names = "--record", paramLabel = "FILE",
            description = "Write connection N's script to FILE-N as it happens (flushed line by line).")
    Path record;

    @Option(names = {"-v", "--verbose"},
            description = "Print each connection's conversation live on standard error, AUTH secrets redacted.")
    boolean verbose;

    @Option(names = "--strip-starttls",
            description = "Remove STARTTLS from the EHLO reply the client sees (RFC 3207), so sessions stay readable.")
    boolean stripStartTls;

    @Option(names = "--answer-data", paramLabel = "REPLY", arity = "0..1", fallbackValue = ANSWER_DATA_ACCEPTED,
            description = "Answer DATA itself, as intercepting antivirus software does: 354 to the client at once, "
                    + "then REPLY (default '" + ANSWER_DATA_ACCEPTED + "') at its end of data, and only then the "
                    + "message to the server, whose answer the client never sees.")
    String answerData;

    @Option(names = "--rewrite", paramLabel = "AT=REPLY",
            description = "Give the client REPLY instead of the server's reply at AT, such as 'RCPT#2=452 4.5.3 Too many "
                    + "recipients'; a multi-line REPLY separates its lines with \\n. Repeatable.")
    List<String> rewrites = new ArrayList<>();

    @Option(names = "--delay", paramLabel = "AT=DURATION",
            description = "Hold the server's reply at AT back for DURATION (500ms, 5s, 2m), such as 'greeting=5s'. Repeatable.")
    List<String> delays = new ArrayList<>();

    @Option(names = "--drop-at", paramLabel = "AT",
            description = "Close both connections at AT instead of passing on the greeting or forwarding the command. Repeatable.")
    List<String> dropAt = new ArrayList<>();

    @Option(names = "--drop-after", paramLabel = "OCTETS", converter = Converters.Size.class,
            description = "Close both connections once OCTETS octets from the client have reached the server (512, 10K).")
    Long dropAfter;

    @Option(names = "--inject-rset", paramLabel = "VERB[#N]",
            description = "Send the server a RSET just before that command, unseen by the client. Repeatable.")
    List<String> injectRset = new ArrayList<>();

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "Certificate chain (PEM) for answering STARTTLS in the proxy (TLS termination); needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (PEM, PKCS#8) for --tls-cert.")
    Path tlsKey;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait to reach the server (${DEFAULT-VALUE}).")
    String connectTimeout;

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
            if (record != null) {
                checkWritable(record);
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Recorder recorder = new Recorder(out, err);
            SmtpProxy.Builder builder = SmtpProxy.builder(targetAddress).address(listenAddress).port(listen.port())
                    .connectTimeout(duration("--connect-timeout", connectTimeout)).listener(recorder);
            faults().forEach(builder::fault);
            tls().ifPresent(builder::terminateTls);
            SmtpProxy proxy;
            try {
                proxy = builder.start();
            } catch (UncheckedIOException e) {
                throw CliFailure.failed("cannot listen on " + listen, e);
            }
            try (proxy) {
                out.printf("proxy on %s:%d relaying to %s, recording to %s; Ctrl-C to stop%n", listenAddress.getHostAddress(),
                        proxy.port(), target, record == null ? "standard output" : numberedPattern(record));
                if (!proxy.faults().isEmpty()) {
                    out.printf("faults: %s%n", describe(proxy.faults()));
                }
                out.flush();
                while (!lifetime.isStopped()) {
                    proxy.takeRecording(POLL).ifPresent(recorder::ended);
                }
                proxy.close();
                for (Optional<SmtpProxy.Recording> r = proxy.takeRecording(DRAIN); r.isPresent(); r = proxy.takeRecording(DRAIN)) {
                    recorder.ended(r.get());
                }
            }
            return 0;
        } finally {
            lifetime.finished();
        }
    }

    /** The faults the options ask for, each checked, so that a typo fails before anything starts. */
    List<Fault> faults() {
        List<Fault> faults = new ArrayList<>();
        if (stripStartTls) {
            faults.add(Fault.stripStartTls());
        }
        if (answerData != null) {
            Fault.AnswerData field = Fault.answerData();
            faults.add(new Fault.AnswerData(field.goAhead(), reply("--answer-data", answerData), field.keepAlive()));
        }
        for (String r : rewrites) {
            String[] parts = pair("--rewrite", r, "AT=REPLY");
            faults.add(Fault.rewriteReply(at("--rewrite", parts[0]), reply("--rewrite", parts[1])));
        }
        for (String d : delays) {
            String[] parts = pair("--delay", d, "AT=DURATION");
            faults.add(Fault.delayReply(at("--delay", parts[0]), duration("--delay", parts[1])));
        }
        for (String d : dropAt) {
            faults.add(Fault.dropConnection(at("--drop-at", d)));
        }
        if (dropAfter != null) {
            faults.add(Fault.dropAfterOctets(dropAfter));
        }
        for (String r : injectRset) {
            if (!(at("--inject-rset", r) instanceof At.Occurrence o)) {
                throw CliFailure.usage("--inject-rset: a RSET goes before a command, not the greeting: " + r);
            }
            faults.add(Fault.injectRset(o));
        }
        return faults;
    }

    private Optional<SSLContext> tls() {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw CliFailure.usage(tlsCert == null ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
        }
        if (tlsCert == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PemTls.serverContext(tlsCert, tlsKey));
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw CliFailure.usage("--tls-cert/--tls-key: " + CliFailure.describe(e));
        }
    }

    /** {@code greeting}, {@code VERB} or {@code VERB#N}, any case. */
    static At at(String option, String text) {
        String t = text.trim();
        if (t.equalsIgnoreCase("greeting")) {
            return At.greeting();
        }
        int hash = t.indexOf('#');
        String verbText = hash < 0 ? t : t.substring(0, hash);
        Verb verb = Verb.lookup(verbText);
        if (verb == Verb.UNKNOWN) {
            throw CliFailure.usage(option + ": '" + text + "' is not 'greeting' or a command such as RCPT or RCPT#2");
        }
        int n = 1;
        if (hash >= 0) {
            try {
                n = Integer.parseInt(t.substring(hash + 1));
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1) {
                throw CliFailure.usage(option + ": '" + text + "': the occurrence after # counts from 1, such as RCPT#2");
            }
        }
        return At.command(verb, n);
    }

    /** A reply as written on the wire, lines separated by {@code \n}: {@code 452 4.5.3 Too many recipients}. */
    static Reply reply(String option, String text) {
        String[] lines = text.split("\\\\n|\n");
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.length() >= 3 && i < lines.length - 1 && (line.length() == 3 || line.charAt(3) == ' ')) {
                line = line.substring(0, 3) + "-" + line.substring(Math.min(4, line.length()));
            }
            wire.append(line).append("\r\n");
        }
        try {
            return Reply.parse(wire.toString());
        } catch (SmtpSyntaxException | IllegalArgumentException e) {
            throw CliFailure.usage(option + ": '" + text + "' is not a reply such as '452 4.5.3 Too many recipients': "
                    + e.getMessage());
        }
    }

    /** {@code 500ms}, {@code 5s}, {@code 2m}; a bare number is seconds. */
    static Duration duration(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return nonNegative(Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim())), option, text);
            }
            if (t.endsWith("s")) {
                return nonNegative(Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim())), option, text);
            }
            if (t.endsWith("m")) {
                return nonNegative(Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim())), option, text);
            }
            return nonNegative(Duration.ofSeconds(Long.parseLong(t)), option, text);
        } catch (NumberFormatException e) {
            throw CliFailure.usage(option + ": '" + text + "' is not a duration such as 500ms, 5s or 2m");
        }
    }

    private static Duration nonNegative(Duration d, String option, String text) {
        if (d.isNegative()) {
            throw CliFailure.usage(option + ": '" + text + "' must not be negative");
        }
        return d;
    }

    private static String[] pair(String option, String text, String form) {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw CliFailure.usage(option + ": expected " + form + ", got '" + text + "'");
        }
        return new String[] {text.substring(0, eq), text.substring(eq + 1)};
    }

    /** The faults in the words of the options. */
    static String describe(List<Fault> faults) {
        List<String> words = new ArrayList<>();
        for (Fault f : faults) {
            if (f instanceof Fault.StripStartTls) {
                words.add("strip STARTTLS");
            } else if (f instanceof Fault.AnswerData a) {
                words.add("answer DATA with " + a.accepted().code());
            } else if (f instanceof Fault.RewriteReply r) {
                words.add("rewrite " + r.at() + " to " + r.replacement().code());
            } else if (f instanceof Fault.DelayReply d) {
                words.add("delay " + d.at() + " by " + Printable.duration(d.delay()));
            } else if (f instanceof Fault.DropConnection d) {
                words.add("drop at " + d.at());
            } else if (f instanceof Fault.DropAfterOctets d) {
                words.add("drop after " + d.octets() + " octets");
            } else if (f instanceof Fault.InjectRset r) {
                words.add("RSET before " + r.before());
            }
        }
        return String.join(", ", words);
    }

    /** Fails at start, naming the reason, if the recordings could not be written. */
    private static void checkWritable(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Path probe = Files.createTempFile(dir, ".smtpkit-proxy", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw CliFailure.usage("--record: cannot write in " + dir + ": " + CliFailure.describe(e));
        }
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

    /**
     * Writes each connection's recording to its file as the proxy tells it, a line at a time and
     * flushed, and prints the live view and the problems. Called from the relaying threads.
     */
    private final class Recorder implements SmtpProxy.Listener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final Map<Integer, BufferedWriter> files = new HashMap<>();
        /** With -v: each open connection's conversation explained as it goes (issue 19). */
        private final Map<Integer, Explanation.Live> explained = new HashMap<>();

        Recorder(PrintWriter out, PrintWriter err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public synchronized void recorded(int connection, String scriptLine) {
            if (verbose) {
                explain(connection, scriptLine);
            }
            if (record == null) {
                return;
            }
            Path file = numbered(record, connection);
            try {
                BufferedWriter w = files.get(connection);
                if (w == null) {
                    if (files.containsKey(connection)) {
                        return; // failed before, and said so
                    }
                    w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                    files.put(connection, w);
                }
                w.write(scriptLine);
                w.write('\n');
                w.flush();
            } catch (IOException e) {
                files.put(connection, null);
                err.println("proxy: cannot write " + file + ": " + CliFailure.describe(e));
                err.flush();
            }
        }

        @Override
        public synchronized void shown(int connection, String line) {
            if (verbose) {
                err.println("[" + connection + "] " + line);
                err.flush();
            }
        }

        @Override
        public synchronized void problem(int connection, String message) {
            err.println("proxy: " + message);
            err.flush();
        }

        /**
         * Feeds one recorded line to the connection's explainer and prints what it finds, under
         * the lines it concerns. The recording's exact form is used, not the shown one, so a
         * bare LF (a {@code C=} line) is seen as what it is.
         */
        private void explain(int connection, String scriptLine) {
            Side side;
            byte[] octets;
            if (scriptLine.startsWith("C:") || scriptLine.startsWith("C=")) {
                side = Side.CLIENT;
                octets = ((Conversation.ClientWrite) Conversation.parse(scriptLine).steps().get(0)).octets();
            } else if (scriptLine.startsWith("S:")) {
                side = Side.SERVER;
                octets = (scriptLine.substring(Math.min(3, scriptLine.length())) + "\r\n").getBytes(StandardCharsets.UTF_8);
            } else {
                return;
            }
            show(connection, explained.computeIfAbsent(connection, n -> Explanation.live())
                    .bytes(side, octets, 0, octets.length, Optional.empty()));
        }

        private void show(int connection, List<Finding> findings) {
            for (Finding f : findings) {
                err.println("[" + connection + "] >> " + f);
            }
            err.flush();
        }

        synchronized void ended(SmtpProxy.Recording recording) {
            int n = recording.connection();
            Explanation.Live live = explained.remove(n);
            if (live != null) {
                show(n, live.end());
            }
            if (record == null) {
                // Without faults both views are the same; the client's is what a stand-in server must play.
                out.printf("# connection %d%n%s%n", n, recording.clientView().write());
            } else {
                BufferedWriter w = files.remove(n);
                if (w == null) {
                    return;
                }
                try {
                    w.close();
                } catch (IOException e) {
                    err.println("proxy: cannot write " + numbered(record, n) + ": " + CliFailure.describe(e));
                    err.flush();
                    return;
                }
                out.printf("connection %d recorded to %s (%d steps)%n", n, numbered(record, n),
                        recording.clientView().steps().size());
            }
            out.flush();
        }
    }
}
