package dev.smtpkit.testkit;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.internal.LineDecoder;
import dev.smtpkit.core.internal.LineEndingPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SMTP server for tests, listening on {@code 127.0.0.1} and a free port, that either plays
 * the server side of a {@link Conversation} or answers each command through a
 * {@link Responder}; in both cases it records what clients send, in the manner of OkHttp's
 * MockWebServer.
 *
 * <p><b>Playing a script.</b> Every connection plays the whole script from its start. Each
 * client line must be the script's next one: a command's verb is compared ignoring case
 * (RFC 5321 §2.4) and the rest exactly; message data and the final {@code .} exactly, unless
 * {@link Builder#matching(Matching)} allows placeholders or a lenient comparison. Each reply
 * is sent as soon as the command it answers has been read, so pipelining and non-pipelining
 * clients both work (see RFC 2920 §3.1). At the first divergence the server sends
 * {@code 421 4.3.0}, closes the connection and reports a {@link PlayResult.Mismatch} through
 * {@link #takeResult(Duration)}.
 *
 * <p><b>Dynamic and stub.</b> {@link #dynamic(Responder)} answers each command with the next
 * {@link #enqueue(Reply...) enqueued} reply, or, when there is none, with the responder's.
 * {@link #stub()} is a dynamic server with {@link Responder#standard()}.
 *
 * <pre>{@code
 * try (ScriptedServer server = ScriptedServer.play(Conversation.read(file))) {
 *     clientUnderTest.send("127.0.0.1", server.port());
 *     server.takeResult(Duration.ofSeconds(5)).orElseThrow().orThrow();
 * }
 * try (ScriptedServer server = ScriptedServer.stub()) {
 *     server.enqueue(Reply.of(554, "No thanks"));   // answers the first command
 *     clientUnderTest.send("127.0.0.1", server.port());
 *     assertThat(server.takeCommand(Duration.ofSeconds(5)).orElseThrow().verb()).isEqualTo(Verb.EHLO);
 * }
 * }</pre>
 *
 * <p>Any number of clients may connect, one after another or at once ({@link Builder#maxConnections}
 * at a time); each connection has its own thread and its 1-based number in what is recorded.
 * {@link #close()} closes the listening socket and every connection and waits for their threads.
 *
 * <p>What it records is held until the test takes it, within {@link Builder#maxHeldBytes}: a
 * client in a loop gets an SMTP reply saying the server is full, not the test an
 * {@code OutOfMemoryError}.
 */
public final class ScriptedServer implements AutoCloseable {

    /** Long enough for a loaded CI machine, short enough that a broken test fails promptly. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(ScriptedServer.class);
    /** Sent on a divergence: 421 so that the client stops (RFC 5321 §3.8), 4.3.0 as a fault of the system. */
    private static final Reply MISMATCH = Reply.of(421, EnhancedStatus.of(4, 3, 0), "Script mismatch, closing connection");
    /** Connections served at once by default: far more than a test opens, few enough threads for any machine. */
    public static final int DEFAULT_MAX_CONNECTIONS = Acceptor.MAX_CONNECTIONS;

    private final Optional<Conversation> script;
    private final List<ServerPlan.Event> plan;
    private final Responder responder;
    private final Matching matching;
    private final Duration timeout;
    private final Acceptor acceptor;
    private final BlockingQueue<Reply> enqueued = new LinkedBlockingQueue<>();
    /**
     * What the three queues below and the transcripts of open connections hold, reckoned as
     * {@link HeldBytes#lines} (a message's lines count in the message and again in its
     * transcript). Room comes back when the test takes what was recorded.
     */
    private final HeldBytes held;
    private final LogThrottle fullRefusals = new LogThrottle(Duration.ofSeconds(1));
    private final BlockingQueue<Held<RecordedCommand>> commands = new LinkedBlockingQueue<>();
    private final BlockingQueue<Held<RecordedMessage>> messages = new LinkedBlockingQueue<>();
    private final BlockingQueue<Held<PlayResult>> results = new LinkedBlockingQueue<>();

    private ScriptedServer(Builder b) throws IOException {
        this.script = Optional.ofNullable(b.script);
        this.plan = b.script == null ? List.of() : ServerPlan.of(b.script);
        this.responder = b.responder;
        this.matching = b.matching;
        this.timeout = b.timeout;
        this.held = new HeldBytes(b.maxHeldBytes);
        byte[] busy = Reply.of(421, EnhancedStatus.of(4, 3, 2),
                "Too many connections: " + b.maxConnections + " already, the most this scripted server serves at once").encode();
        this.acceptor = new Acceptor("scripted-server", b.address, b.port, b.maxConnections, busy, this::handle);
        acceptor.listen();
    }

    /** Something recorded, and the room it takes in {@link #held} until the test takes it. */
    private record Held<T>(T value, long octets) {
    }

    /** Starts a server on {@code 127.0.0.1}, a free port, that plays the script on every connection. */
    public static ScriptedServer play(Conversation script) {
        return builder().script(script).start();
    }

    /** Starts a server on {@code 127.0.0.1}, a free port, that answers through the responder. */
    public static ScriptedServer dynamic(Responder responder) {
        return builder().responder(responder).start();
    }

    /** Starts a server that answers with {@link #enqueue enqueued} replies, then {@link Responder#standard()}. */
    public static ScriptedServer stub() {
        return builder().start();
    }

    /** Returns a builder: a stub on {@code 127.0.0.1}, a free port, {@link #DEFAULT_TIMEOUT}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the port it listens on. */
    public int port() {
        return acceptor.port();
    }

    /** Returns the address it listens on. */
    public InetSocketAddress address() {
        return acceptor.address();
    }

    /** Returns the script it plays, if it plays one. */
    public Optional<Conversation> script() {
        return script;
    }

    /**
     * Queues replies; each answers the next command or message data on any connection, before the
     * responder is asked.
     *
     * @throws IllegalStateException if the server plays a script, whose replies are fixed
     */
    public ScriptedServer enqueue(Reply... replies) {
        Objects.requireNonNull(replies, "replies");
        if (script.isPresent()) {
            throw new IllegalStateException("enqueue is for a dynamic or stub server; this one plays a script");
        }
        for (Reply r : replies) {
            enqueued.add(Objects.requireNonNull(r, "reply"));
        }
        return this;
    }

    /** Returns the next command any client sent, in order of arrival, or empty after the timeout. */
    public Optional<RecordedCommand> takeCommand(Duration timeout) {
        return take(commands, timeout);
    }

    /** Returns the next message data any client sent, or empty after the timeout. */
    public Optional<RecordedMessage> takeMessage(Duration timeout) {
        return take(messages, timeout);
    }

    /**
     * Returns how the next connection to end went, once it has ended, or empty after the timeout.
     * For a script, its {@link PlayResult#mismatch()} is the first divergence; a dynamic server
     * never reports one. The transcript shows each reply where the server sent it, so a
     * pipelined group appears interleaved with its replies.
     */
    public Optional<PlayResult> takeResult(Duration timeout) {
        return take(results, timeout);
    }

    private <T> Optional<T> take(BlockingQueue<Held<T>> queue, Duration timeout) {
        return Acceptor.take(queue, timeout).map(h -> {
            held.release(h.octets());
            return h.value();
        });
    }

    /** Octets held of what clients sent, as {@link Builder#maxHeldBytes} reckons them. */
    long heldBytes() {
        return held.held();
    }

    /** The reply when a command, a message or a connection finds no room left; 4.3.1, as a mail system full. */
    private Reply full(int code) {
        return Reply.of(code, EnhancedStatus.of(4, 3, 1), "Scripted server full: it " + held.describe()
                + " of what clients sent; the test may take it (takeCommand, takeMessage, takeResult)");
    }

    /** Returns how many connections have been accepted so far. */
    public int connectionCount() {
        return acceptor.connectionCount();
    }

    private void handle(Socket socket, int connection) {
        if (!held.take(HeldBytes.CONNECTION_OVERHEAD)) {
            // Not among the results either: a flood of connections into a full server must not grow them.
            fullRefusals.pass().ifPresent(heldBack -> LOG.warn("connection {} on port {} refused: the server {};"
                    + " the test has not taken what it recorded ({} more refused since the last such line)",
                    connection, port(), held.describe(), heldBack));
            try {
                socket.getOutputStream().write(full(421).encode());
            } catch (IOException e) {
                LOG.debug("connection {}: the client left before the 421", connection, e);
            }
            return;
        }
        Recording recording = new Recording();
        Optional<PlayResult.Mismatch> mismatch = Optional.empty();
        Session session = null;
        try {
            socket.setSoTimeout(ScriptedClient.millis(timeout));
            socket.setTcpNoDelay(true);
            session = new Session(socket, connection, recording);
            mismatch = script.isPresent() ? session.playScript() : session.respond();
        } catch (IOException e) {
            LOG.debug("connection {} on port {} ended: {}", connection, port(), e.toString());
        } finally {
            if (session != null) {
                // A scripted message cut off before its end took room that no message gives back: the result does.
                recording.octets += session.dataOctets;
            }
            // closed and its slot free before the result is out, so a test that has the result
            // finds the connection closed and can connect again even at maxConnections
            acceptor.release(socket);
            results.add(new Held<>(new PlayResult(connection, recording.transcript.build(), mismatch), recording.octets));
        }
    }

    /**
     * One connection's transcript, within the server's bound. Past it the transcript ends with a
     * comment saying so; what the test takes (commands, messages) is refused with a reply instead.
     */
    private final class Recording {
        final Conversation.Builder transcript = Conversation.builder();
        /** The room this transcript takes, given back when the test takes its result. */
        long octets = HeldBytes.CONNECTION_OVERHEAD;
        private boolean cut;

        void client(String line) {
            if (fits(line.length(), 1)) {
                transcript.client(line);
            }
        }

        void client(List<String> lines) {
            if (!lines.isEmpty() && fits(lines.stream().mapToLong(String::length).sum(), lines.size())) {
                transcript.client(lines);
            }
        }

        void server(Reply reply) {
            if (fits(reply.lines().stream().mapToLong(String::length).sum(), reply.lines().size())) {
                transcript.server(reply);
            }
        }

        void comment(String text) {
            if (!cut) {
                transcript.comment(text);
            }
        }

        private boolean fits(long chars, int lines) {
            if (cut) {
                return false;
            }
            long o = HeldBytes.lines(chars, lines);
            if (held.take(o)) {
                octets += o;
                return true;
            }
            cut = true;
            transcript.comment("transcript cut here: the server " + held.describe() + "; taking what it recorded makes room");
            return false;
        }
    }

    /** One connection's reading, writing and recording. */
    private final class Session {
        private final Socket socket;
        private final int connection;
        private final Recording transcript;
        private final ClientLines reader;
        private final OutputStream out;
        /** A scripted message's lines so far, and the room they take. */
        private final List<String> data = new ArrayList<>();
        private long dataOctets;

        Session(Socket socket, int connection, Recording transcript) throws IOException {
            this.socket = socket;
            this.connection = connection;
            this.transcript = transcript;
            this.reader = new ClientLines(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        Optional<PlayResult.Mismatch> playScript() {
            LineMatcher matcher = new LineMatcher(matching, script.orElseThrow());
            for (ServerPlan.Event event : plan) {
                if (!event.fromClient()) {
                    Reply reply = event.reply().orElseThrow();
                    try {
                        send(reply);
                    } catch (IOException e) {
                        return Optional.of(mismatch(event, "cannot send: " + e.getMessage()));
                    }
                    continue;
                }
                Optional<String> line;
                try {
                    line = reader.next();
                } catch (SocketTimeoutException e) {
                    return Optional.of(mismatch(event, "nothing within " + Printable.duration(timeout)));
                } catch (IOException e) {
                    return Optional.of(mismatch(event, "connection failed: " + e.getMessage()));
                }
                if (line.isEmpty()) {
                    return Optional.of(mismatch(event, "connection closed by the client"));
                }
                transcript.client(line.get());
                if (!record(event.kind(), line.get())) {
                    PlayResult.Mismatch m = mismatch(event, "no room to record C: " + Printable.escape(line.get())
                            + " (the server " + held.describe() + ")");
                    try {
                        send(full(421));
                    } catch (IOException e) {
                        LOG.debug("cannot send the 421 on connection {}", connection, e);
                    }
                    return Optional.of(m);
                }
                if (!matcher.matches(event, line.get())) {
                    PlayResult.Mismatch m = mismatch(event, "C: " + line.get());
                    try {
                        send(MISMATCH);
                    } catch (IOException e) {
                        LOG.debug("cannot send the mismatch reply on connection {}", connection, e);
                    }
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }

        Optional<PlayResult.Mismatch> respond() throws IOException {
            try {
                send(responder.greeting());
                while (true) {
                    Optional<String> line = reader.next();
                    if (line.isEmpty()) {
                        return Optional.empty();
                    }
                    long octets = HeldBytes.lines(line.get().length(), 1);
                    boolean room = held.take(octets);
                    transcript.client(line.get());
                    if (!room) {
                        send(full(421));
                        return Optional.empty();
                    }
                    RecordedCommand command = new RecordedCommand(connection, line.get());
                    commands.add(new Held<>(command, octets));
                    Reply reply = answer(() -> responder.reply(command));
                    send(reply);
                    if (reply.code() == 354) {
                        Optional<Reply> afterData = message();
                        if (afterData.isEmpty()) {
                            return Optional.empty();
                        }
                        reply = afterData.get();
                        send(reply);
                    }
                    if (reply.code() == 221 || reply.code() == 421) {
                        return Optional.empty();
                    }
                }
            } catch (SocketTimeoutException e) {
                // RFC 5321 §4.5.3.2.7: a server may close an idle connection, and says so first
                send(Replies.TIMEOUT);
                return Optional.empty();
            }
        }

        /**
         * Reads message data up to its final {@code .} and records it whole, or, if it would not
         * fit, not at all; returns the reply to it, or empty if the client left first. A message
         * without room gets 452 (RFC 5321 §4.5.3.1.10's insufficient storage), not the responder's.
         */
        private Optional<Reply> message() throws IOException {
            List<String> lines = new ArrayList<>();
            long octets = 0;
            boolean fits = true;
            while (true) {
                Optional<String> d = reader.next();
                if (d.isEmpty()) {
                    transcript.client(lines);
                    return Optional.empty();
                }
                if (d.get().equals(".")) {
                    break;
                }
                if (fits) {
                    octets += HeldBytes.lines(d.get().length(), 1);
                    // twice: in the message the test takes and in the transcript
                    if (held.wouldFit(2 * octets)) {
                        lines.add(d.get());
                    } else {
                        fits = false;
                        lines = new ArrayList<>();
                    }
                }
            }
            if (!fits || !held.take(octets)) {
                transcript.comment("connection " + connection + ": a message was not recorded for want of room; the server "
                        + held.describe());
                transcript.client(".");
                return Optional.of(full(452));
            }
            transcript.client(lines);
            transcript.client(".");
            RecordedMessage message = new RecordedMessage(connection, lines);
            messages.add(new Held<>(message, octets));
            return Optional.of(answer(() -> responder.messageReply(message)));
        }

        private Reply answer(Supplier<Reply> fromResponder) {
            Reply queued = enqueued.poll();
            if (queued != null) {
                return queued;
            }
            try {
                return Objects.requireNonNull(fromResponder.get(), "the responder returned null");
            } catch (RuntimeException e) {
                LOG.warn("responder failed on connection {}; answering 451", connection, e);
                return Replies.LOCAL_ERROR;
            }
        }

        /** Records a client line the script expects; false, recording nothing, if there is no room for it. */
        private boolean record(ServerPlan.Kind kind, String line) {
            long octets = HeldBytes.lines(line.length(), 1);
            if (kind != ServerPlan.Kind.DATA_END && !held.take(octets)) {
                return false;
            }
            switch (kind) {
                case COMMAND, AUTH_RESPONSE -> commands.add(new Held<>(new RecordedCommand(connection, line), octets));
                case DATA -> {
                    data.add(line);
                    dataOctets += octets;
                }
                case DATA_END -> {
                    messages.add(new Held<>(new RecordedMessage(connection, data), dataOctets));
                    data.clear();
                    dataOctets = 0;
                }
                case REPLY -> throw new IllegalArgumentException("a reply is not recorded as client input");
            }
            return true;
        }

        private void send(Reply reply) throws IOException {
            transcript.server(reply);
            out.write(reply.encode());
            out.flush();
        }

        private PlayResult.Mismatch mismatch(ServerPlan.Event event, String actual) {
            Conversation c = script.orElseThrow();
            Conversation.Step step = c.steps().get(event.step());
            String expected = event.fromClient()
                    ? step.scriptLines(Conversation.Notation.CLIENT_SERVER).get(event.index())
                    : String.join("\n", step.scriptLines(Conversation.Notation.CLIENT_SERVER));
            return new PlayResult.Mismatch(event.step() + 1, event.index() + 1,
                    ScriptedClient.location(c, event.step(), event.index()), expected, actual, transcript.transcript.build());
        }
    }

    /**
     * Splits what a client sends into lines with core's {@link LineDecoder}, where a bare LF ends
     * a line too ({@link LineEndingPolicy#CRLF_OR_LF}): a test tool should record a client that
     * sends bare LF rather than hang on it. Lines are in the script model's form
     * ({@link Conversation#line(byte[], int, int)}): a CRLF line without its CRLF, any other line
     * with its octets exactly, so a bare LF shows.
     */
    static final class ClientLines {
        /**
         * The longest line kept, in octets. Far above RFC 5321 §4.5.3.1.6's 1000 so that a test
         * can send an oversized line and see it recorded, yet bounded so a broken client cannot
         * exhaust the test's memory.
         */
        private static final int MAX_LINE = 65_536;

        private final InputStream in;
        private final LineDecoder decoder = new LineDecoder(MAX_LINE, LineEndingPolicy.CRLF_OR_LF);
        private final ByteBuffer buffer = ByteBuffer.allocate(8192).flip();
        /** The octet before the buffer's first one, which may be the CR of a CRLF split across reads. */
        private byte beforeBuffer;

        ClientLines(InputStream in) {
            this.in = in;
        }

        /** Returns the next line, or empty at the end of the stream; a read timeout propagates. */
        Optional<String> next() throws IOException {
            while (true) {
                LineDecoder.Result r = decoder.decode(buffer);
                if (r instanceof LineDecoder.Line line) {
                    // the decoder drops the line end; the script form keeps a bare LF, so look back
                    int lf = buffer.position() - 1;
                    byte before = lf > 0 ? buffer.get(lf - 1) : beforeBuffer;
                    ByteArrayOutputStream octets = new ByteArrayOutputStream(line.length() + 2);
                    octets.writeBytes(line.bytes());
                    octets.writeBytes(before == '\r' ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
                    return Optional.of(Conversation.line(octets.toByteArray(), 0, octets.size()));
                }
                if (r instanceof LineDecoder.LineTooLong) {
                    throw new IOException("a line exceeds " + MAX_LINE + " octets, the most a ScriptedServer records");
                }
                if (buffer.limit() > 0) {
                    beforeBuffer = buffer.get(buffer.limit() - 1);
                }
                int n = in.read(buffer.array());
                if (n < 0) {
                    return Optional.empty();
                }
                buffer.position(0).limit(n);
            }
        }
    }

    /** Closes the listening socket and every connection, and waits for their threads. */
    @Override
    public void close() {
        acceptor.close();
    }

    @Override
    public String toString() {
        return "ScriptedServer[" + address() + ", " + script.map(c -> c.source().orElse("script")).orElse("dynamic") + "]";
    }

    /** Sets the options of a {@link ScriptedServer}; {@link #start()} binds and starts it. */
    public static final class Builder {
        private Conversation script;
        private Responder responder = Responder.standard();
        private Matching matching = Matching.EXACT;
        private Duration timeout = DEFAULT_TIMEOUT;
        private InetAddress address = Acceptor.LOOPBACK;
        private int port;
        private long maxHeldBytes = Runtime.getRuntime().maxMemory() / 4;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;

        private Builder() {
        }

        /** Plays this script on every connection, instead of answering through a responder. */
        public Builder script(Conversation script) {
            this.script = Objects.requireNonNull(script, "script");
            return this;
        }

        /** Answers through this responder; {@link Responder#standard()} by default. */
        public Builder responder(Responder responder) {
            this.responder = Objects.requireNonNull(responder, "responder");
            this.script = null;
            return this;
        }

        /**
         * How the client's lines are held to a script's; {@link Matching#EXACT} by default (a
         * script with the comment {@code # placeholders: on} gets {@link Matching#PLACEHOLDERS}).
         */
        public Builder matching(Matching matching) {
            this.matching = Objects.requireNonNull(matching, "matching");
            return this;
        }

        /**
         * The longest wait for each client line; {@link #DEFAULT_TIMEOUT} by default. A script
         * reports it as a mismatch; a dynamic server answers 421 4.4.2 and closes.
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** The address to listen on; the loopback address by default. */
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
         * The most the server holds of what clients sent until the test takes it, in octets (a
         * quarter of the heap by default): commands, messages and transcripts, a line reckoned at
         * its characters and 64 octets more, a connection at 512 before its lines, a message's
         * lines once in the message and once in its transcript. Past it a command gets
         * {@code 421 4.3.1} and the connection is closed, message data {@code 452 4.3.1} (and is
         * not recorded), a new connection {@code 421 4.3.1} (and has no result), a transcript ends
         * with a comment, and a script reports a mismatch. Taking a command, a message or a result
         * gives its room back.
         */
        public Builder maxHeldBytes(long octets) {
            if (octets < 1) {
                throw new IllegalArgumentException("maxHeldBytes must be positive: " + octets);
            }
            this.maxHeldBytes = octets;
            return this;
        }

        /**
         * How many connections are served at once; {@link #DEFAULT_MAX_CONNECTIONS} by default.
         * One more gets {@code 421 4.3.2} and is closed.
         */
        public Builder maxConnections(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("maxConnections must be positive: " + connections);
            }
            this.maxConnections = connections;
            return this;
        }

        /**
         * Binds and starts the server.
         *
         * @throws UncheckedIOException if the port cannot be bound
         */
        public ScriptedServer start() {
            try {
                return new ScriptedServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + address + ":" + port, e);
            }
        }
    }
}
