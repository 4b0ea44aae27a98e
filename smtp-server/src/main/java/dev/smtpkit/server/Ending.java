package dev.smtpkit.server;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.server.CloseReason;
import dev.smtpkit.server.internal.Link;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of one connection: a 421 asked for by the server (a shutdown, or a slot needed for
 * another client), a close forced by the server or by the application ({@link Connection#drop()}),
 * a client that does not read its replies, and the session's end, once, after the transport closed
 * and no application call is still running. The driver's own state (where the connection is, the
 * session, the call under way) stays the driver's; it answers through {@link Host}.
 *
 * <p>Threads. The driver's {@code lock} guards what the driver does; this class uses the same lock
 * and no other, so the locking model is the driver's:
 * <ul>
 *   <li>{@link #shutdownRequested} and {@link #shutdownReply} are volatile: the closing thread (a
 *       server shutdown, or the accept loop shedding a connection) writes them, possibly without
 *       the lock, and the feeding thread reads them in its loop under the lock and applies the 421
 *       at its next wait for a command.
 *   <li>{@link #finished} is volatile: the server, its closing thread and the watchdog read it
 *       without the lock; it is written only under the lock ({@link #end()}).
 *   <li>{@link #dropped} is volatile: {@link Connection#drop()} sets it on an application thread
 *       without the lock (a handler holding it would wait for the feeding thread), and the
 *       feeding thread reads it under the lock before each write.
 *   <li>{@link #shutdownApplied} and {@link #linkClosed} are guarded by the lock: only the feeding
 *       thread, or a thread that got the lock with {@code tryLock}, touches them.
 * </ul>
 * A closing thread never waits for the lock ({@link #requestEnd}): the feeding thread may hold it
 * while it runs a handler or blocks in a write, and a shutdown must not wait for either. When
 * {@code tryLock} fails, the request stays in the volatile fields and the feeding thread applies
 * it; the closing thread asks again until the connection ends.
 */
final class Ending {

    /** The driver's side, all under the lock but {@link #beforeSession()}. */
    interface Host {
        /**
         * No SMTP session yet (a PROXY header or an implicit-TLS handshake under way), so there is
         * no one to say 421 to. Asked without the lock: it reads only what is safe to.
         */
        boolean beforeSession();

        /** The session waits for the client with no application call under way: a 421 may go out now. */
        boolean idle();

        /** An application call is still running, which the session's end waits for. */
        boolean callRunning();

        /** Notes {@code note} and tells the session to end with {@code reply}; true if it closed at once. */
        boolean shutdown(Reply reply, String note);

        /** Runs the session's events after it closed: its reply goes out and the link ends. */
        void unwind();

        /** The connection is over for the driver: no wait, no input wanted. */
        void over();

        /** Releases the message under way, closes the handler, counts the end and tells the server. */
        void ended();
    }

    /** How the transport ends the link once the session is over. */
    enum Close {
        /** At once: reads and writes fail (a broken connection, a defect, a refused handshake). */
        CLOSE,
        /** A half-close after the last reply, so the client reads an end rather than a reset. */
        FINISH,
        /** After QUIT with nothing pipelined behind it: the transport may end at once once the 221 is read. */
        FINISH_AFTER_QUIT
    }

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    private final ReentrantLock lock;
    private final Link link;
    private final Host host;
    private final Connection connection;
    private final Duration writeTimeout;

    private volatile boolean shutdownRequested;
    /** The 421 the session ends with when {@link #shutdownRequested}. */
    private volatile Reply shutdownReply = Replies.SHUTTING_DOWN;
    private volatile boolean finished;
    /** {@link Connection#drop()} or a forced close: not another octet is written. */
    private volatile boolean dropped;

    // Guarded by lock.
    private boolean shutdownApplied;
    /** The transport closed while an application call was still running: the end waits for it. */
    private boolean linkClosed;

    /**
     * @param lock         the driver's
     * @param writeTimeout how long a reply may wait for the client to read it, for the log
     */
    Ending(ReentrantLock lock, Link link, Host host, Connection connection, Duration writeTimeout) {
        this.lock = lock;
        this.link = link;
        this.host = host;
        this.connection = connection;
        this.writeTimeout = writeTimeout;
    }

    /** Whether the session ended and the server was told; safe from any thread. */
    boolean finished() {
        return finished;
    }

    /** Whether nothing more may be written: the connection was dropped or forced closed. */
    boolean dropped() {
        return dropped;
    }

    // ---------------------------------------------------------------- asked by other threads

    /**
     * Asks this connection to end for a server shutdown (RFC 5321 §3.8: 421 to an idle client,
     * after the transaction in flight otherwise). Called repeatedly by the closing thread until
     * the connection ends.
     */
    void requestShutdown() {
        link.execute(() -> requestEnd(Replies.SHUTTING_DOWN));
    }

    /**
     * Ends this connection now to make room for another client's: 421 with {@code reply} if it
     * waits for a command outside a transaction, else closed at once, since a slot that is
     * needed now cannot wait for a transaction that may be trickled for minutes.
     */
    void shed(Reply reply) {
        link.execute(() -> {
            if (!requestEnd(reply)) {
                forceClose();
            }
        });
    }

    /** Asks the session to end with {@code reply}; true if it did so at once. */
    boolean requestEnd(Reply reply) {
        shutdownReply = reply;
        shutdownRequested = true;
        if (finished) {
            return true;
        }
        if (host.beforeSession()) {
            link.close();
            return true;
        }
        if (!lock.tryLock()) {
            // The feeding thread is busy (a blocking write, say); the next round, or its next wait, applies it.
            return false;
        }
        try {
            if (shutdownApplied || !host.idle()) {
                return finished;
            }
            if (!apply()) {
                return false;
            }
            host.unwind();
            // A thread blocked reading (the JDK's) sees the end of input and closes.
            link.shutdownInput();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the connection now, at the shutdown deadline or by {@link Connection#drop()}: reads and
     * writes fail, so no reply follows.
     */
    void forceClose() {
        // Before the close: on Netty it is a task for the event loop, and a handler that drops
        // the connection and returns has its answer queued right behind it (Connection.drop
        // promises that no reply follows).
        dropped = true;
        link.close();
    }

    /** The watchdog's question: has a write been waiting for the client to read for longer than the limit? */
    boolean writeStalled(long now, long limitNanos) {
        long started = link.writeBlockedSince();
        return started != 0 && now - started > limitNanos;
    }

    /** Closes a connection whose client does not take its replies; the blocked write then fails. */
    void closeStalledWrite() {
        LOG.info("{} {}: the client took no reply within the write timeout of {} ms; closing", connection.id(),
                connection.remoteAddress(), writeTimeout.toMillis());
        link.close();
    }

    // ---------------------------------------------------------------- the feeding thread, under the lock

    /** At the session's wait for a command: applies a requested 421; true if it did. Holds lock. */
    boolean applyRequested() {
        if (!shutdownRequested || shutdownApplied) {
            return false;
        }
        apply();
        return true;
    }

    private boolean apply() {
        shutdownApplied = true;
        Reply reply = shutdownReply;
        return host.shutdown(reply,
                reply == Replies.SHUTTING_DOWN ? "server shutting down" : "ending the session: " + reply.toString().strip());
    }

    /** How the link ends after the session closed for {@code reason}. */
    static Close after(CloseReason reason, boolean broken, int bufferedInput) {
        if (broken) {
            return Close.CLOSE;
        }
        return reason == CloseReason.QUIT && bufferedInput == 0 ? Close.FINISH_AFTER_QUIT : Close.FINISH;
    }

    /** The connection is over for the driver, and the transport ends it {@code how}. Holds lock. */
    void close(Close how) {
        host.over();
        switch (how) {
            case CLOSE -> link.close();
            case FINISH -> link.finish();
            case FINISH_AFTER_QUIT -> link.finishAfterQuit();
        }
    }

    /** The transport closed the connection; the session ends once no call runs ({@link #endIfClosed}). Holds lock. */
    void linkClosed() {
        linkClosed = true;
    }

    /** Ends the session if the transport closed and no application call still runs. Holds lock. */
    void endIfClosed() {
        if (linkClosed && !host.callRunning()) {
            end();
        }
    }

    /** Closes the handler and tells the server; once. Holds lock. */
    private void end() {
        if (finished) {
            return;
        }
        finished = true;
        host.ended();
    }
}
