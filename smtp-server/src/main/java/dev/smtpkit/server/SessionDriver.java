package dev.smtpkit.server;

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
import dev.smtpkit.server.internal.Driver;
import dev.smtpkit.server.internal.Link;
import dev.smtpkit.server.internal.ServerTls;
import dev.smtpkit.server.internal.proxy.Xclient;
import dev.smtpkit.server.internal.sasl.AuthOutcome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's SMTP session, driven by events: octets in, replies out, the application asked
 * for each decision. Both transports feed it through the {@link Link} seam: Netty from the
 * connection's event loop, the JDK transport from the connection's thread reading its socket.
 *
 * <p>Nothing here blocks, so a connection waiting for its client holds no thread on Netty. A call
 * into the application ({@link HandlerCall}) is the one thing that may take long: where the feeding
 * thread is an event loop it runs on the executor and the driver goes on when it is done; where
 * the feeding thread is the connection's own (the JDK's), it runs there ({@link CallRunner}), and
 * a message's content is pulled from the socket as the handler reads it ({@link MessageStream}).
 *
 * <p>The session is not thread-safe: every entry takes {@link #lock}. Only the feeding thread
 * takes it in the common case; the closing thread and the {@link Watchdog} take it to end a
 * session or to answer for a late handler, and an application call runs without it. The parts
 * the driver owns ({@link Preamble}, {@link MessageStream}, {@link AuthSteps}) have no lock of
 * their own: they are only reached under this one. The end of the connection ({@link Ending})
 * uses this lock too, with {@code tryLock} where another thread asks for the end, and keeps the
 * flags those threads read or write without it.
 *
 * <p>Before the session starts, a connection may have a preamble: a PROXY protocol header from
 * a trusted proxy ({@link Preamble}), then the TLS handshake of an implicit-TLS port (RFC 8314
 * §3.3), in that order, as HAProxy sends them.
 */
final class SessionDriver implements Driver {

    /** The server's count of connections per client, for a client known only once a PROXY header named it. */
    interface ClientLimit {
        /** Counts this connection against {@code client}; false when that client has its maximum already. */
        boolean admit(SessionDriver driver, InetAddress client);
    }

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);
    /** For a handler past its deadline: 451 with RFC 3463's "other or undefined mail system status". */
    static final Reply HANDLER_TIMED_OUT = Reply.of(451, EnhancedStatus.of(4, 3, 0),
            "Requested action aborted: the server did not decide in time, try again later");
    /** For AUTH from a client past maxAuthFailuresPerClient (RFC 3463 X.7.0: a security status), then close. */
    private static final Reply AUTH_FAILURES_PER_CLIENT = Reply.of(421, EnhancedStatus.of(4, 7, 0),
            "Too many failed AUTH attempts from your address, try again later");
    /** Pipelined input the session may hold while a handler decides, before the input stops. */
    private static final int MAX_BUFFERED_WHILE_DECIDING = 64 * 1024;

    /** Where the connection is, from accept to close. */
    private enum Stage {
        /** Reading the PROXY protocol header: no session yet. */
        PREAMBLE,
        /** A TLS handshake under way: implicit (no session yet) or after STARTTLS. */
        TLS,
        SESSION,
        /** The session closed; the transport half-closes, lingers and closes. */
        OVER
    }

    private final Settings settings;
    private final Link link;
    private final Connection connection;
    private final Transcript transcript;
    private final boolean implicitTls;
    private final CallRunner calls;
    /** The server's executor: application calls (through {@link #calls}) and, on an event loop, TLS handshakes' computations. */
    private final Executor executor;
    /** One read from the socket into this driver, where calls run on the feeding thread; null on an event loop. */
    private final Runnable puller;
    private final Consumer<SessionDriver> onExit;
    private final BooleanSupplier underStress;
    private final LongSupplier clock;
    private final Deadlines deadlines;
    private final Preamble preamble;
    private final long sequence;
    private final ReentrantLock lock = new ReentrantLock();

    private final Ending ending;

    private volatile Stage stage = Stage.PREAMBLE;
    /** The client this connection is counted against in the per-client limit, once it is. */
    private volatile InetAddress countedClient;

    /** The deadline of the call under way, which the watchdog checks. */
    private final CallDeadline callDeadline = new CallDeadline();

    // Guarded by lock.
    private ServerSession session;
    private SessionHandler handler;
    private AuthSteps auth;
    private HandlerCall call;
    /** The message under way, from its start to the end of its call; null between messages. */
    private MessageStream message;
    private ServerEvent pushedBack;
    /** When the wait for input ends (the clock's nanoseconds), or 0 while the driver waits for none. */
    private long waitUntil;
    private boolean inputEnded;
    private boolean broken;
    private boolean paused;
    private boolean processing;

    /**
     * @param implicitTls whether the connection came to the implicit-TLS port (RFC 8314 §3.3)
     * @param clientLimit counts the client a PROXY header names; the server counted any other already
     * @param executor    runs application calls when the link is fed by an event loop, and there
     *                    the computations of TLS handshakes
     */
    SessionDriver(Settings settings, Link link, String id, boolean implicitTls, ClientLimit clientLimit,
            Executor executor, Consumer<SessionDriver> onExit, BooleanSupplier underStress, LongSupplier clock) {
        this.settings = settings;
        this.link = link;
        this.connection = new Connection(id, link.remoteAddress(), link.localAddress(), this::forceClose, settings.memory());
        this.transcript = new Transcript(connection, settings.transcriptListener(), settings.counters(), settings.transcriptLog());
        this.implicitTls = implicitTls;
        this.puller = link instanceof Pull pull ? pull::pullOnce : null;
        this.calls = new CallRunner(lock, puller != null, executor, link, connection);
        this.executor = executor;
        this.onExit = onExit;
        this.underStress = underStress;
        this.clock = clock;
        this.deadlines = settings.deadlines(clock);
        this.preamble = new Preamble(settings.proxyProtocol(), link.remoteAddress(),
                settings.readTimeoutMillis(Timeout.SERVER_COMMAND) * 1_000_000L, client -> clientLimit.admit(this, client));
        this.sequence = Long.parseLong(id);
        this.ending = new Ending(lock, link, new EndingHost(), connection, settings.writeTimeout());
    }

    /**
     * A link whose feeding thread may block, the JDK's: application calls run on it, and a
     * handler reading a message pulls the next octets through it.
     */
    interface Pull {
        /** Reads once from the connection into the driver (or tells it of the end, or of a deadline passed). */
        void pullOnce();
    }

    // ---------------------------------------------------------------- for the server

    Connection connection() {
        return connection;
    }

    long sequence() {
        return sequence;
    }

    boolean finished() {
        return ending.finished();
    }

    /** Records the client this connection counts against, so that its end releases the same one. */
    void countedAs(InetAddress client) {
        countedClient = client;
    }

    Optional<InetAddress> countedClient() {
        return Optional.ofNullable(countedClient);
    }

    // ---------------------------------------------------------------- Driver: the transport's events

    @Override
    public String id() {
        return connection.id();
    }

    @Override
    public void start() {
        lock.lock();
        try {
            settings.counters().connectionsOpened.increment();
            settings.counters().connectionsActive.increment();
            LOG.debug("{} {}: connected", connection.id(), Transcript.address(connection.remoteAddress()));
            afterPreamble(preamble.start(clock.getAsLong()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void received(ByteBuffer bytes) {
        lock.lock();
        try {
            int n = bytes.remaining();
            if (n == 0) {
                return;
            }
            if (stage == Stage.PREAMBLE) {
                settings.counters().bytesReceived.add(n);
                afterPreamble(preamble.received(bytes));
                return;
            }
            if (stage != Stage.SESSION || inputEnded) {
                // During a handshake the transport's TLS layer has the octets; after the session, nobody wants them.
                bytes.position(bytes.limit());
                return;
            }
            settings.counters().bytesReceived.add(n);
            deadlines.received(n);
            waitUntil = 0;
            session.receive(bytes);
            process();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void inputEnded(IOException failure) {
        lock.lock();
        try {
            if (stage == Stage.PREAMBLE) {
                closeNow();
                return;
            }
            if (stage != Stage.SESSION || inputEnded) {
                return;
            }
            if (failure != null) {
                transcript.note("read failed: " + failure);
            }
            endInput();
            process();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long waitNanos() {
        lock.lock();
        try {
            long until = stage == Stage.PREAMBLE ? preamble.waitUntil() : waitUntil;
            if (until == 0 || paused || (stage != Stage.SESSION && stage != Stage.PREAMBLE)) {
                return -1;
            }
            return Math.max(0, until - clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void deadlineCheck() {
        lock.lock();
        try {
            if (stage == Stage.PREAMBLE) {
                afterPreamble(preamble.check(clock.getAsLong()));
                return;
            }
            if (waitUntil == 0 || paused || waitUntil - clock.getAsLong() > 0) {
                return;
            }
            waitUntil = 0;
            if (stage == Stage.SESSION) {
                transcript.note("no input within " + deadlines.expired());
                session.timedOut();
                process();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int readLimit() {
        // An implicit-TLS handshake follows the PROXY header, and the JDK's TLS layer must read it
        // from the socket: the header is read one octet at a time so that none is taken from it.
        return stage == Stage.PREAMBLE && implicitTls ? 1 : Integer.MAX_VALUE;
    }

    @Override
    public boolean wantsInput() {
        Stage s = stage;
        return !ending.finished() && (s == Stage.PREAMBLE || s == Stage.SESSION || s == Stage.TLS);
    }

    @Override
    public void tlsEstablished(SSLSession established) {
        lock.lock();
        try {
            if (stage != Stage.TLS) {
                return;
            }
            TlsInfo info = TlsInfo.of(established);
            connection.tlsEstablished(info);
            transcript.note("TLS established: " + info);
            if (session == null) {
                begin(new byte[0]);
                return;
            }
            session.tlsEstablished();
            stage = Stage.SESSION;
            process();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void tlsFailed(IOException failure) {
        lock.lock();
        try {
            String note = failure instanceof SocketTimeoutException
                    ? "no TLS handshake within the " + Timeout.SERVER_COMMAND + " timeout" : "TLS handshake failed: " + failure;
            if (session == null) {
                LOG.debug("{} {}: {}", connection.id(), Transcript.address(connection.remoteAddress()), note);
            }
            transcript.note(note);
            closeNow();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void closed() {
        lock.lock();
        try {
            ending.linkClosed();
            if (stage == Stage.SESSION && !inputEnded) {
                // Closed under a session that had not ended (a forced close): it unwinds as at the end of input.
                endInput();
                process();
            }
            // An application call still under way delays the end until it returns (startCall).
            ending.endIfClosed();
        } finally {
            lock.unlock();
        }
    }

    private void closeNow() {
        ending.close(Ending.Close.CLOSE);
    }

    /** Ends a connection that gets no reply with a half-close, so the peer reads an end rather than a reset. */
    private void closeUnanswered() {
        ending.close(Ending.Close.FINISH);
    }

    // ---------------------------------------------------------------- the preamble

    /** Acts on the preamble's step: a close without a reply, or the session opened for the client it named. */
    private void afterPreamble(Preamble.Step step) {
        if (step instanceof Preamble.Refused refused) {
            LOG.info("{} {}: closed without a reply: {}", connection.id(), Transcript.address(connection.remoteAddress()),
                    refused.reason());
            closeUnanswered();
        } else if (step instanceof Preamble.Done done) {
            done.client().ifPresent(client -> {
                connection.proxied(client);
                transcript.client(client.toString());
            });
            done.header().ifPresent(header -> transcript.note(
                    "PROXY protocol header from " + Transcript.address(link.remoteAddress()) + ": " + header));
            open(done.early());
        }
    }

    /** After the preamble's header: the implicit-TLS handshake, or the session at once. */
    private void open(byte[] early) {
        if (implicitTls) {
            stage = Stage.TLS;
            link.startTls(null, early, serverTls(), settings.readTimeoutMillis(Timeout.SERVER_COMMAND));
        } else {
            begin(early);
        }
    }

    private void begin(byte[] early) {
        session = new ServerSession(settings.config());
        session.observer(transcript);
        if (implicitTls) {
            session.tlsEstablished();
        }
        if (settings.xclient().map(trusted -> trusted.contains(connection.remoteAddress().getAddress())).orElse(false)) {
            session.offerXclient(Xclient.ATTRIBUTES);
        }
        auth = new AuthSteps(connection, settings.sasl());
        stage = Stage.SESSION;
        if (early.length > 0) {
            session.receive(early, 0, early.length);
        }
        process();
    }

    private ServerTls serverTls() {
        return new ServerTls(settings.tls().orElseThrow(() -> new IllegalStateException("TLS without an SSLContext")),
                settings.tlsProtocols(), settings.clientCertificates(), executor);
    }

    // ---------------------------------------------------------------- the loop

    /**
     * Takes the session's events until it needs input, waits for the application, or closed.
     * Re-entered only by a handler that pulls a message's content on the feeding thread; that
     * nested run only moves content into the pipe, since a call is under way.
     */
    private void process() {
        if (processing || stage != Stage.SESSION) {
            return;
        }
        processing = true;
        try {
            loop();
        } catch (RuntimeException | Error e) {
            // A defect here must cost this connection only, and never leave it half alive.
            LOG.error("{} {}: session failed; closing the connection", connection.id(),
                    Transcript.address(connection.remoteAddress()), e);
            closeNow();
        } finally {
            processing = false;
        }
        updatePause();
    }

    private void loop() {
        while (stage == Stage.SESSION) {
            if (call != null) {
                if (call.kind() == HandlerCall.Kind.MESSAGE && !message.over()) {
                    if (call.done()) {
                        // The handler returned before the end: the rest is read and dropped, never held.
                        message.release();
                    }
                    if (!streamMessage()) {
                        return;
                    }
                    continue;
                }
                if (!call.done()) {
                    flush();
                    return;
                }
                resolve();
                continue;
            }
            ServerEvent event = nextEvent();
            if (event instanceof ServerEvent.NeedInput) {
                flush();
                if (ending.applyRequested()) {
                    continue;
                }
                if (!awaitInput()) {
                    continue;
                }
                return;
            }
            if (event instanceof ServerEvent.AwaitingDecision waiting) {
                throw new IllegalStateException("decision left unanswered: " + waiting.pending());
            }
            if (event instanceof ServerEvent.Closed closed) {
                flush();
                transcript.note("closed: " + closed.reason());
                LOG.debug("{} {}: closed ({})", connection.id(), Transcript.address(connection.remoteAddress()), closed.reason());
                ending.close(Ending.after(closed.reason(), broken, session.bufferedInput()));
                return;
            }
            handle(event);
            connection.update(session);
        }
    }

    private ServerEvent nextEvent() {
        if (pushedBack != null) {
            ServerEvent e = pushedBack;
            pushedBack = null;
            return e;
        }
        return session.nextEvent();
    }

    /**
     * The session needs input: sets the deadline for it. False if none may come (the input
     * ended, or a deadline passed and the session was told), so the loop goes on at once.
     */
    private boolean awaitInput() {
        if (inputEnded) {
            // The input ended while the replies went out (a write found the connection reset); the
            // session has been told and unwinds at its next event.
            if (session.state() == ServerState.CLOSED) {
                throw new IllegalStateException("the session wants input after the end of input: " + session);
            }
            return false;
        }
        if (broken) {
            endInput();
            return false;
        }
        Timeout timeout = session.timeout().orElse(Timeout.SERVER_COMMAND);
        int millis = deadlines.readTimeoutMillis(timeout, settings.readTimeoutMillis(timeout, underStress.getAsBoolean()));
        if (millis == 0) {
            waitUntil = 0;
            transcript.note("no input within " + deadlines.expired());
            session.timedOut();
            return false;
        }
        waitUntil = clock.getAsLong() + millis * 1_000_000L;
        return true;
    }

    private void endInput() {
        inputEnded = true;
        waitUntil = 0;
        session.receiveEndOfInput();
    }

    /** Writes what the session queued; a failed write ends the input, so the session unwinds. */
    private void flush() {
        if (session == null || !session.hasOutput()) {
            return;
        }
        // A reply answers a command: the next one has the whole command timeout again.
        deadlines.replied();
        byte[] bytes = session.takeOutput();
        if (broken || ending.dropped()) {
            return;
        }
        try {
            link.write(bytes);
        } catch (IOException e) {
            transcript.note("write failed: " + e);
            broken = true;
        }
    }

    /**
     * Stops the input while a handler has a full pipe or pipelined commands pile up behind a
     * decision, and starts it again after; only where input is pushed (an event loop).
     */
    private void updatePause() {
        if (puller != null) {
            return;
        }
        boolean stop = stage == Stage.SESSION && call != null
                && (call.kind() == HandlerCall.Kind.MESSAGE && !message.over() ? message.full()
                        : session.bufferedInput() >= MAX_BUFFERED_WHILE_DECIDING);
        if (stop == paused) {
            return;
        }
        paused = stop;
        if (stop) {
            link.pauseInput();
        } else {
            link.resumeInput();
            if (waitUntil != 0 && !awaitInput()) {
                process();
            }
        }
    }

    // ---------------------------------------------------------------- events

    private void handle(ServerEvent event) {
        if (event instanceof ServerEvent.Connected) {
            greet();
        } else if (event instanceof ServerEvent.Hello hello) {
            decide(() -> handler.hello(hello.domain()));
        } else if (event instanceof ServerEvent.MailFrom mail) {
            decide(() -> handler.mail(mail.sender(), mail.parameters()));
        } else if (event instanceof ServerEvent.RcptTo rcpt) {
            decide(() -> handler.rcpt(rcpt.recipient(), rcpt.parameters()));
        } else if (event instanceof ServerEvent.DataRequested data) {
            decide(() -> handler.data(data.envelope()));
        } else if (event instanceof ServerEvent.MessageStart start) {
            deliver(start.envelope());
        } else if (event instanceof ServerEvent.TransactionReset reset) {
            transcript.note("transaction reset: " + reset.cause());
            if (!(handler instanceof AcceptsEverything)) {
                SessionHandler h = handler;
                startCall(new HandlerCall(HandlerCall.Kind.RESET, () -> {
                    h.reset();
                    return null;
                }));
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
        // MessageData and MessageAborted arrive here only after a message's call stopped reading.
    }

    private void greet() {
        if (preamble.overClientLimit()) {
            settings.counters().connectionsRefused.increment();
            LOG.info("{} {}: refused, over maxConnectionsPerClient", connection.id(), Transcript.address(connection.remoteAddress()));
            session.decide(Replies.TOO_MANY_CONNECTIONS);
            return;
        }
        SessionHandler.Factory factory = settings.factory();
        Callable<SessionHandler> open = () -> Objects.requireNonNull(factory.open(connection),
                "SessionHandler.Factory.open() returned null");
        HandlerCall c = new HandlerCall(HandlerCall.Kind.OPEN, open);
        if (factory instanceof AcceptsEverything) {
            // The library's own factory: nothing of the application's runs in open().
            c.run(true, () -> { });
            call = c;
            return;
        }
        startCall(c);
    }

    /** A handler's decision about HELO, MAIL, RCPT or DATA. */
    private interface Decision {
        void run() throws Exception;
    }

    private void decide(Decision decision) {
        if (handler instanceof AcceptsEverything) {
            session.accept();
            return;
        }
        callDeadline.start(clock.getAsLong() + settings.handlerTimeout().toNanos());
        startCall(new HandlerCall(HandlerCall.Kind.DECISION, () -> {
            decision.run();
            return null;
        }));
    }

    /**
     * Hands the message to the handler as a stream fed while the client sends it; the 250 goes
     * out only after the handler returned normally with the whole message.
     */
    private void deliver(Envelope envelope) {
        transcript.bodyStarted();
        message = new MessageStream(connection.id(), envelope, handler,
                new MessagePipe(puller == null ? null : this::pump, this::drained, connection.memory()), settings.dataTerminationTimeout());
        // Untimed until the content ended (streamMessage).
        callDeadline.start(0);
        call = message.call();
    }

    private void startMessageCall() {
        if (message.callStarts()) {
            startCall(message.call());
        }
    }

    /**
     * Moves the session's next event of the message under way into its pipe. False when the
     * loop stops to wait for input.
     */
    private boolean streamMessage() {
        ServerEvent e = nextEvent();
        if (e instanceof ServerEvent.MessageData data) {
            transcript.body(data.content());
            message.append(data.content());
            startMessageCall();
        } else if (e instanceof ServerEvent.MessageEnd) {
            message.end(clock.getAsLong());
            if (!call.done()) {
                callDeadline.arm(message.answerDeadline());
            }
            startMessageCall();
        } else if (e instanceof ServerEvent.MessageAborted abort) {
            message.abort(abort.reason());
            startMessageCall();
        } else if (e instanceof ServerEvent.NeedInput) {
            flush();
            if (awaitInput()) {
                updatePause();
                return false;
            }
        } else if (e instanceof ServerEvent.Hello hello) {
            helloBetweenChunks(hello);
        } else {
            // Not expected: the session reports MessageAborted before anything else ends a message.
            pushedBack = e;
            message.abort(Replies.LOCAL_ERROR);
            startMessageCall();
        }
        return true;
    }

    /**
     * A HELO, EHLO or LHLO between BDAT chunks (RFC 3030 §2), which resets the transaction only if
     * the application accepts it (RFC 5321 §4.1.4). While the message's call has not started, the
     * application is asked first and the call waits, unstarted, so the handler still has one call
     * at a time: accepted, the session then aborts the message; refused, the message goes on.
     * Once the call started, the handler holds the message and may be reading it on another
     * thread, and cannot be asked about a name meanwhile: the transaction is reset first, as RSET
     * would, and the name asked once the message's call returned; a refusal then keeps no
     * transaction.
     */
    private void helloBetweenChunks(ServerEvent.Hello hello) {
        if (message.callStarted()) {
            session.resetBeforeHello();
            return;
        }
        call = null;
        handle(hello);
        if (call == null) {
            // Answered without a call (the server's own handler): the message goes on at once.
            call = message.call();
        } else {
            message.park();
        }
    }

    /**
     * For a handler on the feeding thread that found the pipe empty: moves what the session holds
     * already into it, or reads the socket once.
     */
    private void pump() {
        lock.lock();
        try {
            boolean streaming = message != null && !message.over();
            if (stage == Stage.SESSION && waitUntil == 0 && call != null && streaming) {
                process();
                return;
            }
            if (stage != Stage.SESSION || !streaming) {
                return;
            }
        } finally {
            lock.unlock();
        }
        puller.run();
    }

    /** The handler took the pipe down after it was full: input goes on, on the feeding thread. */
    private void drained() {
        link.execute(() -> {
            lock.lock();
            try {
                updatePause();
            } finally {
                lock.unlock();
            }
        });
    }

    // ---------------------------------------------------------------- application calls

    /**
     * Starts a call into the application ({@link CallRunner}). On the feeding thread the driver
     * is not processing while the call runs: a handler that pulls content re-enters it.
     */
    private void startCall(HandlerCall c) {
        call = c;
        if (calls.here()) {
            boolean wasProcessing = processing;
            processing = false;
            try {
                calls.runHere(c);
            } finally {
                processing = wasProcessing;
            }
            return;
        }
        calls.runElsewhere(c, () -> {
            if (call != c) {
                return;
            }
            if (stage == Stage.SESSION) {
                process();
            } else {
                // The session is over; nothing waits for this answer.
                call = null;
            }
            ending.endIfClosed();
        });
    }

    /** Applies the outcome of the call that is done. Holds lock. */
    private void resolve() {
        HandlerCall c = call;
        call = null;
        switch (c.kind()) {
            case OPEN -> opened(c);
            case DECISION -> decided(c);
            case MESSAGE -> delivered(c);
            case AUTH -> authenticated(c);
            case RESET -> {
                if (c.failure() != null) {
                    LOG.warn("{}: SessionHandler.reset() failed", connection.id(), c.failure());
                }
            }
        }
        if (message != null && message.unpark()) {
            call = message.call();
            // Untimed again until its data ends, and numbered apart from the decision's deadline.
            callDeadline.start(0);
        }
        if (session.state() != ServerState.CLOSED) {
            connection.update(session);
        }
    }

    private void opened(HandlerCall c) {
        if (c.refusal() != null) {
            answer(c.refusal(), Replies.unavailable(settings.config().hostname()));
        } else if (c.failure() != null) {
            LOG.warn("{} {}: SessionHandler.Factory.open() failed; answering 421", connection.id(),
                    Transcript.address(connection.remoteAddress()), c.failure());
            session.decide(Replies.unavailable(settings.config().hostname()));
        } else {
            handler = (SessionHandler) c.value();
            session.accept();
        }
    }

    private void decided(HandlerCall c) {
        Reply refusal = refusalOf(c);
        if (droppedAsLate(refusal)) {
            return;
        }
        if (refusal == null) {
            session.accept();
        } else {
            answer(refusal, Replies.LOCAL_ERROR);
        }
    }

    private Reply refusalOf(HandlerCall c) {
        if (c.failure() instanceof RejectedExecutionException) {
            // No thread to ask the application with: the server is going away (RFC 5321 §3.8).
            return Replies.unavailable(settings.config().hostname());
        }
        if (c.failure() != null) {
            // An Error too (a StackOverflowError in the application, say): it costs this answer, not the session.
            LOG.warn("{} {}: handler failed; answering 451", connection.id(), Transcript.address(connection.remoteAddress()),
                    c.failure());
            return Replies.LOCAL_ERROR;
        }
        return c.refusal();
    }

    private void delivered(HandlerCall c) {
        MessageStream done = message;
        message = null;
        done.release();
        Reply refusal;
        if (c.failure() != null && done.cutShort()) {
            // The handler gave up because the message was cut short: expected, and the session answers.
            LOG.debug("{}: message incomplete: {}", connection.id(), c.failure().toString(), c.failure());
            refusal = null;
        } else if (c.failure() != null) {
            refusal = refusalOf(c);
        } else {
            refusal = c.refusal();
        }
        MessageStream.Outcome outcome = done.outcome(refusal, droppedAsLate(refusal), session.state() != ServerState.CLOSED,
                clock.getAsLong());
        transcript.bodyEnded(outcome.note(), done.octets());
        switch (outcome.decision()) {
            case ACCEPT -> session.accept();
            case REPLY -> answer(outcome.reply(), Replies.LOCAL_ERROR);
            case NONE -> { }
        }
        outcome.count().in(settings.counters()).increment();
    }

    /** Decides with the handler's reply, or with {@code otherwise} if that reply cannot answer this decision. */
    private void answer(Reply reply, Reply otherwise) {
        try {
            session.decide(reply);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: the handler's reply cannot answer {}: {}", connection.id(), session.pendingDecision().orElse(null),
                    e.getMessage());
            session.decide(otherwise);
        }
    }

    /**
     * Ends the timed call; true if the watchdog answered for it already, in which case the
     * handler's answer ({@code refusal}, or acceptance when null) is dropped.
     */
    private boolean droppedAsLate(Reply refusal) {
        if (!callDeadline.end()) {
            return false;
        }
        LOG.warn("{} {}: the handler answered {} after the client had been told 451; its answer is dropped",
                connection.id(), Transcript.address(connection.remoteAddress()), refusal == null ? "yes" : refusal.toString().strip());
        return true;
    }

    /** The watchdog's question, on its thread: the number of the call past its deadline, once, or 0. */
    long lateHandlerCall(long now) {
        return callDeadline.late(now);
    }

    /**
     * Answers 451 for a handler call past its deadline, on an executor thread while the
     * application still has the call: the client gets its reply (RFC 5321 §4.5.3.2: it gives up
     * after 5 minutes for MAIL and RCPT, 10 after the data) and the session goes on when the
     * handler returns. A message the handler takes after this may be sent again by the client;
     * that is the price of not leaving it without an answer.
     */
    void answerLateHandler(long number) {
        lock.lock();
        try {
            if (ending.finished() || !callDeadline.awaiting(number) || session == null || session.pendingDecision().isEmpty()) {
                return;
            }
            callDeadline.answered();
            LOG.warn("{} {}: the handler has not answered {}; answering 451", connection.id(),
                    Transcript.address(connection.remoteAddress()), session.pendingDecision().map(Object::toString).orElse("its call"));
            transcript.note("the handler did not answer in time");
            answer(HANDLER_TIMED_OUT, Replies.LOCAL_ERROR);
            flush();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- TLS, XCLIENT, AUTH

    /**
     * STARTTLS (RFC 3207 §4): the 220 goes out in plaintext, then the handshake runs on the same
     * connection. Without an SSLContext the session never offers STARTTLS, so this is not reached.
     * What the client pipelined after STARTTLS was read in plaintext: the session threw away what
     * it had, and the transport drops what it read ahead (RFC 3207 §4.2, CVE-2011-0411).
     */
    private void startTls() {
        byte[] reply = session.hasOutput() ? session.takeOutput() : new byte[0];
        deadlines.replied();
        if (broken) {
            endInput();
            return;
        }
        stage = Stage.TLS;
        waitUntil = 0;
        link.startTls(reply, null, serverTls(), settings.readTimeoutMillis(Timeout.SERVER_COMMAND));
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
        transcript.note("XCLIENT from " + Transcript.address(link.remoteAddress()) + " set " + command.attributeNames());
        session.accept();
    }

    /**
     * One AUTH step (RFC 4954 §4), a call into the application's authenticator; unless the client
     * failed too often lately (maxAuthFailuresPerClient), when AUTH gets 421 without asking it.
     */
    private void authenticate(ServerEvent.AuthStep step) {
        AuthFailures failures = settings.authFailures();
        if (step.step() == 0 && failures.refused(connection.remoteAddress().getAddress(), clock.getAsLong())) {
            transcript.note("AUTH refused: " + failures.limit() + " failures from this client within "
                    + failures.window().toSeconds() + " s (SmtpServer.Builder.maxAuthFailuresPerClient)");
            session.decide(AUTH_FAILURES_PER_CLIENT);
            return;
        }
        Optional<HandlerCall> c = auth.call(step);
        if (c.isEmpty()) {
            // Not reached: the session offers AUTH only with mechanisms, which the builder sets with an authenticator.
            session.decide(Replies.AUTH_MECHANISM_UNKNOWN);
            return;
        }
        startCall(c.get());
    }

    private void authenticated(HandlerCall c) {
        AuthSteps.Done done = auth.done(c,
                session.pendingDecision().filter(ServerEvent.AuthStep.class::isInstance).map(ServerEvent.AuthStep.class::cast));
        done.outcome().applyTo(session);
        done.note().ifPresent(transcript::note);
        if (done.outcome() instanceof AuthOutcome.Failure f && f.reply().isPermanentFailure()) {
            InetAddress client = connection.remoteAddress().getAddress();
            if (settings.authFailures().failed(client, clock.getAsLong())) {
                LOG.info("{} {}: AUTH refused to this client for {} s after {} failures (maxAuthFailuresPerClient)",
                        connection.id(), Transcript.address(connection.remoteAddress()), settings.authFailures().window().toSeconds(),
                        settings.authFailures().limit());
            }
        }
    }

    // ---------------------------------------------------------------- the end (Ending)

    /** @see Ending#requestShutdown() */
    void requestShutdown() {
        ending.requestShutdown();
    }

    /** @see Ending#shed(Reply) */
    void shed(Reply reply) {
        ending.shed(reply);
    }

    /** @see Ending#forceClose() */
    void forceClose() {
        ending.forceClose();
    }

    /** The watchdog's round: the transport's own waits it bounds ({@link Link#watch}). */
    void watch(long now) {
        link.watch(now);
    }

    /** @see Ending#writeStalled(long, long) */
    boolean writeStalled(long now, long limitNanos) {
        return ending.writeStalled(now, limitNanos);
    }

    /** @see Ending#closeStalledWrite() */
    void closeStalledWrite() {
        ending.closeStalledWrite();
    }

    /** What the end of the connection asks of the driver; under the lock but {@link #beforeSession()}. */
    private final class EndingHost implements Ending.Host {

        @Override
        public boolean beforeSession() {
            // Read without the lock: a session is set before the stage leaves TLS for SESSION (volatile).
            return stage == Stage.PREAMBLE || (stage == Stage.TLS && session == null);
        }

        @Override
        public boolean idle() {
            return session != null && stage == Stage.SESSION && call == null;
        }

        @Override
        public boolean callRunning() {
            return call != null;
        }

        @Override
        public boolean shutdown(Reply reply, String note) {
            transcript.note(note);
            session.shutdown(reply);
            return session.state() == ServerState.CLOSED;
        }

        @Override
        public void unwind() {
            process();
        }

        @Override
        public void over() {
            stage = Stage.OVER;
            waitUntil = 0;
        }

        @Override
        public void ended() {
            stage = Stage.OVER;
            if (message != null) {
                message.release();
            }
            SessionHandler h = handler;
            if (h != null && !(h instanceof AcceptsEverything)) {
                calls.runClose(() -> {
                    try {
                        h.close();
                    } catch (RuntimeException | Error e) {
                        LOG.warn("{}: SessionHandler.close() failed", connection.id(), e);
                    }
                });
            }
            settings.counters().connectionsActive.decrement();
            onExit.accept(SessionDriver.this);
        }
    }
}
