package dev.smtpkit.server;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.core.SmtpSyntaxException;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.core.server.ServerSession;
import dev.smtpkit.core.server.ServerState;
import dev.smtpkit.server.proxy.ProxyHeader;
import dev.smtpkit.server.proxy.ProxyProtocolDecoder;
import dev.smtpkit.server.proxy.ProxyProtocolException;
import dev.smtpkit.server.proxy.TrustedNetworks;
import dev.smtpkit.server.proxy.Xclient;
import dev.smtpkit.server.security.AuthExchange;
import dev.smtpkit.server.security.AuthOutcome;
import dev.smtpkit.server.security.SaslReplies;
import dev.smtpkit.server.internal.ServerTls;
import dev.smtpkit.server.internal.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on the server's executor: the loop every transport of a sans-IO session writes
 * (feed the bytes read, take events until the session needs input, write its output), with the
 * application's handler called for each decision. Both transports run it; they differ only in
 * the {@link Wire} under it (a JDK socket, or a Netty channel whose event loop feeds a bounded
 * queue), so the handler always runs on the server's executor, never on an event loop.
 *
 * <p>A wire that can call back ({@link Wire#awaitReadable}, Netty's) lets an idle connection
 * hold no thread: when the session waits for the next command and nothing was read ahead, the
 * replies go out, {@link #run()} returns, and the wire's call back hands the connection to the
 * executor again to go on where it stopped ({@link #phase}). On Java 17, whose threads each
 * commit their stack, that is what makes ten thousand idle clients cheap. Only that wait, and
 * the linger after the session closed, give the thread back: within a message the handler is
 * reading a stream, and a handshake or a PROXY header is short and bounded by the command
 * timeout.
 *
 * <p>The session is not thread-safe. {@link #lock} guards it: the connection's thread holds it
 * except while blocked reading the socket, while the handler has the message, and while the
 * connection waits with no thread at all, so that {@link #requestShutdown()} from the closing
 * thread can reach an idle session at once and otherwise leaves a flag the connection's thread
 * acts on before its next read.
 *
 * <p>The wire is read only when the session has used all it was given, so a client that
 * sends faster than the handler reads is held back by TCP flow control, not by a growing
 * buffer (back-pressure).
 *
 * <p>Before the session starts, a connection may have a preamble: a PROXY protocol header from
 * a trusted proxy, then the TLS handshake of an implicit-TLS port (RFC 8314 §3.3), in that order,
 * as HAProxy sends them.
 */
final class ConnectionWorker implements Runnable {

    /**
     * The server's count of connections per client, for a client known only once a PROXY header
     * named it.
     */
    interface ClientLimit {
        /** Counts this connection against {@code client}; false when that client has its maximum already. */
        boolean admit(ConnectionWorker worker, InetAddress client);
    }

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);
    /**
     * The read buffer starts small and doubles each time a read fills it, up to the largest:
     * an idle connection or one that only exchanges commands holds 1 KiB, one that streams a
     * message soon reads 16 KiB at a time. Ten thousand idle connections would otherwise hold
     * 160 MiB of buffers (and as much again in the JDK's per-thread direct buffer for reads).
     * The session copies what it is given into a buffer of its own that grows to the largest
     * read, so a larger maximum would cost every busy connection twice.
     */
    private static final int FIRST_READ_BUFFER = 1024;
    private static final int LARGEST_READ_BUFFER = 16 * 1024;
    /** How long a closing connection reads what the client still sends, so the kernel does not reset it over our last reply. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int LINGER_OCTETS = 64 * 1024;
    /** For a handler past its deadline: 451 with RFC 3463's "other or undefined mail system status". */
    static final Reply HANDLER_TIMED_OUT = Reply.of(451, EnhancedStatus.of(4, 3, 0),
            "Requested action aborted: the server did not decide in time, try again later");

    /** Where {@link #run()} goes on after the connection gave its thread back. */
    private enum Phase {
        /** Not run yet: the preamble, then the session's start. */
        NEW,
        /** The session's loop. */
        SESSION,
        /** The session closed and the output is shut: reading what the client still sends. */
        LINGER
    }

    private final Settings settings;
    private final Wire wire;
    private final Connection connection;
    private final Transcript transcript;
    private final Consumer<ConnectionWorker> onExit;
    private final boolean implicitTls;
    private final ClientLimit clientLimit;
    private final Executor executor;
    private final ReentrantLock lock = new ReentrantLock();

    private volatile boolean shutdownRequested;
    /** The 421 the session ends with when {@link #shutdownRequested}: a server shutdown, or a slot needed for another client. */
    private volatile Reply shutdownReply = Replies.SHUTTING_DOWN;
    /**
     * When the handler call under way must have returned (System.nanoTime), or 0 while no call is
     * timed: {@code mail()} and {@code rcpt()} from their start ({@code handlerTimeout}),
     * {@code message()} from the end of the data ({@code dataTerminationTimeout}).
     */
    private volatile long handlerDeadline;
    /** Numbers the timed calls, so a late answer is given for the call that was late and no other. */
    private volatile long timedCall;
    /** The last call the watchdog found late; the watchdog's thread only. */
    private long lateCallSeen;
    /** The watchdog answered the timed call (451); the handler's own answer is dropped. Guarded by lock. */
    private boolean handlerAnswered;
    private volatile boolean finished;
    /** When the write under way began ({@link System#nanoTime()}, never 0), or 0 while none is. */
    private volatile long writeStarted;
    /** Reading the PROXY header or doing the implicit TLS handshake: no session yet, nothing to say on shutdown. */
    private volatile boolean preamble = true;
    /** The client this connection is counted against in the per-client limit, once it is. */
    private volatile InetAddress countedClient;

    // Guarded by lock.
    private Phase phase = Phase.NEW;
    private ServerSession session;
    private boolean shutdownApplied;
    // Confined to whoever holds lock (the connection's thread, or the handler reading the message).
    private byte[] buffer = new byte[FIRST_READ_BUFFER];
    private SessionHandler handler;
    private ServerEvent pushedBack;
    private boolean inputEnded;
    private boolean broken;
    private AuthExchange auth;
    /** The client a PROXY header named is over {@code maxConnectionsPerClient}: 421 instead of the greeting. */
    private boolean overClientLimit;
    /** The command, message and session deadlines that bound each read. */
    private final Deadlines deadlines;
    /** Whether the server is near maxConnections, when commands get the shorter stress timeout. */
    private final BooleanSupplier underStress;
    /** The connection's number, in accept order. */
    private final long sequence;
    /** Lingering: when the wait for more from the client ends ({@link System#nanoTime()}), and how much came. */
    private long lingerDeadline;
    private int lingered;

    /**
     * @param implicitTls whether the connection came to the implicit-TLS port (RFC 8314 §3.3)
     * @param clientLimit counts the client a PROXY header names; the server counted any other already
     * @param executor    runs the connection again when its wire calls back; the server runs it first
     */
    ConnectionWorker(Settings settings, Wire wire, String id, boolean implicitTls, ClientLimit clientLimit,
            Executor executor, Consumer<ConnectionWorker> onExit, BooleanSupplier underStress) {
        this.settings = settings;
        this.wire = wire;
        this.connection = new Connection(id, wire.remoteAddress(), wire.localAddress(), this::forceClose,
                settings.memory());
        this.transcript = new Transcript(connection, settings.transcriptListener(), settings.counters(),
                settings.transcriptLog());
        this.implicitTls = implicitTls;
        this.clientLimit = clientLimit;
        this.executor = executor;
        this.onExit = onExit;
        this.deadlines = settings.deadlines(System::nanoTime);
        this.underStress = underStress;
        this.sequence = Long.parseLong(id);
    }

    /** Records the client this connection counts against, so that its end releases the same one. */
    void countedAs(InetAddress client) {
        countedClient = client;
    }

    Optional<InetAddress> countedClient() {
        return Optional.ofNullable(countedClient);
    }

    Connection connection() {
        return connection;
    }

    boolean finished() {
        return finished;
    }

    /**
     * Serves the connection until it ends or gives its thread back to wait for input; in the
     * second case the wire's call back runs this again, on the executor, to go on.
     */
    @Override
    public void run() {
        Thread thread = Thread.currentThread();
        String threadName = thread.getName();
        // Named for the session, on pool and virtual threads alike, so thread dumps and leak checks can tell.
        thread.setName(Threads.PREFIX + "session-" + connection.id());
        boolean yielded = false;
        // A call back may come before the thread that gave the connection up has left: this waits for it.
        lock.lock();
        try {
            if (phase == Phase.NEW) {
                settings.counters().connectionsOpened.increment();
                settings.counters().connectionsActive.increment();
            }
            yielded = serve();
        } catch (IOException e) {
            LOG.debug("{} {}: connection failed: {}", connection.id(), Transcript.address(connection.remoteAddress()), e.toString(), e);
        } catch (RuntimeException | Error e) {
            LOG.error("{} {}: session failed", connection.id(), Transcript.address(connection.remoteAddress()), e);
        } finally {
            if (yielded) {
                lock.unlock();
            } else {
                end();
            }
            // The thread goes back to its pool under its own name.
            thread.setName(threadName);
        }
    }

    /** Closes the handler and the wire and tells the server; called holding {@link #lock}, and releases it. */
    private void end() {
        if (handler != null) {
            try {
                handler.close();
            } catch (RuntimeException | Error e) {
                LOG.warn("{}: SessionHandler.close() failed", connection.id(), e);
            }
        }
        wire.close();
        finished = true;
        lock.unlock();
        settings.counters().connectionsActive.decrement();
        onExit.accept(this);
    }

    /**
     * The wire's call back to a connection that gave its thread back: input came, the input
     * ended, or the wait timed out. Runs on a transport thread, which must not be kept.
     */
    private void resume() {
        try {
            executor.execute(this);
        } catch (RejectedExecutionException e) {
            // An application's executor that was shut down, or is full: there is no thread to go on with.
            LOG.warn("{} {}: the executor refused to continue the connection; closing it", connection.id(),
                    Transcript.address(connection.remoteAddress()), e);
            lock.lock();
            end();
        }
    }

    // ---------------------------------------------------------------- the loop

    /** Goes on from {@link #phase}; returns true if the connection gave its thread back, false once it ended. */
    private boolean serve() throws IOException {
        if (phase == Phase.NEW) {
            if (!open()) {
                return false;
            }
            phase = Phase.SESSION;
        }
        if (phase == Phase.SESSION) {
            while (true) {
                ServerEvent event = next(true);
                if (event == null) {
                    return true;
                }
                if (event instanceof ServerEvent.Closed closed) {
                    flush();
                    transcript.note("closed: " + closed.reason());
                    LOG.debug("{} {}: closed ({})", connection.id(), Transcript.address(connection.remoteAddress()), closed.reason());
                    break;
                }
                handle(event);
                connection.update(session);
            }
            phase = Phase.LINGER;
            if (!halfClose()) {
                return false;
            }
        }
        return linger();
    }

    /**
     * The preamble (a PROXY header, an implicit-TLS handshake), then the session's start.
     *
     * @return false if the connection ends without a session
     */
    private boolean open() throws IOException {
        LOG.debug("{} {}: connected", connection.id(), Transcript.address(connection.remoteAddress()));
        byte[] early = new byte[0];
        if (settings.proxyProtocol().isPresent()) {
            Optional<byte[]> rest = readProxyHeader(settings.proxyProtocol().get());
            if (rest.isEmpty()) {
                return false;
            }
            early = rest.get();
            overClientLimit = !clientLimit.admit(this, connection.remoteAddress().getAddress());
        }
        if (implicitTls) {
            startTlsLayer(null);
        }
        session = new ServerSession(settings.config());
        preamble = false;
        session.observer(transcript);
        if (implicitTls) {
            session.tlsEstablished();
        }
        if (settings.xclient().map(trusted -> trusted.contains(connection.remoteAddress().getAddress())).orElse(false)) {
            session.offerXclient(Xclient.ATTRIBUTES);
        }
        auth = settings.sasl().map(sasl -> sasl.newExchange()).orElse(null);
        if (early.length > 0) {
            session.receive(early, 0, early.length);
        }
        return true;
    }

    /**
     * The next event, reading the socket whenever the session has used all its input; or null
     * if {@code mayYield} and the connection gave its thread back to wait for input instead.
     */
    private ServerEvent next(boolean mayYield) {
        if (pushedBack != null) {
            ServerEvent e = pushedBack;
            pushedBack = null;
            return e;
        }
        while (true) {
            ServerEvent e = session.nextEvent();
            if (e instanceof ServerEvent.NeedInput) {
                // All pipelined input is processed: its replies go out together, before we block.
                flush();
                if (!fill(mayYield)) {
                    return null;
                }
            } else if (e instanceof ServerEvent.AwaitingDecision waiting) {
                throw new IllegalStateException("decision left unanswered: " + waiting.pending());
            } else {
                return e;
            }
        }
    }

    /**
     * Reads once from the socket into the session, or tells it the input ended or timed out. When
     * {@code mayYield}, a wait for the next command may instead give the thread back (false).
     */
    private boolean fill(boolean mayYield) {
        if (shutdownRequested && !shutdownApplied) {
            applyShutdown();
            return true;
        }
        if (inputEnded) {
            throw new IllegalStateException("the session wants input after the end of input: " + session);
        }
        Timeout timeout = session.timeout().orElse(Timeout.SERVER_COMMAND);
        int readTimeout = readTimeoutMillis(timeout);
        int n;
        boolean timedOut = false;
        if (broken) {
            n = -1;
        } else if (readTimeout == 0) {
            n = 0;
            timedOut = true;
        } else if (mayYield && timeout == Timeout.SERVER_COMMAND && wire.awaitReadable(readTimeout, this::resume)) {
            // Only the command timeout may run out while no thread waits: it is kept as a deadline
            // (Deadlines) that the call back, early or late, finds where it was left.
            return false;
        } else {
            try {
                int millis = readTimeout;
                lock.unlock();
                try {
                    n = wire.read(buffer, 0, buffer.length, millis);
                } finally {
                    lock.lock();
                }
            } catch (SocketTimeoutException e) {
                n = 0;
                timedOut = true;
            } catch (IOException e) {
                transcript.note("read failed: " + e);
                n = -1;
            }
        }
        if (timedOut) {
            transcript.note("no input within " + deadlines.expired());
            session.timedOut();
        } else if (n < 0) {
            inputEnded = true;
            session.receiveEndOfInput();
        } else if (n > 0) {
            settings.counters().bytesReceived.add(n);
            deadlines.received(n);
            session.receive(buffer, 0, n);
            if (n == buffer.length && buffer.length < LARGEST_READ_BUFFER) {
                buffer = new byte[buffer.length * 2];
            }
        }
        return true;
    }

    /** The socket timeout for the next read, or 0 if a deadline has passed ({@link Deadlines}). */
    private int readTimeoutMillis(Timeout timeout) {
        return deadlines.readTimeoutMillis(timeout, settings.readTimeoutMillis(timeout, underStress.getAsBoolean()));
    }

    long sequence() {
        return sequence;
    }

    /** Writes what the session queued; a failed write ends the input too, so the session unwinds. */
    private void flush() {
        if (!session.hasOutput()) {
            return;
        }
        // A reply answers a command: the next one has the whole command timeout again.
        deadlines.replied();
        byte[] bytes = session.takeOutput();
        if (broken) {
            return;
        }
        writeStarted = System.nanoTime() | 1;
        try {
            wire.write(bytes);
        } catch (IOException e) {
            transcript.note("write failed: " + e);
            broken = true;
        } finally {
            writeStarted = 0;
        }
    }

    /** After the session closed: half-closes, so the client reads the end; false if there is nothing to linger for. */
    private boolean halfClose() {
        if (broken) {
            return false;
        }
        try {
            wire.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            // The connection is being closed anyway; TLS has no half-close.
            return false;
        }
        lingerDeadline = System.nanoTime() + LINGER_NANOS;
        return true;
    }

    /**
     * Reads what the client still sends for a moment (each read may wait {@link #LINGER_NANOS}),
     * so that the kernel does not reset the connection over our last reply. Returns true if the
     * connection gave its thread back to wait, as {@link #fill} may.
     */
    private boolean linger() {
        try {
            while (lingered < LINGER_OCTETS) {
                long left = lingerDeadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                int millis = (int) Math.max(1, (left + 999_999) / 1_000_000);
                if (wire.awaitReadable(millis, this::resume)) {
                    return true;
                }
                int n = wire.read(buffer, 0, buffer.length, millis);
                if (n <= 0) {
                    return false;
                }
                lingered += n;
                lingerDeadline = System.nanoTime() + LINGER_NANOS;
            }
        } catch (IOException | RuntimeException e) {
            // The connection is being closed anyway.
        }
        return false;
    }

    // ---------------------------------------------------------------- events

    private void handle(ServerEvent event) throws IOException {
        if (event instanceof ServerEvent.Connected) {
            greet();
        } else if (event instanceof ServerEvent.Hello hello) {
            decide(() -> handler.hello(hello.domain()));
        } else if (event instanceof ServerEvent.MailFrom mail) {
            decide(() -> handler.mail(mail.sender(), mail.parameters()));
        } else if (event instanceof ServerEvent.RcptTo rcpt) {
            decide(() -> handler.rcpt(rcpt.recipient(), rcpt.parameters()));
        } else if (event instanceof ServerEvent.MessageStart start) {
            deliver(start.envelope());
        } else if (event instanceof ServerEvent.TransactionReset reset) {
            transcript.note("transaction reset: " + reset.cause());
            try {
                handler.reset();
            } catch (RuntimeException | Error e) {
                LOG.warn("{}: SessionHandler.reset() failed", connection.id(), e);
            }
        } else if (event instanceof ServerEvent.StartTls) {
            startTls();
        } else if (event instanceof ServerEvent.AuthStep step) {
            authenticate(step);
        } else if (event instanceof ServerEvent.XclientRequested request) {
            xclient(request);
        } else if (event instanceof ServerEvent.MessageEnd end) {
            throw new IllegalStateException("message end outside a message: " + end);
        }
        // MessageData and MessageAborted arrive here only after a message stream stopped reading.
    }

    private void greet() {
        if (overClientLimit) {
            settings.counters().connectionsRefused.increment();
            LOG.info("{} {}: refused, over maxConnectionsPerClient", connection.id(), Transcript.address(connection.remoteAddress()));
            session.decide(Replies.TOO_MANY_CONNECTIONS);
            return;
        }
        try {
            handler = Objects.requireNonNull(settings.factory().open(connection), "SessionHandler.Factory.open() returned null");
            session.accept();
        } catch (SmtpRejectException e) {
            answer(e.reply(), Replies.unavailable(settings.config().hostname()));
        } catch (RuntimeException | Error e) {
            LOG.warn("{} {}: SessionHandler.Factory.open() failed; answering 421", connection.id(),
                    Transcript.address(connection.remoteAddress()), e);
            session.decide(Replies.unavailable(settings.config().hostname()));
        }
    }

    /** A handler's call that may refuse. */
    private interface Call {
        void run() throws Exception;
    }

    private void decide(Call call) {
        Reply refusal = null;
        // Without the lock while the application runs, so that the watchdog can answer for it.
        startTimedCall(System.nanoTime() + settings.handlerTimeout().toNanos());
        lock.unlock();
        try {
            call.run();
        } catch (SmtpRejectException e) {
            refusal = e.reply();
        } catch (Exception | Error e) {
            // An Error too (a StackOverflowError in the application, say): it costs this answer, not the session.
            LOG.warn("{} {}: handler failed; answering 451", connection.id(), Transcript.address(connection.remoteAddress()), e);
            refusal = Replies.LOCAL_ERROR;
        } finally {
            lock.lock();
        }
        if (endTimedCall(refusal)) {
            return;
        }
        if (refusal == null) {
            session.accept();
        } else {
            answer(refusal, Replies.LOCAL_ERROR);
        }
    }

    private void startTimedCall(long deadline) {
        handlerAnswered = false;
        timedCall++;
        handlerDeadline = deadline;
    }

    /**
     * Ends a timed call, holding the lock; returns true if the watchdog already answered for it,
     * in which case the handler's answer ({@code refusal}, or acceptance when null) is dropped.
     */
    private boolean endTimedCall(Reply refusal) {
        handlerDeadline = 0;
        if (!handlerAnswered) {
            return false;
        }
        handlerAnswered = false;
        LOG.warn("{} {}: the handler answered {} after the client had been told 451; its answer is dropped",
                connection.id(), Transcript.address(connection.remoteAddress()), refusal == null ? "yes" : refusal.toString().strip());
        return true;
    }

    /**
     * The watchdog's question, on its thread: is the timed call under way past its deadline and
     * not yet reported? Returns the call's number, or 0.
     */
    long lateHandlerCall(long now) {
        long deadline = handlerDeadline;
        long call = timedCall;
        if (deadline == 0 || now - deadline < 0 || call == lateCallSeen) {
            return 0;
        }
        lateCallSeen = call;
        return call;
    }

    /**
     * Answers 451 for a handler call that is past its deadline, on an executor thread while the
     * connection's own thread is still inside the handler: the client gets its reply (RFC 5321
     * §4.5.3.2: it gives up after 5 minutes for MAIL and RCPT, 10 after the data) and the
     * session goes on when the handler returns. A message the handler takes after this may be
     * sent again by the client; that is the price of not leaving it without an answer.
     */
    void answerLateHandler(long call) {
        lock.lock();
        try {
            if (finished || handlerDeadline == 0 || timedCall != call || handlerAnswered) {
                return;
            }
            handlerAnswered = true;
            LOG.warn("{} {}: the handler has not answered {}; answering 451", connection.id(), Transcript.address(connection.remoteAddress()),
                    session.pendingDecision().map(Object::toString).orElse("its call"));
            transcript.note("the handler did not answer in time");
            answer(HANDLER_TIMED_OUT, Replies.LOCAL_ERROR);
            flush();
        } finally {
            lock.unlock();
        }
    }

    /** Decides with the handler's reply, or with {@code otherwise} if that reply cannot answer this decision. */
    private void answer(Reply reply, Reply otherwise) {
        try {
            session.decide(reply);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: the handler's reply cannot answer {}: {}", connection.id(),
                    session.pendingDecision().orElse(null), e.getMessage());
            session.decide(otherwise);
        }
    }

    /**
     * Hands the message to the handler as a stream read from the socket while the client sends
     * it, and sends the 250 only after the handler returned normally with the whole message.
     */
    private void deliver(Envelope envelope) {
        MessageStream content = new MessageStream();
        transcript.bodyStarted();
        Reply refusal = null;
        // Timed from the end of the data (MessageStream.pull), not from here: the data takes as long as the client needs.
        startTimedCall(0);
        content.timed = true;
        lock.unlock();
        try {
            handler.message(envelope, content);
        } catch (SmtpRejectException e) {
            refusal = e.reply();
        } catch (Exception | Error e) {
            if (content.aborted()) {
                // The handler gave up because the message was cut short: expected, and the session answers.
                LOG.debug("{}: message incomplete: {}", connection.id(), e.toString(), e);
            } else {
                LOG.warn("{} {}: SessionHandler.message() failed; answering 451", connection.id(),
                        Transcript.address(connection.remoteAddress()), e);
                refusal = Replies.LOCAL_ERROR;
            }
        } finally {
            lock.lock();
        }
        content.timed = false;
        // The session stays in step with the client only if the rest of the data is read.
        content.skipRest();
        if (endTimedCall(refusal)) {
            transcript.bodyEnded("complete, answered 451 before the handler returned", content.octets);
            settings.counters().messagesRefused.increment();
            return;
        }
        if (content.aborted()) {
            Reply reason = content.abortReason;
            // A refusal by the session (size, bare line ending) leaves it open; a lost or reset transaction does not.
            boolean refused = reason.isFailure() && session.state() != ServerState.CLOSED;
            (refused ? settings.counters().messagesRefused : settings.counters().messagesAborted).increment();
            transcript.bodyEnded("incomplete, " + reason.toString().strip(), content.octets);
            return;
        }
        transcript.bodyEnded("complete", content.octets);
        Duration took = Duration.ofNanos(System.nanoTime() - content.endedAt);
        if (took.compareTo(settings.dataTerminationTimeout()) > 0) {
            LOG.warn("{}: the handler answered {} after the end of data; the client waits only {} for it"
                    + " (RFC 5321 §4.5.3.2.6) and may send the message again", connection.id(), Printable.duration(took),
                    Printable.duration(settings.dataTerminationTimeout()));
        }
        if (refusal == null) {
            session.accept();
            settings.counters().messagesAccepted.increment();
        } else {
            answer(refusal, Replies.LOCAL_ERROR);
            (refusal.isPositiveCompletion() ? settings.counters().messagesAccepted : settings.counters().messagesRefused)
                    .increment();
        }
    }

    /**
     * A message's content as the session decodes it. Its reads drive the connection's loop:
     * each one that finds no buffered data takes the session's next event, reading the socket.
     */
    private final class MessageStream extends InputStream {
        private static final int OPEN = 0;
        private static final int ENDED = 1;
        private static final int ABORTED = 2;

        private int state = OPEN;
        /** The handler is still inside message(): the end of the data starts its deadline. */
        private boolean timed;
        private ByteBuffer current;
        private Reply abortReason;
        private long octets;
        private long endedAt;
        private boolean closed;

        boolean aborted() {
            return state == ABORTED;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            lock.lock();
            try {
                if (closed) {
                    throw new IOException("message stream closed");
                }
                while (current == null || !current.hasRemaining()) {
                    if (state == ENDED) {
                        return -1;
                    }
                    if (state == ABORTED) {
                        throw new IncompleteMessageException(abortReason);
                    }
                    if (len == 0) {
                        return 0;
                    }
                    pull();
                }
                int n = Math.min(len, current.remaining());
                current.get(b, off, n);
                return n;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return current == null ? 0 : current.remaining();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            closed = true;
        }

        /** Reads and drops the rest of the message, to its end or its abort; never throws. */
        void skipRest() {
            current = null;
            while (state == OPEN) {
                pull();
                current = null;
            }
        }

        private void pull() {
            ServerEvent e = next(false);
            if (e instanceof ServerEvent.MessageData data) {
                current = data.content();
                octets += current.remaining();
                transcript.body(current);
            } else if (e instanceof ServerEvent.MessageEnd) {
                state = ENDED;
                endedAt = System.nanoTime();
                if (timed) {
                    handlerDeadline = endedAt + settings.dataTerminationTimeout().toNanos();
                }
            } else if (e instanceof ServerEvent.MessageAborted abort) {
                state = ABORTED;
                abortReason = abort.reason();
            } else {
                // Not expected: the session reports MessageAborted before anything else ends a message.
                pushedBack = e;
                state = ABORTED;
                abortReason = Replies.LOCAL_ERROR;
            }
        }
    }

    // ---------------------------------------------------------------- TLS

    /**
     * STARTTLS (RFC 3207 §4): the 220 goes out in plaintext, then the handshake runs on the same
     * connection. Without an SSLContext the session never offers STARTTLS, so this is not reached.
     *
     * <p>RFC 3207 §4.2, CVE-2011-0411: what the client pipelined after STARTTLS was read in
     * plaintext; the session threw away what it had, and the wire drops what it read ahead.
     */
    private void startTls() throws IOException {
        byte[] reply = session.hasOutput() ? session.takeOutput() : new byte[0];
        if (broken) {
            throw new IOException("connection lost before the TLS handshake");
        }
        startTlsLayer(reply);
        session.tlsEstablished();
    }

    /**
     * Runs the server's TLS handshake, with the configured protocols (TLS 1.2 and 1.3 by default,
     * RFC 8996) and client certificate request: after {@code reply} for STARTTLS, or from the
     * first octet for implicit TLS when {@code reply} is null.
     */
    private void startTlsLayer(byte[] reply) throws IOException {
        ServerTls tls = new ServerTls(settings.tls().orElseThrow(() -> new IllegalStateException("TLS without an SSLContext")),
                settings.tlsProtocols(), settings.clientCertificates());
        int millis = settings.readTimeoutMillis(Timeout.SERVER_COMMAND);
        // A read timeout bounds each read, and a ClientHello trickled an octet at a time would
        // restart it forever (slowloris): the whole handshake gets the command timeout, as a
        // command does, by closing the connection under it when that runs out.
        CompletableFuture<Void> handshake = new CompletableFuture<>();
        handshake.orTimeout(millis, TimeUnit.MILLISECONDS).whenComplete((done, late) -> {
            if (late instanceof TimeoutException) {
                wire.close();
            }
        });
        SSLSession established;
        try {
            established = reply == null ? wire.implicitTls(tls, millis) : wire.startTls(reply, tls, millis);
        } catch (IOException e) {
            transcript.note(handshake.isCompletedExceptionally()
                    ? "no TLS handshake within the " + Timeout.SERVER_COMMAND + " timeout" : "TLS handshake failed: " + e);
            throw e;
        } finally {
            handshake.complete(null);
        }
        TlsInfo info = TlsInfo.of(established);
        connection.tlsEstablished(info);
        transcript.note("TLS established: " + info);
    }

    // ---------------------------------------------------------------- PROXY, XCLIENT, AUTH

    /**
     * Reads the PROXY protocol header (HAProxy's proxy-protocol.txt §2) that a trusted proxy
     * sends first. A peer outside the trusted networks, a malformed header or one that does not
     * come in time closes the connection without a reply (§2: the peer is no proxy that speaks
     * the protocol, and anything said to it would be read as coming from us).
     *
     * @return what was read after the header, or empty to close the connection
     */
    private Optional<byte[]> readProxyHeader(TrustedNetworks trusted) throws IOException {
        if (!trusted.contains(wire.remoteAddress())) {
            LOG.info("{} {}: closed without a reply: proxyProtocol is on and the peer is not in its trusted networks",
                    connection.id(), Transcript.address(connection.remoteAddress()));
            return Optional.empty();
        }
        ProxyProtocolDecoder decoder = new ProxyProtocolDecoder();
        int millis = settings.readTimeoutMillis(Timeout.SERVER_COMMAND);
        // On an implicit-TLS port the TLS handshake follows the header, and the JDK's TLS layer
        // must read it from the socket: the header is read one octet at a time so none is taken
        // from it. (A JDK SSLSocket can be given octets read before, but such a socket closes
        // itself when its input is shut down, and with it the 421 of a server shutdown.) A wire
        // that reads ahead anyway hands what it holds to the handshake (Wire.implicitTls).
        int chunk = implicitTls ? 1 : buffer.length;
        try {
            while (true) {
                int n = wire.read(buffer, 0, chunk, millis);
                if (n < 0) {
                    decoder.endOfInput();
                    return Optional.empty();
                }
                settings.counters().bytesReceived.add(n);
                ByteBuffer read = ByteBuffer.wrap(buffer, 0, n);
                Optional<ProxyHeader> header = decoder.decode(read);
                if (header.isPresent()) {
                    if (header.get() instanceof ProxyHeader.Proxied proxied) {
                        connection.proxied(proxied.source());
                        transcript.client(proxied.source().toString());
                    }
                    transcript.note("PROXY protocol header from " + Transcript.address(wire.remoteAddress()) + ": " + header.get());
                    return Optional.of(Arrays.copyOfRange(buffer, read.position(), n));
                }
            }
        } catch (ProxyProtocolException e) {
            LOG.info("{} {}: closed without a reply: not a PROXY protocol header ({}: {})", connection.id(),
                    Transcript.address(connection.remoteAddress()), e.reason(), e.getMessage());
            return Optional.empty();
        } catch (SocketTimeoutException e) {
            LOG.info("{} {}: closed without a reply: no PROXY protocol header within the command timeout",
                    connection.id(), Transcript.address(connection.remoteAddress()));
            return Optional.empty();
        }
    }

    /**
     * XCLIENT from a trusted client (Postfix's XCLIENT_README): what it says about the real
     * client replaces what the connection knew, and the session starts over with 220. The
     * handler stays the same and sees the new client through its live {@link Connection}.
     */
    private void xclient(ServerEvent.XclientRequested request) {
        Xclient command;
        try {
            command = Xclient.parse(request.line());
        } catch (SmtpSyntaxException e) {
            transcript.note("XCLIENT refused: " + e.getMessage());
            session.decide(e.reply());
            return;
        }
        connection.xclient(command);
        transcript.client(Transcript.address(connection.remoteAddress()));
        transcript.note("XCLIENT from " + Transcript.address(wire.remoteAddress()) + " set " + command.attributeNames());
        session.accept();
    }

    /**
     * One AUTH step (RFC 4954 §4) through the connection's SASL exchange. An authenticator that
     * fails with anything but an SmtpException is answered 454 4.7.0 (RFC 4954 §6), as the
     * client's credentials may be fine.
     */
    private void authenticate(ServerEvent.AuthStep step) {
        if (auth == null) {
            // Not reached: the session offers AUTH only with mechanisms, which the builder sets with an authenticator.
            session.decide(Replies.AUTH_MECHANISM_UNKNOWN);
            return;
        }
        AuthOutcome outcome;
        try {
            outcome = auth.next(step);
        } catch (RuntimeException | Error e) {
            LOG.warn("{} {}: the Authenticator failed; answering 454 4.7.0", connection.id(), Transcript.address(connection.remoteAddress()), e);
            auth = settings.sasl().orElseThrow().newExchange();
            outcome = new AuthOutcome.Failure(SaslReplies.TEMPORARY_FAILURE);
        }
        outcome.applyTo(session);
        if (outcome instanceof AuthOutcome.Success success) {
            transcript.note("AUTH " + step.mechanism() + " succeeded for " + success.identity());
        } else if (outcome instanceof AuthOutcome.Failure failure) {
            transcript.note("AUTH " + step.mechanism() + " failed: " + failure.reply().toString().strip());
        }
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Asks this connection to end for a server shutdown (RFC 5321 §3.8: 421 to an idle client,
     * after the transaction in flight otherwise). Called repeatedly by the closing thread until
     * the connection ends; takes effect at once if the connection waits for input (its thread
     * blocked reading, or no thread at all), else at its next read.
     */
    void requestShutdown() {
        requestEnd(Replies.SHUTTING_DOWN);
    }

    /**
     * Ends this connection now to make room for another client's: 421 with {@code reply} if it
     * waits for a command outside a transaction, else closed at once, since a slot that is
     * needed now cannot wait for a transaction that may be trickled for minutes.
     */
    void shed(Reply reply) {
        if (!requestEnd(reply)) {
            forceClose();
        }
    }

    /** Asks the session to end with {@code reply}; true if it did so at once (the 421 goes out on its thread). */
    private boolean requestEnd(Reply reply) {
        shutdownReply = reply;
        shutdownRequested = true;
        if (preamble && !finished) {
            // No SMTP session yet: there is no one to say 421 to.
            wire.close();
            return true;
        }
        if (finished) {
            return true;
        }
        if (!lock.tryLock()) {
            return false;
        }
        try {
            // While the handler decides, the session waits for it; the next read applies the shutdown.
            if (session == null || shutdownApplied || finished || handlerDeadline != 0) {
                return finished;
            }
            applyShutdown();
            if (session.state() != ServerState.CLOSED) {
                return false;
            }
            // The connection waits for input: end its read, or call it back, so it writes the 421 and closes.
            try {
                wire.shutdownInput();
            } catch (IOException e) {
                wire.close();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void applyShutdown() {
        shutdownApplied = true;
        Reply reply = shutdownReply;
        transcript.note(reply == Replies.SHUTTING_DOWN ? "server shutting down" : "ending the session: " + reply.toString().strip());
        session.shutdown(reply);
    }

    /**
     * Ends the connection now, at the shutdown deadline or by {@link Connection#drop()}: reads and
     * writes fail, so no reply follows.
     */
    void forceClose() {
        wire.close();
    }

    /** The watchdog's question: has a write been waiting for the client to read for longer than the limit? */
    boolean writeStalled(long now, long limitNanos) {
        long started = writeStarted;
        return started != 0 && now - started > limitNanos;
    }

    /** Closes a connection whose client does not take its replies; the blocked write then fails. */
    void closeStalledWrite() {
        LOG.info("{} {}: the client took no reply within the write timeout of {} ms; closing", connection.id(),
                connection.remoteAddress(), settings.writeTimeout().toMillis());
        wire.close();
    }
}
