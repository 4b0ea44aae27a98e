package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.core.server.ServerSession;
import dev.smtpkit.core.server.ServerState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on one thread: the loop every transport of a sans-IO session writes (feed the
 * bytes read, take events until the session needs input, write its output), with the
 * application's handler called for each decision.
 *
 * <p>The session is not thread-safe. {@link #lock} guards it: the connection's thread holds it
 * except while blocked reading the socket and while the handler has the message, so that
 * {@link #requestShutdown()} from the closing thread can reach an idle session at once and
 * otherwise leaves a flag the connection's thread acts on before its next read.
 *
 * <p>The socket is read only when the session has used all it was given, so a client that
 * sends faster than the handler reads is held back by TCP flow control, not by a growing
 * buffer (back-pressure).
 */
final class ConnectionWorker implements Runnable {

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
    private static final int LINGER_MILLIS = 500;
    private static final int LINGER_OCTETS = 64 * 1024;

    private final Settings settings;
    private final Socket socket;
    private final Connection connection;
    private final Transcript transcript;
    private final Consumer<ConnectionWorker> onExit;
    private final ReentrantLock lock = new ReentrantLock();

    private volatile boolean shutdownRequested;
    private volatile boolean finished;

    // Guarded by lock.
    private ServerSession session;
    private boolean shutdownApplied;
    // Confined to whoever holds lock (the connection's thread, or the handler reading the message).
    private byte[] buffer = new byte[FIRST_READ_BUFFER];
    private Socket channel;
    private InputStream in;
    private OutputStream out;
    private SessionHandler handler;
    private ServerEvent pushedBack;
    private boolean inputEnded;
    private boolean broken;

    ConnectionWorker(Settings settings, Socket socket, String id, Consumer<ConnectionWorker> onExit) {
        this.settings = settings;
        this.socket = socket;
        this.channel = socket;
        this.connection = new Connection(id, (java.net.InetSocketAddress) socket.getRemoteSocketAddress(),
                (java.net.InetSocketAddress) socket.getLocalSocketAddress());
        this.transcript = new Transcript(id, connection.remoteAddress().toString(), settings.counters());
        this.onExit = onExit;
    }

    Connection connection() {
        return connection;
    }

    boolean finished() {
        return finished;
    }

    @Override
    public void run() {
        Thread thread = Thread.currentThread();
        String threadName = thread.getName();
        // Named for the session, on pool and virtual threads alike, so thread dumps and leak checks can tell.
        thread.setName(Threads.PREFIX + "session-" + connection.id());
        settings.counters().connectionsOpened.increment();
        settings.counters().connectionsActive.increment();
        lock.lock();
        try {
            serve();
        } catch (IOException e) {
            LOG.debug("{} {}: connection failed: {}", connection.id(), connection.remoteAddress(), e.toString());
        } catch (RuntimeException | Error e) {
            LOG.error("{} {}: session failed", connection.id(), connection.remoteAddress(), e);
        } finally {
            if (handler != null) {
                try {
                    handler.close();
                } catch (RuntimeException e) {
                    LOG.warn("{}: SessionHandler.close() failed", connection.id(), e);
                }
            }
            closeQuietly(socket);
            finished = true;
            lock.unlock();
            settings.counters().connectionsActive.decrement();
            onExit.accept(this);
            thread.setName(threadName);
        }
    }

    // ---------------------------------------------------------------- the loop

    private void serve() throws IOException {
        LOG.debug("{} {}: connected", connection.id(), connection.remoteAddress());
        // Replies are small and pipelined exchanges wait on each one: Nagle's algorithm with the
        // peer's delayed ACK would stall every turn by up to 200 ms.
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        session = new ServerSession(settings.config());
        session.observer(transcript);
        while (true) {
            ServerEvent event = next();
            if (event instanceof ServerEvent.Closed closed) {
                flush();
                transcript.note("closed: " + closed.reason());
                LOG.debug("{} {}: closed ({})", connection.id(), connection.remoteAddress(), closed.reason());
                break;
            }
            handle(event);
            connection.update(session);
        }
        linger();
    }

    /** The next event, reading the socket whenever the session has used all its input. */
    private ServerEvent next() {
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
                fill();
            } else if (e instanceof ServerEvent.AwaitingDecision waiting) {
                throw new IllegalStateException("decision left unanswered: " + waiting.pending());
            } else {
                return e;
            }
        }
    }

    /** Reads once from the socket into the session, or tells it the input ended or timed out. */
    private void fill() {
        if (shutdownRequested && !shutdownApplied) {
            applyShutdown();
            return;
        }
        if (inputEnded) {
            throw new IllegalStateException("the session wants input after the end of input: " + session);
        }
        Timeout timeout = session.timeout().orElse(Timeout.SERVER_COMMAND);
        int n;
        boolean timedOut = false;
        if (broken) {
            n = -1;
        } else {
            try {
                channel.setSoTimeout(settings.readTimeoutMillis(timeout));
                lock.unlock();
                try {
                    n = in.read(buffer);
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
            transcript.note("no input within the " + timeout + " timeout");
            session.timedOut();
        } else if (n < 0) {
            inputEnded = true;
            session.receiveEndOfInput();
        } else if (n > 0) {
            settings.counters().bytesReceived.add(n);
            session.receive(buffer, 0, n);
            if (n == buffer.length && buffer.length < LARGEST_READ_BUFFER) {
                buffer = new byte[buffer.length * 2];
            }
        }
    }

    /** Writes what the session queued; a failed write ends the input too, so the session unwinds. */
    private void flush() {
        if (!session.hasOutput()) {
            return;
        }
        byte[] bytes = session.takeOutput();
        if (broken) {
            return;
        }
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            transcript.note("write failed: " + e);
            broken = true;
        }
    }

    /** After the session closed: half-close, then read what the client still sends for a moment. */
    private void linger() {
        if (broken) {
            return;
        }
        try {
            channel.shutdownOutput();
            channel.setSoTimeout(LINGER_MILLIS);
            int total = 0;
            for (int n = in.read(buffer); n > 0 && total < LINGER_OCTETS; n = in.read(buffer)) {
                total += n;
            }
        } catch (IOException | RuntimeException e) {
            // The connection is being closed anyway; SSLSocket may not support half-close.
        }
    }

    // ---------------------------------------------------------------- events

    private void handle(ServerEvent event) throws IOException {
        if (event instanceof ServerEvent.Connected) {
            greet();
        } else if (event instanceof ServerEvent.Hello) {
            session.accept();
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
            } catch (RuntimeException e) {
                LOG.warn("{}: SessionHandler.reset() failed", connection.id(), e);
            }
        } else if (event instanceof ServerEvent.StartTls) {
            startTls();
        } else if (event instanceof ServerEvent.AuthStep) {
            // Unreachable: the builder refuses AUTH mechanisms until this transport supports AUTH.
            session.decide(Replies.AUTH_MECHANISM_UNKNOWN);
        } else if (event instanceof ServerEvent.MessageEnd end) {
            throw new IllegalStateException("message end outside a message: " + end);
        }
        // MessageData and MessageAborted arrive here only after a message stream stopped reading.
    }

    private void greet() {
        try {
            handler = Objects.requireNonNull(settings.factory().open(connection), "SessionHandler.Factory.open() returned null");
            session.accept();
        } catch (SmtpRejectException e) {
            answer(e.reply(), Replies.unavailable(settings.config().hostname()));
        } catch (RuntimeException e) {
            LOG.warn("{} {}: SessionHandler.Factory.open() failed; answering 421", connection.id(),
                    connection.remoteAddress(), e);
            session.decide(Replies.unavailable(settings.config().hostname()));
        }
    }

    /** A handler's call that may refuse. */
    private interface Call {
        void run() throws Exception;
    }

    private void decide(Call call) {
        Reply refusal;
        try {
            call.run();
            session.accept();
            return;
        } catch (SmtpRejectException e) {
            refusal = e.reply();
        } catch (Exception e) {
            LOG.warn("{} {}: handler failed; answering 451", connection.id(), connection.remoteAddress(), e);
            refusal = Replies.LOCAL_ERROR;
        }
        answer(refusal, Replies.LOCAL_ERROR);
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
        lock.unlock();
        try {
            handler.message(envelope, content);
        } catch (SmtpRejectException e) {
            refusal = e.reply();
        } catch (Exception e) {
            if (content.aborted()) {
                // The handler gave up because the message was cut short: expected, and the session answers.
                LOG.debug("{}: message incomplete: {}", connection.id(), e.toString());
            } else {
                LOG.warn("{} {}: SessionHandler.message() failed; answering 451", connection.id(),
                        connection.remoteAddress(), e);
                refusal = Replies.LOCAL_ERROR;
            }
        } finally {
            lock.lock();
        }
        // The session stays in step with the client only if the rest of the data is read.
        content.skipRest();
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
                    + " (RFC 5321 §4.5.3.2.6) and may send the message again", connection.id(), took,
                    settings.dataTerminationTimeout());
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
            ServerEvent e = next();
            if (e instanceof ServerEvent.MessageData data) {
                current = data.content();
                octets += current.remaining();
                transcript.body(current);
            } else if (e instanceof ServerEvent.MessageEnd) {
                state = ENDED;
                endedAt = System.nanoTime();
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
     * socket. This is the seam a later transport replaces; without an SSLContext the session never
     * offers STARTTLS, so this is not reached.
     */
    private void startTls() throws IOException {
        SSLContext context = settings.tls().orElseThrow(() -> new IllegalStateException("STARTTLS without an SSLContext"));
        flush();
        if (broken) {
            throw new IOException("connection lost before the TLS handshake");
        }
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket,
                socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        tls.setUseClientMode(false);
        tls.setSoTimeout(settings.readTimeoutMillis(Timeout.SERVER_COMMAND));
        tls.startHandshake();
        channel = tls;
        in = tls.getInputStream();
        out = tls.getOutputStream();
        session.tlsEstablished();
        transcript.note("TLS established: " + tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite());
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Asks this connection to end for a server shutdown (RFC 5321 §3.8: 421 to an idle client,
     * after the transaction in flight otherwise). Called repeatedly by the closing thread until
     * the connection ends; takes effect at once if the connection's thread is blocked reading,
     * else at its next read.
     */
    void requestShutdown() {
        shutdownRequested = true;
        if (finished || !lock.tryLock()) {
            return;
        }
        try {
            if (session == null || shutdownApplied || finished) {
                return;
            }
            applyShutdown();
            if (session.state() == ServerState.CLOSED) {
                // The connection's thread is blocked reading: end its read so it writes the 421 and closes.
                try {
                    socket.shutdownInput();
                } catch (IOException e) {
                    closeQuietly(socket);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void applyShutdown() {
        shutdownApplied = true;
        transcript.note("server shutting down");
        session.shutdown();
    }

    /** Ends the connection now, at the shutdown deadline: reads and writes fail, so no 250 follows. */
    void forceClose() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Nothing more to do for a socket that will not close.
        }
    }
}
