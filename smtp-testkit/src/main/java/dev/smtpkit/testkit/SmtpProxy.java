package dev.smtpkit.testkit;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpProtocolException;
import dev.smtpkit.core.Verb;
import dev.smtpkit.core.internal.DataDecoder;
import dev.smtpkit.core.internal.DecodeStatus;
import dev.smtpkit.core.internal.ReplyDecoder;
import dev.smtpkit.testkit.Fault.At;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy between a real SMTP client and a real SMTP server that records each connection in
 * script form from both ends ({@link Recording}) and injects {@link Fault faults}.
 *
 * <pre>{@code
 * try (ScriptedServer server = ScriptedServer.stub();
 *      SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.answerData())) {
 *     clientUnderTest.send("127.0.0.1", proxy.port());
 *     SmtpProxy.Recording r = proxy.takeRecording(Duration.ofSeconds(5)).orElseThrow();
 *     System.out.println(r.firstDifference().orElse("no difference"));
 * }
 * }</pre>
 *
 * <p>The proxy is byte-transparent: it relays exactly the octets it reads, both ways. It never
 * re-terminates a line or decodes text, so a bare LF that a server refuses directly (SMTP
 * smuggling, CVE-2023-51764) reaches it through the proxy as it was sent, and so do octets that
 * are not UTF-8. To follow the conversation it splits a copy of each side's octets: the
 * client's into lines at each LF, the end of message data found as the server's
 * {@link DataDecoder} finds it (CRLF . CRLF, RFC 5321 §4.1.1.4), the server's into replies with
 * core's {@link ReplyDecoder} (RFC 5321 §4.2). That is what lets it record, and inject faults at a
 * chosen command; only a fault changes what is relayed.
 *
 * <p>After a STARTTLS that the server accepts with 220 (RFC 3207 §4.2), after BDAT (RFC 3030),
 * after a server reply that is not SMTP and after a line longer than 64 KiB (or a reply longer
 * than 1 MiB) from either side, the proxy relays the rest unread, and the recording
 * says so in a note ({@code ! tls: ...}); {@link Fault.StripStartTls} keeps a session in clear
 * text. Octets that arrive in one read reach the other side in one write, so pipelining (RFC
 * 2920) passes through. What waits in the proxy is bounded: a client that sends faster than the
 * server reads is held back by TCP once 1 MiB of its octets wait, and a recording keeps at most
 * 8 MiB of lines a side, saying where it was cut; all recordings not yet taken keep at most
 * {@link Builder#maxHeldBytes} together. At most {@value Acceptor#MAX_CONNECTIONS} connections
 * are relayed at once; one more gets {@code 421 4.3.2}.
 *
 * <p>Each connection is relayed by its own threads. The recording (in script form, with times
 * and notes, see {@link Conversation}) is told to a {@link Listener} line by line as it
 * happens, and handed out whole by {@link #takeRecording(Duration)} when both ends are closed.
 * A server that cannot be reached gets the client a {@code 421 4.4.1} naming the cause. The proxy
 * listens on {@code 127.0.0.1} and a free port unless told otherwise; {@link #close()} closes
 * every connection.
 */
public final class SmtpProxy implements AutoCloseable {

    /** How long to wait to reach the server. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(SmtpProxy.class);
    /**
     * Replies are read to follow the conversation, not to judge the server: far above RFC 5321
     * §4.5.3.1.5's 512 octets a line, yet bounded. A reply over these is relayed unread.
     */
    private static final Limits READ_LIMITS = Limits.builder().maxReplyLine(65_536).maxReplyLines(10_000).build();
    /**
     * The longest line the proxy follows, either way; past it (a peer that never sends a line
     * end) the rest of the session is relayed unread, so that the proxy never holds more of a
     * line than this.
     */
    static final int MAX_LINE = 65_536;
    /**
     * The most octets read from the client that may wait for the relaying thread: the client's
     * reader stops reading beyond, so a client faster than the server is held back by TCP rather
     * than by the proxy's memory. The server's side has no such bound: its reader must always
     * read, or a server busy writing replies while the proxy writes to it would never read again.
     */
    static final int MAX_CLIENT_BACKLOG = 1 << 20;
    /** The most octets of one reply, all its lines, that the proxy follows; past it, as past {@link #MAX_LINE}. */
    static final int MAX_REPLY = 1 << 20;
    /**
     * The most commands the proxy follows while they wait for their replies (a client pipelining
     * to a server that does not answer); past it, as past {@link #MAX_LINE}.
     */
    static final int MAX_AWAITING_REPLIES = 10_000;
    /**
     * The most octets of lines a connection's recording keeps on each side: enough for messages
     * of some MB, with their commands. Past it the recording says where it was cut and how much
     * more was relayed; the relaying itself goes on unchanged.
     */
    static final long MAX_RECORDED = 8L << 20;
    /**
     * The most octets of a message the proxy takes itself ({@link Fault.AnswerData}) and holds
     * until the server has it; past it the connection is dropped, the server never having seen it.
     */
    static final long MAX_TAKEN = 32L << 20;

    /**
     * Follows the proxy's connections as they happen, for a live view and for recordings
     * that survive a crash. Called from the relaying threads, one connection's calls in order and
     * calls for different connections at the same time; an implementation must be quick and
     * thread-safe, and a listener that throws is logged and otherwise ignored.
     */
    public interface Listener {

        /**
         * One line of a connection's recording, the client's view in script form, exactly as
         * {@link Conversation#write()} of {@link Recording#clientView()} will have it: lines
         * concatenated with a line end after each are the recording. Holds AUTH secrets, as a replay
         * needs them; never print it.
         *
         * @param connection the 1-based connection
         * @param scriptLine a {@code C:}, {@code C=}, {@code S:}, {@code @} or {@code !} line, without its line end
         */
        default void recorded(int connection, String scriptLine) {
        }

        /**
         * The same line made fit for a console or a log: AUTH secrets replaced by
         * {@code <redacted>}, control characters escaped, no {@code @} times.
         */
        default void shown(int connection, String line) {
        }

        /**
         * Something went wrong that the user of a proxy must hear about, such as a server that cannot
         * be reached; the message names the cause and has no control characters.
         */
        default void problem(int connection, String message) {
        }
    }

    /**
     * One connection relayed by the proxy, in script form from both ends. Without faults
     * the two views are equal; a fault shows as the first step where they differ. Either view can be
     * replayed: the client view with a {@link ScriptedServer} in place of the real server, the server
     * view with a {@link ScriptedClient} in place of the real client.
     *
     * @param connection the 1-based connection on the proxy
     * @param clientView what the client sent and what it was answered
     * @param serverView what the server was sent and what it answered
     */
    public record Recording(int connection, Conversation clientView, Conversation serverView) {

        /** Checks for nulls. */
        public Recording {
            Objects.requireNonNull(clientView, "clientView");
            Objects.requireNonNull(serverView, "serverView");
        }

        /** Returns whether the client and the server saw different conversations. */
        public boolean differs() {
            return !clientView.equals(serverView);
        }

        /**
         * Describes the first step where the views differ, both sides in script form, such as
         * <pre>
         * step 8:
         *   client saw: C: DATA
         *   server saw: C: NOOP
         * </pre>
         */
        public Optional<String> firstDifference() {
            List<Conversation.Step> c = clientView.steps();
            List<Conversation.Step> s = serverView.steps();
            int n = Math.max(c.size(), s.size());
            for (int i = 0; i < n; i++) {
                Optional<Conversation.Step> a = i < c.size() ? Optional.of(c.get(i)) : Optional.empty();
                Optional<Conversation.Step> b = i < s.size() ? Optional.of(s.get(i)) : Optional.empty();
                if (!a.equals(b)) {
                    return Optional.of("step " + (i + 1) + ":\n  client saw: " + describe(a) + "\n  server saw: " + describe(b));
                }
            }
            return Optional.empty();
        }

        private static String describe(Optional<Conversation.Step> step) {
            return step.map(s -> String.join("\n              ", s.scriptLines(Conversation.Notation.CLIENT_SERVER)))
                    .orElse("(nothing: the conversation had ended)");
        }
    }

    private final InetSocketAddress target;
    private final List<Fault> faults;
    private final Duration connectTimeout;
    private final Listener observer;
    private final Optional<SSLContext> terminateTls;
    private final Acceptor acceptor;
    private final BlockingQueue<Recording> recordings = new LinkedBlockingQueue<>();
    /**
     * The octets of lines held by the recordings, those of open connections and those not yet
     * taken; given back by {@link #takeRecording}. Keyed by connection for the queued ones.
     */
    private final HeldBytes held;
    private final Map<Integer, Long> heldByConnection = new ConcurrentHashMap<>();

    private SmtpProxy(Builder b) throws IOException {
        this.target = b.target;
        this.faults = List.copyOf(b.faults);
        this.connectTimeout = b.connectTimeout;
        this.observer = b.listener;
        this.terminateTls = b.terminateTls;
        this.held = new HeldBytes(b.maxHeldBytes);
        byte[] busy = Reply.of(421, EnhancedStatus.of(4, 3, 2),
                "proxy busy: " + Acceptor.MAX_CONNECTIONS + " connections already, the most it relays at once").encode();
        this.acceptor = new Acceptor("smtp-proxy", b.address, b.port, Acceptor.MAX_CONNECTIONS, busy, (client, n) -> new Relay(client, n).run()).listen();
    }

    /** Starts a proxy to the target on {@code 127.0.0.1} and a free port, with the given faults. */
    public static SmtpProxy start(InetSocketAddress target, Fault... faults) {
        Builder b = builder(target);
        for (Fault f : Objects.requireNonNull(faults, "faults")) {
            b.fault(f);
        }
        return b.start();
    }

    /** Returns a builder for a proxy to the target. */
    public static Builder builder(InetSocketAddress target) {
        return new Builder(target);
    }

    /** Returns the port the proxy listens on. */
    public int port() {
        return acceptor.port();
    }

    /** Returns the address the proxy listens on. */
    public InetSocketAddress address() {
        return acceptor.address();
    }

    /** Returns the server the proxy relays to. */
    public InetSocketAddress target() {
        return target;
    }

    /** Returns the faults injected into every connection. */
    public List<Fault> faults() {
        return faults;
    }

    /** Returns the recording of the next connection to end, or empty after the timeout. */
    public Optional<Recording> takeRecording(Duration timeout) {
        Optional<Recording> r = Acceptor.take(recordings, timeout);
        r.ifPresent(recording -> held.release(heldByConnection.remove(recording.connection())));
        return r;
    }

    /** Closes the listening socket and every relayed connection, and waits for their threads. */
    @Override
    public void close() {
        acceptor.close();
    }

    @Override
    public String toString() {
        return "SmtpProxy[" + address() + " -> " + target + ", " + faults + "]";
    }

    /** What a relay's coordinator is told by its two readers: octets as they came, never decoded. */
    private sealed interface Event {
    }

    /**
     * Octets from the client; with TLS termination, a read that ends with a STARTTLS line waits
     * on {@code upgrade} to learn whether to start TLS before it reads on.
     */
    private record FromClient(byte[] octets, Optional<CompletableFuture<Boolean>> upgrade) implements Event {
    }

    /** The proxy's TLS handshake with the client is done (termination, RFC 3207 §4.2). */
    private record TlsUp(String protocol, String cipherSuite) implements Event {
    }

    private record FromServer(byte[] octets) implements Event {
    }

    private record Closed(boolean client, String why) implements Event {
    }

    /**
     * One line from the client: its octets exactly as they came, up to and including the LF that
     * ended it, and the same in the script model's form ({@link Conversation#line(byte[], int, int)}).
     */
    private record Line(byte[] octets, String text) {
        static Line of(byte[] octets) {
            return new Line(octets, Conversation.line(octets, 0, octets.length));
        }

        /** A line the proxy itself writes. */
        static Line made(String command) {
            return new Line((command + "\r\n").getBytes(StandardCharsets.US_ASCII), command);
        }

        /** The command without its line end, for finding the verb. */
        String command() {
            int end = text.length();
            while (end > 0 && (text.charAt(end - 1) == '\r' || text.charAt(end - 1) == '\n')) {
                end--;
            }
            return text.substring(0, end).strip();
        }
    }

    /** A reply the client is owed, in the order of its commands; filled by the server or the proxy. */
    private static final class Slot {
        final Optional<At> at;
        Reply reply;
        /** The server's octets of the reply, relayed as they came unless a fault replaced the reply. */
        byte[] octets;
        Duration delay = Duration.ZERO;
        boolean startTls;
        /** The proxy's own 220 to STARTTLS: TLS with the client starts once it is written. */
        boolean terminate;

        Slot(Optional<At> at) {
            this.at = at;
        }
    }

    /** What to do with the server's next reply: pass it to the client's slot, or use it in the proxy. */
    private record Owed(Optional<Slot> slot, Consumer<Reply> proxy) {
        static Owed client(Slot slot) {
            return new Owed(Optional.of(slot), r -> { });
        }

        static Owed proxy(Consumer<Reply> then) {
            return new Owed(Optional.empty(), then);
        }
    }

    /**
     * One side's recording. The client's view is also told to the {@link Listener} line by
     * line, in the very form its {@link Conversation#write()} will have.
     */
    private final class View {
        private final Conversation.Builder script = Conversation.builder();
        private final int connection;
        private final boolean live;
        private final long started;
        /** Octets of the lines recorded, and of those past {@link #MAX_RECORDED} that were not. */
        private long recorded;
        private long unrecorded;

        View(int connection, boolean live, long started) {
            this.connection = connection;
            this.live = live;
            this.started = started;
        }

        void client(Line line, boolean timed, boolean secret) {
            if (full(line.octets().length)) {
                return;
            }
            Duration at = elapsed();
            if (timed) {
                script.time(at);
                emit(Conversation.timeLine(at), null);
            }
            script.client(line.text());
            String shown = secret && !line.command().equals("*") ? Printable.REDACTED : Printable.redactAuth(line.text());
            emit(Conversation.clientScriptLine(line.text(), Conversation.Notation.CLIENT_SERVER),
                    Conversation.clientScriptLine(shown, Conversation.Notation.CLIENT_SERVER));
        }

        void server(Reply reply) {
            if (full(reply.lines().stream().mapToLong(l -> l.length() + 6).sum())) {
                return;
            }
            Duration at = elapsed();
            script.time(at).server(reply);
            emit(Conversation.timeLine(at), null);
            for (String line : new Conversation.ServerReply(reply).scriptLines(Conversation.Notation.CLIENT_SERVER)) {
                emit(line, Printable.hasControl(line) ? Printable.escape(line) : line);
            }
        }

        /** A note that comes once a connection at most: always recorded, past the cut too. */
        void note(String text) {
            script.note(text);
            String line = Conversation.noteLine(text);
            emit(line, line);
        }

        /** A note that may come with every reply: recorded while there is room. */
        void noteIfRoom(String text) {
            if (!full(text.length())) {
                note(text);
            }
        }

        /** Whether the recording has no room for so many more octets; the first time, it says so. */
        private boolean full(long octets) {
            if (unrecorded == 0 && recorded + octets <= MAX_RECORDED) {
                if (held.take(octets)) {
                    recorded += octets;
                    return false;
                }
                note("recording cut here: the proxy " + held.describe() + " for recordings not yet taken, its most;"
                        + " what follows is relayed but not recorded");
            } else if (unrecorded == 0) {
                note("recording cut here: it holds " + recorded + " octets, its most; what follows is relayed but not recorded");
            }
            unrecorded += octets;
            return true;
        }

        long recorded() {
            return recorded;
        }

        Conversation build() {
            if (unrecorded > 0) {
                note("not recorded: " + unrecorded + " octets past the cut");
            }
            return script.build();
        }

        private Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - started);
        }

        private void emit(String scriptLine, String shownLine) {
            if (!live) {
                return;
            }
            try {
                observer.recorded(connection, scriptLine);
                if (shownLine != null) {
                    observer.shown(connection, shownLine);
                }
            } catch (RuntimeException e) {
                LOG.warn("connection {}: the SmtpProxy.Listener failed", connection, e);
            }
        }
    }

    /**
     * One relayed connection. Two readers pass on octets as they come; this one thread owns all
     * the state and does all the writing, so the rules live in one place and need no locks. It
     * splits a copy of each side's octets into lines and replies to follow the conversation, and
     * relays the octets it read, never the lines it made of them.
     */
    private final class Relay {
        private final int connection;
        private final Socket client;
        private final Socket server = new Socket();
        private final long started = System.nanoTime();
        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        /** Room for the client's octets read but not yet handled: {@link #MAX_CLIENT_BACKLOG} in all. */
        private final Semaphore clientBacklog = new Semaphore(MAX_CLIENT_BACKLOG);
        private final View clientView;
        private final View serverView;
        private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
        private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
        private final Map<Verb, Integer> counts = new EnumMap<>(Verb.class);
        private final ArrayDeque<Slot> clientOwed = new ArrayDeque<>();
        private final ArrayDeque<Owed> serverOwed = new ArrayDeque<>();
        private final ArrayDeque<Line> deferred = new ArrayDeque<>();
        /** The octets of {@link #deferred}: {@link #MAX_CLIENT_BACKLOG} at most. */
        private long deferredOctets;
        private final Optional<Fault.AnswerData> answerData;
        private final Optional<Fault.DropAfterOctets> dropAfter;
        /** The client's octets after its last LF: the start of a line not yet complete. */
        private final ByteArrayOutputStream clientPartial = new ByteArrayOutputStream();
        /** The server's octets after its last LF. */
        private final ByteArrayOutputStream serverPartial = new ByteArrayOutputStream();
        /** The server's octets of the reply being read. */
        private final ByteArrayOutputStream replyOctets = new ByteArrayOutputStream();
        private final ReplyDecoder replies = new ReplyDecoder(READ_LIMITS);
        /** Finds the end of message data exactly as the server's decoder does (RFC 5321 §4.1.1.4). */
        private final DataDecoder dataEnd = new DataDecoder(Integer.MAX_VALUE, false, false);
        /** The client has been given 354 and is sending message data (RFC 5321 §4.1.1.4). */
        private boolean clientInData;
        /** The client has been given 334 and its next line answers the challenge (RFC 4954 §4). */
        private boolean clientInAuth;
        /** The message now coming is being taken by the proxy ({@link Fault.AnswerData}). */
        private boolean intercepting;
        private final List<Line> intercepted = new ArrayList<>();
        /** The octets of {@link #intercepted}: {@link #MAX_TAKEN} at most. */
        private long interceptedOctets;
        /** An intercepted message, and the line that ended it, waiting to be delivered to the server. */
        private Optional<List<Line>> undelivered = Optional.empty();
        /** The proxy is delivering an intercepted message; client lines wait. */
        private boolean busy;
        private long nextKeepAlive;
        /** The client left while an intercepted message was still to be delivered. */
        private boolean clientGone;
        private boolean done;
        /** A fault closed both ends: nothing more is written. */
        private boolean dropped;
        /**
         * Why the octets are now relayed unread, both ways: TLS after STARTTLS (RFC 3207 §4.2),
         * BDAT chunks (RFC 3030), or a server that stopped speaking SMTP.
         */
        private Optional<String> passThrough = Optional.empty();
        private long passedFromClient;
        private long passedFromServer;
        private long relayedToServer;
        /** Where the client's octets go: the socket, or the TLS layer the proxy put on it. */
        private volatile OutputStream clientOut;
        /** The proxy has written its 220 to STARTTLS and the client's reader is to start TLS. */
        private boolean upgradeNow;
        /** The proxy terminated TLS with the client (RFC 3207 §4.2): STARTTLS is no longer offered. */
        private boolean clientTls;
        /** The read being handled ends with STARTTLS and its reader waits to hear whether to start TLS. */
        private boolean lastReadMayUpgrade;

        Relay(Socket client, int connection) {
            this.client = client;
            this.connection = connection;
            this.clientView = new View(connection, true, started);
            this.serverView = new View(connection, false, started);
            this.answerData = faults.stream().filter(f -> f instanceof Fault.AnswerData)
                    .map(f -> (Fault.AnswerData) f).findFirst();
            this.dropAfter = faults.stream().filter(f -> f instanceof Fault.DropAfterOctets)
                    .map(f -> (Fault.DropAfterOctets) f).findFirst();
        }

        void run() {
            String from = client.getInetAddress().getHostAddress() + ":" + client.getPort();
            String to = target.getHostString() + ":" + target.getPort();
            String opened = "connection " + connection + " from " + from + " to " + to + " at " + Instant.now();
            clientView.note(opened);
            serverView.note(opened);
            try {
                acceptor.track(server);
                try {
                    server.connect(target, ScriptedClient.millis(connectTimeout));
                } catch (IOException e) {
                    unreachable(to, e);
                    return;
                }
                server.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                clientOut = client.getOutputStream();
                acceptor.start(() -> read(client, true), Thread.currentThread().getName() + "-client");
                acceptor.start(() -> read(server, false), Thread.currentThread().getName() + "-server");
                Slot greeting = new Slot(Optional.of(At.greeting()));
                clientOwed.add(greeting);
                serverOwed.add(Owed.client(greeting));
                while (!done) {
                    Event e = nextEvent();
                    if (e == null) {
                        keepAlive();
                    } else {
                        handle(e);
                    }
                    flush();
                }
            } catch (IOException e) {
                LOG.debug("relay {} ended: {}", connection, Printable.escape(String.valueOf(e)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                Acceptor.closeQuietly(client);
                Acceptor.closeQuietly(server);
                // A client reader waiting for room would otherwise never see its socket closed.
                clientBacklog.release(MAX_CLIENT_BACKLOG);
                acceptor.forget(server);
                passThrough.ifPresent(why -> {
                    String n = "relayed unread: " + passedFromClient + " octets from the client, " + passedFromServer
                            + " from the server";
                    clientView.note(n);
                    serverView.note(n);
                });
                Recording recording = new Recording(connection, clientView.build(), serverView.build());
                heldByConnection.put(connection, clientView.recorded() + serverView.recorded());
                recordings.add(recording);
            }
        }

        /** The server cannot be reached: the client hears 421 (RFC 5321 §3.8) and the user the cause. */
        private void unreachable(String to, IOException e) {
            String cause = cause(e);
            Reply reply = Reply.of(421, EnhancedStatus.of(4, 4, 1), "proxy cannot reach " + to + ": " + cause);
            String problem = "connection " + connection + ": cannot reach the server " + to + ": " + cause;
            // INFO: the listener (the CLI's console) says it to the user; a WARN would say it twice there
            LOG.info("{}", problem);
            try {
                observer.problem(connection, problem);
            } catch (RuntimeException failed) {
                LOG.warn("connection {}: the SmtpProxy.Listener failed", connection, failed);
            }
            clientView.server(reply);
            try {
                OutputStream out = client.getOutputStream();
                out.write(reply.encode());
                out.flush();
            } catch (IOException gone) {
                LOG.debug("connection {}: the client left before the 421: {}", connection, Printable.escape(String.valueOf(gone)));
            }
        }

        private Event nextEvent() throws InterruptedException {
            if (intercepting && nextKeepAlive != 0) {
                long left = nextKeepAlive - System.nanoTime();
                return left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            }
            return events.take();
        }

        private void keepAlive() {
            Fault.AnswerData f = answerData.orElseThrow();
            nextKeepAlive = System.nanoTime() + f.keepAlive().toNanos();
            if (serverOwed.isEmpty()) {
                toServer(Line.made("NOOP"), Owed.proxy(r -> { }));
            }
        }

        private void handle(Event e) throws IOException, InterruptedException {
            if (e instanceof FromClient c) {
                clientBacklog.release(c.octets().length);
                fromClient(c.octets(), c.upgrade().isPresent());
                if (c.upgrade().isPresent()) {
                    flush();
                    c.upgrade().get().complete(upgradeNow);
                    upgradeNow = false;
                }
            } else if (e instanceof TlsUp up) {
                clientTls = true;
                String note = "tls: terminated by the proxy (" + up.protocol() + ", " + up.cipherSuite()
                        + "); what the client sends inside TLS is recorded in clear";
                clientView.note(note);
                serverView.note(note);
            } else if (e instanceof FromServer s) {
                fromServer(s.octets());
            } else {
                Closed closed = (Closed) e;
                LOG.debug("relay {}: the {} closed: {}", connection, closed.client() ? "client" : "server",
                        Printable.escape(closed.why()));
                if (closed.client() && clientPartial.size() > 0) {
                    // a last line without its line end still reaches the server, as it came
                    byte[] tail = clientPartial.toByteArray();
                    clientPartial.reset();
                    clientView.note("the client closed in the middle of a line: " + text(tail));
                    relay(tail);
                }
                // an interceptor has told the client the message is taken, so it delivers it
                // even when the client leaves at once, as the field case does
                if (closed.client() && busy) {
                    clientGone = true;
                } else {
                    done = true;
                }
            }
        }

        private void fromClient(byte[] octets, boolean mayUpgrade) throws IOException, InterruptedException {
            lastReadMayUpgrade = mayUpgrade;
            if (passThrough.isPresent()) {
                passedFromClient += octets.length;
                relay(octets);
                return;
            }
            boolean first = true;
            for (int i = 0; i < octets.length; i++) {
                clientPartial.write(octets[i]);
                if (octets[i] != '\n') {
                    if (clientPartial.size() > MAX_LINE) {
                        lineTooLong("the client", octets, i);
                        return;
                    }
                    continue;
                }
                Line line = Line.of(clientPartial.toByteArray());
                clientPartial.reset();
                clientView.client(line, first, clientInAuth);
                first = false;
                if (busy) {
                    deferred.add(line);
                    deferredOctets += line.octets().length;
                    if (deferredOctets > MAX_CLIENT_BACKLOG) {
                        deferred.clear();
                        drop("the client sent more than " + MAX_CLIENT_BACKLOG
                                + " octets while the proxy handed the message it took to the server; connection dropped");
                        return;
                    }
                } else {
                    onClientLine(line);
                }
                if (done) {
                    return;
                }
                if (passThrough.isEmpty() && !intercepting && !busy && clientOwed.size() > MAX_AWAITING_REPLIES) {
                    goPassThrough("the client has more than " + MAX_AWAITING_REPLIES
                            + " commands waiting for replies; the rest of the session is relayed unread");
                }
                if (passThrough.isPresent()) {
                    byte[] rest = java.util.Arrays.copyOfRange(octets, i + 1, octets.length);
                    passedFromClient += rest.length;
                    relay(rest);
                    return;
                }
            }
        }

        private void fromServer(byte[] octets) throws IOException, InterruptedException {
            if (passThrough.isPresent()) {
                passedFromServer += octets.length;
                toClient.writeBytes(octets);
                return;
            }
            for (int i = 0; i < octets.length; i++) {
                serverPartial.write(octets[i]);
                if (octets[i] != '\n') {
                    if (serverPartial.size() > MAX_LINE) {
                        byte[] partial = serverPartial.toByteArray();
                        serverPartial.reset();
                        replyOctets.writeBytes(partial);
                        notSmtp("a line of more than " + MAX_LINE + " octets", java.util.Arrays.copyOfRange(octets, i + 1, octets.length));
                        return;
                    }
                    continue;
                }
                byte[] line = serverPartial.toByteArray();
                serverPartial.reset();
                replyOctets.writeBytes(line);
                Optional<Reply> reply;
                try {
                    replies.feed(line, 0, line.length);
                    reply = replies.next();
                } catch (SmtpProtocolException e) {
                    notSmtp(e.getMessage(), java.util.Arrays.copyOfRange(octets, i + 1, octets.length));
                    return;
                }
                if (reply.isEmpty() && replyOctets.size() > MAX_REPLY) {
                    notSmtp("a reply of more than " + MAX_REPLY + " octets", java.util.Arrays.copyOfRange(octets, i + 1, octets.length));
                    return;
                }
                if (reply.isPresent()) {
                    byte[] exact = replyOctets.toByteArray();
                    replyOctets.reset();
                    onReply(reply.get(), exact);
                }
                if (passThrough.isPresent()) {
                    byte[] rest = java.util.Arrays.copyOfRange(octets, i + 1, octets.length);
                    passedFromServer += rest.length;
                    toClient.writeBytes(rest);
                    return;
                }
            }
        }

        /**
         * The client sent more than {@link #MAX_LINE} octets without a line end, the last at
         * {@code octets[i]}: the rest of the session is relayed unread, the line so far included.
         * While the proxy takes a message itself ({@link Fault.AnswerData}) or hands it to the
         * server, it cannot step aside half-way, so that connection is dropped instead.
         */
        private void lineTooLong(String who, byte[] octets, int i) {
            String why = who + " sent a line of more than " + MAX_LINE + " octets";
            if (intercepting || busy) {
                clientPartial.reset();
                drop(why + " while the proxy was taking or handing over a message; connection dropped");
                return;
            }
            goPassThrough(why + "; the rest of the session is relayed unread");
            byte[] rest = java.util.Arrays.copyOfRange(octets, i + 1, octets.length);
            passedFromClient += rest.length;
            relay(rest);
        }

        /** The server wrote what is not a reply: relay everything unread from here, as it came. */
        private void notSmtp(String problem, byte[] rest) {
            byte[] unread = replyOctets.toByteArray();
            replyOctets.reset();
            String why = "the server sent what is not an SMTP reply (" + problem + "): " + text(unread);
            goPassThrough(why);
            passedFromServer += unread.length + rest.length;
            toClient.writeBytes(unread);
            toClient.writeBytes(rest);
        }

        private void goPassThrough(String why) {
            passThrough = Optional.of(why);
            clientView.note(why);
            serverView.note(why);
            byte[] partial = clientPartial.toByteArray();
            clientPartial.reset();
            passedFromClient += partial.length;
            relay(partial);
            deferred.forEach(l -> relay(l.octets()));
            deferred.clear();
            deferredOctets = 0;
        }

        private void onClientLine(Line line) throws IOException, InterruptedException {
            if (clientInData) {
                boolean end = dataEnd.skip(ByteBuffer.wrap(line.octets())) == DecodeStatus.END;
                clientInData = !end;
                if (intercepting) {
                    intercepted.add(line);
                    interceptedOctets += line.octets().length;
                    if (interceptedOctets > MAX_TAKEN) {
                        intercepted.clear();
                        drop("the message the proxy was taking passed " + MAX_TAKEN + " octets; connection dropped, the server never had it");
                        return;
                    }
                    if (end) {
                        endInterception();
                    }
                    return;
                }
                if (end) {
                    Slot slot = new Slot(Optional.empty());
                    clientOwed.add(slot);
                    toServer(line, Owed.client(slot));
                } else {
                    toServer(line, null);
                }
                return;
            }
            if (clientInAuth) {
                clientInAuth = false;
                Slot s = new Slot(Optional.empty());
                clientOwed.add(s);
                toServer(line, Owed.client(s));
                return;
            }
            Verb verb = new RecordedCommand(connection, line.command()).verb();
            At.Occurrence at = At.command(verb, counts.merge(verb, 1, Integer::sum));
            for (Fault f : faults) {
                if (f instanceof Fault.DropConnection d && d.at().equals(at)) {
                    drop("dropped at " + at + " (Fault.DropConnection)");
                    return;
                }
                if (f instanceof Fault.InjectRset r && r.before().equals(at)) {
                    toServer(Line.made("RSET"), Owed.proxy(reply -> { }));
                }
            }
            if (verb == Verb.DATA && answerData.isPresent()) {
                intercepting = true;
                intercepted.clear();
                interceptedOctets = 0;
                toServer(Line.made("NOOP"), Owed.proxy(reply -> { }));
                nextKeepAlive = System.nanoTime() + answerData.get().keepAlive().toNanos();
                Slot goAhead = new Slot(Optional.of(at));
                goAhead.reply = answerData.get().goAhead();
                clientOwed.add(goAhead);
                deliver();
                return;
            }
            if (verb == Verb.STARTTLS && terminateTls.isPresent()) {
                startTlsHere(at);
                return;
            }
            Slot s = new Slot(Optional.of(at));
            s.startTls = verb == Verb.STARTTLS;
            clientOwed.add(s);
            toServer(line, Owed.client(s));
            if (verb == Verb.BDAT) {
                // RFC 3030: chunks are counted octets, not lines; follow no further
                goPassThrough("bdat: chunks are binary (RFC 3030); the rest of the session is relayed unread");
            }
        }

        /** TLS termination: the proxy answers STARTTLS itself and never forwards it (RFC 3207 §4). */
        private void startTlsHere(At.Occurrence at) throws IOException, InterruptedException {
            Slot s = new Slot(Optional.of(at));
            if (clientTls) {
                s.reply = Reply.of(503, EnhancedStatus.of(5, 5, 1), "TLS already active");
            } else if (!lastReadMayUpgrade || !deferred.isEmpty() || !clientOwed.isEmpty()) {
                // RFC 3207 §4.2 makes commands pipelined after STARTTLS worthless, and the handshake
                // must follow the 220 at once; refuse rather than guess where TLS starts
                s.reply = Reply.of(454, EnhancedStatus.of(4, 7, 0), "TLS not available: STARTTLS must be the last command sent");
            } else {
                s.reply = Reply.of(220, EnhancedStatus.of(2, 0, 0), "Ready to start TLS (smtpkit proxy)");
                s.terminate = true;
            }
            clientOwed.add(s);
            deliver();
        }

        private void endInterception() throws IOException, InterruptedException {
            intercepting = false;
            nextKeepAlive = 0;
            Slot accepted = new Slot(Optional.empty());
            accepted.reply = answerData.orElseThrow().accepted();
            clientOwed.add(accepted);
            deliver();
            undelivered = Optional.of(List.copyOf(intercepted));
            intercepted.clear();
            busy = true;
            deliverIntercepted();
        }

        /** Sends an intercepted message on once the server has answered everything else, so the order is fixed. */
        private void deliverIntercepted() {
            if (undelivered.isEmpty() || !serverOwed.isEmpty()) {
                return;
            }
            List<Line> message = undelivered.get();
            undelivered = Optional.empty();
            toServer(Line.made("DATA"), Owed.proxy(reply -> {
                if (reply.code() != 354) {
                    busy = false;
                    return;
                }
                // the last line is the client's own end of data
                message.subList(0, message.size() - 1).forEach(l -> toServer(l, null));
                toServer(message.get(message.size() - 1), Owed.proxy(end -> busy = false));
            }));
        }

        private void onReply(Reply reply, byte[] octets) throws IOException, InterruptedException {
            serverView.server(reply);
            if (!java.util.Arrays.equals(octets, reply.encode())) {
                serverView.noteIfRoom("reply octets: " + text(octets));
            }
            Owed owed = serverOwed.poll();
            if (owed == null) {
                // unsolicited, such as a 421 before closing (RFC 5321 §3.8): pass it on now
                Slot s = new Slot(Optional.empty());
                s.reply = reply;
                s.octets = octets;
                clientOwed.addFirst(s);
            } else if (owed.slot().isPresent()) {
                Slot s = owed.slot().get();
                s.reply = reply;
                s.octets = octets;
                if (s.at.isPresent() && !applyFaults(s)) {
                    return;
                }
            } else {
                owed.proxy().accept(reply);
            }
            deliver();
            deliverIntercepted();
            if (clientGone && !busy) {
                done = true;
            }
            while (!busy && !deferred.isEmpty() && !done && passThrough.isEmpty()) {
                Line next = deferred.poll();
                deferredOctets -= next.octets().length;
                onClientLine(next);
            }
        }

        /** Applies the reply faults to a filled slot; false if the connection was dropped. */
        private boolean applyFaults(Slot s) {
            At at = s.at.orElseThrow();
            Reply original = s.reply;
            for (Fault f : faults) {
                if (f instanceof Fault.DropConnection d && d.at().equals(at) && at instanceof At.Greeting) {
                    drop("dropped at the greeting (Fault.DropConnection)");
                    return false;
                } else if (f instanceof Fault.StripStartTls && at instanceof At.Occurrence o
                        && (o.verb() == Verb.EHLO || o.verb() == Verb.LHLO) && s.reply.isPositiveCompletion()) {
                    s.reply = withoutStartTls(s.reply);
                } else if (f instanceof Fault.RewriteReply r && r.at().equals(at)) {
                    s.reply = r.replacement();
                } else if (f instanceof Fault.DelayReply d && d.at().equals(at)) {
                    s.delay = d.delay();
                }
            }
            if (terminateTls.isPresent() && at instanceof At.Occurrence o && (o.verb() == Verb.EHLO || o.verb() == Verb.LHLO)
                    && s.reply.isPositiveCompletion()) {
                // the proxy offers STARTTLS itself until the client has TLS with it, whatever the server offers
                Reply stripped = withoutStartTls(s.reply);
                s.reply = clientTls ? stripped : withStartTls(stripped);
            }
            if (!s.reply.equals(original)) {
                s.octets = null;
            }
            return true;
        }

        /** Gives the client every reply it is owed that is ready, in command order. */
        private void deliver() throws IOException, InterruptedException {
            while (!clientOwed.isEmpty() && clientOwed.peek().reply != null && passThrough.isEmpty()) {
                Slot s = clientOwed.poll();
                if (!s.delay.isZero()) {
                    flush();
                    TimeUnit.NANOSECONDS.sleep(s.delay.toNanos());
                }
                clientView.server(s.reply);
                if (s.octets != null && !java.util.Arrays.equals(s.octets, s.reply.encode())) {
                    clientView.noteIfRoom("reply octets: " + text(s.octets));
                }
                toClient.writeBytes(s.octets != null ? s.octets : s.reply.encode());
                clientInData = s.reply.code() == 354;
                if (clientInData) {
                    dataEnd.reset();
                }
                clientInAuth = s.reply.code() == 334;
                if (s.terminate) {
                    upgradeNow = true;
                    break;
                }
                if (s.startTls && s.reply.code() == 220) {
                    // RFC 3207 §4.2: TLS starts after the 220; from here the octets are opaque
                    goPassThrough("tls: the session is encrypted from here on (RFC 3207); the proxy relays it unread");
                }
            }
        }

        private void toServer(Line line, Owed owed) {
            serverView.client(line, false, false);
            relay(line.octets());
            if (owed != null) {
                serverOwed.add(owed);
            }
        }

        private void relay(byte[] octets) {
            toServer.writeBytes(octets);
        }

        private void flush() throws IOException {
            if (dropped) {
                return;
            }
            if (toServer.size() > 0) {
                OutputStream out = server.getOutputStream();
                if (dropAfter.isPresent() && relayedToServer + toServer.size() >= dropAfter.get().octets()) {
                    int allowed = (int) (dropAfter.get().octets() - relayedToServer);
                    out.write(toServer.toByteArray(), 0, allowed);
                    out.flush();
                    relayedToServer += allowed;
                    drop("dropped after " + relayedToServer + " octets to the server (Fault.DropAfterOctets)");
                    return;
                }
                relayedToServer += toServer.size();
                toServer.writeTo(out);
                out.flush();
                toServer.reset();
            }
            if (clientGone) {
                toClient.reset();
            } else if (toClient.size() > 0) {
                OutputStream out = clientOut;
                toClient.writeTo(out);
                out.flush();
                toClient.reset();
            }
        }

        private void drop(String why) {
            done = true;
            dropped = true;
            clientView.note(why);
            serverView.note(why);
            toServer.reset();
            toClient.reset();
            Acceptor.closeQuietly(client);
            Acceptor.closeQuietly(server);
        }

        private void read(Socket socket, boolean fromClient) {
            byte[] buffer = new byte[8192];
            try {
                InputStream in = socket.getInputStream();
                while (true) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        events.add(new Closed(fromClient, "end of stream"));
                        return;
                    }
                    byte[] octets = java.util.Arrays.copyOf(buffer, n);
                    if (fromClient) {
                        // Released as the relaying thread takes them, and all at once when it ends.
                        clientBacklog.acquire(n);
                    }
                    if (!fromClient) {
                        events.add(new FromServer(octets));
                    } else if (terminateTls.isEmpty() || !endsWithStartTls(octets)) {
                        events.add(new FromClient(octets, Optional.empty()));
                    } else {
                        CompletableFuture<Boolean> upgrade = new CompletableFuture<>();
                        events.add(new FromClient(octets, Optional.of(upgrade)));
                        if (upgrade.get()) {
                            in = startTls(socket);
                        }
                    }
                }
            } catch (IOException e) {
                events.add(new Closed(fromClient, cause(e)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                events.add(new Closed(fromClient, "interrupted"));
            } catch (java.util.concurrent.ExecutionException e) {
                events.add(new Closed(fromClient, cause(e)));
            }
        }

        /** Puts TLS on the client's socket as its server (RFC 3207 §4.2) and returns what to read from then. */
        private InputStream startTls(Socket socket) throws IOException {
            SSLSocket tls = (SSLSocket) terminateTls.orElseThrow().getSocketFactory().createSocket(socket, null, true);
            tls.setUseClientMode(false);
            tls.startHandshake();
            clientOut = tls.getOutputStream();
            events.add(new TlsUp(tls.getSession().getProtocol(), tls.getSession().getCipherSuite()));
            return tls.getInputStream();
        }
    }

    /** The most octets a note shows of what it is about; notes are for reading, and a line may be 64 KiB. */
    static final int NOTE_OCTETS = 1_000;

    /**
     * Octets as note text: a note is written escaped ({@link Conversation#noteLine(String)}), so any
     * octet shows; past {@link #NOTE_OCTETS} it says how many more there were.
     */
    private static String text(byte[] octets) {
        int shown = Math.min(octets.length, NOTE_OCTETS);
        String text = Printable.decode(octets, 0, shown);
        return shown == octets.length ? text : text + "... (" + (octets.length - shown) + " more octets)";
    }

    /** Whether a read ends with a STARTTLS command line, after which a client waits for the reply before TLS. */
    static boolean endsWithStartTls(byte[] octets) {
        int end = octets.length;
        if (end == 0 || octets[end - 1] != '\n') {
            return false;
        }
        int start = end - 1;
        while (start > 0 && octets[start - 1] != '\n') {
            start--;
        }
        return new String(octets, start, end - start, StandardCharsets.US_ASCII).strip().equalsIgnoreCase("STARTTLS");
    }

    /** Adds the STARTTLS keyword line to a positive EHLO reply that lacks it (RFC 3207 §4). */
    static Reply withStartTls(Reply ehlo) {
        List<String> lines = new ArrayList<>(ehlo.lines());
        lines.add("STARTTLS");
        return new Reply(ehlo.code(), ehlo.status(), lines);
    }

    /** The cause of a failure in words for a user: its message (such as "Connection refused"), escaped. */
    static String cause(Throwable e) {
        String message = e.getMessage();
        return Printable.escape(message == null || message.isBlank() ? e.getClass().getSimpleName() : message);
    }

    /** Removes the STARTTLS keyword line from an EHLO reply (RFC 3207 §4); never the first line. */
    static Reply withoutStartTls(Reply ehlo) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < ehlo.lines().size(); i++) {
            String line = ehlo.lines().get(i);
            String keyword = line.trim().split(" ", 2)[0].toUpperCase(Locale.ROOT);
            if (i == 0 || !keyword.equals("STARTTLS")) {
                kept.add(line);
            }
        }
        return new Reply(ehlo.code(), ehlo.status(), kept);
    }

    /** Sets the options of an {@link SmtpProxy}; {@link #start()} binds and starts it. */
    public static final class Builder {
        private final InetSocketAddress target;
        private final List<Fault> faults = new ArrayList<>();
        private InetAddress address = Acceptor.LOOPBACK;
        private int port;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Listener listener = new Listener() { };
        private Optional<SSLContext> terminateTls = Optional.empty();
        private long maxHeldBytes = Runtime.getRuntime().maxMemory() / 4;

        private Builder(InetSocketAddress target) {
            this.target = Objects.requireNonNull(target, "target");
        }

        /** Adds a fault injected into every connection; at most one {@link Fault.AnswerData}. */
        public Builder fault(Fault fault) {
            Objects.requireNonNull(fault, "fault");
            if (fault instanceof Fault.AnswerData && faults.stream().anyMatch(f -> f instanceof Fault.AnswerData)) {
                throw new IllegalArgumentException("only one AnswerData fault: the proxy can answer DATA only one way");
            }
            faults.add(fault);
            return this;
        }

        /** Follows each connection as it happens; none by default. */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Terminates TLS with the client (RFC 3207): the proxy offers STARTTLS in every EHLO reply
         * until the client has started TLS with it, answers STARTTLS itself with this context's
         * certificate and relays what the client sends inside TLS to the server in clear, so that
         * a submission client that insists on TLS can be recorded. STARTTLS never reaches the
         * server. Off by default.
         */
        public Builder terminateTls(SSLContext serverContext) {
            this.terminateTls = Optional.of(Objects.requireNonNull(serverContext, "serverContext"));
            return this;
        }

        /** The address to listen on; {@code 127.0.0.1} by default. */
        public Builder address(InetAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The port to listen on; 0, a free port, by default. */
        public Builder port(int port) {
            this.port = Acceptor.checkPort(port);
            return this;
        }

        /**
         * The most octets of lines all recordings hold together, those of open connections and
         * those not yet {@link SmtpProxy#takeRecording taken} (a quarter of the heap by default).
         * Past it a recording says where it was cut, as past its own 8 MiB a side; the relaying
         * goes on unchanged. Taking a recording gives its room back.
         */
        public Builder maxHeldBytes(long octets) {
            if (octets < 1) {
                throw new IllegalArgumentException("maxHeldBytes must be positive: " + octets);
            }
            this.maxHeldBytes = octets;
            return this;
        }

        /** How long to wait to reach the server; {@link #DEFAULT_CONNECT_TIMEOUT} by default. */
        public Builder connectTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Binds and starts the proxy.
         *
         * @throws UncheckedIOException if the port cannot be bound
         */
        public SmtpProxy start() {
            try {
                return new SmtpProxy(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + address.getHostAddress() + ":" + port, e);
            }
        }
    }
}
