package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One message on its way to the handler, from the end of the DATA or first BDAT command to the
 * end of its call: the content goes into a {@link MessagePipe} as the session decodes it, and the
 * handler's {@code message} call takes it from there. The driver tells it what the session
 * reports; this decides when the call starts and what its outcome means for the session, the
 * transcript and the server's counters.
 *
 * <p>The call starts late on purpose, once the content ended or fills the pipe: most messages are
 * whole before that, and a handler that finds its message whole reads it without waiting for the
 * connection. It is timed from the end of the content, not from its start, since the content
 * takes as long as the client needs (RFC 5321 §4.5.3.2.6).
 *
 * <p>Not thread-safe: apart from the pipe (which the handler reads on its own thread, under the
 * pipe's lock) and the call's outcome (published by its volatile end), it is only touched by the
 * driver under the driver's lock, like the rest of the session's state, so a lock of its own
 * would guard nothing.
 */
final class MessageStream {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    /** What the session is told once the message's call returned. */
    enum Decision {
        /** The message is taken: the session's 250. */
        ACCEPT,
        /** The handler's own reply. */
        REPLY,
        /** Nothing: the session answered already, for content cut short or a handler too late. */
        NONE
    }

    /** Which of the server's message counters a message ends in. */
    enum Count {
        ACCEPTED,
        REFUSED,
        ABORTED;

        LongAdder in(Counters counters) {
            return switch (this) {
                case ACCEPTED -> counters.messagesAccepted;
                case REFUSED -> counters.messagesRefused;
                case ABORTED -> counters.messagesAborted;
            };
        }
    }

    /**
     * How a message ended.
     *
     * @param decision what the session is told
     * @param reply    the handler's reply, for {@link Decision#REPLY}; else null
     * @param count    the counter it adds to, once the session was told
     * @param note     the transcript's word for the end of the content
     */
    record Outcome(Decision decision, Reply reply, Count count, String note) {
    }

    private final String id;
    private final MessagePipe pipe;
    private final HandlerCall call;
    private final Duration dataTerminationTimeout;
    /** The content ended (or was cut short): once the call is done, the message can be resolved. */
    private boolean over;
    /** The call was handed to the application. */
    private boolean callStarted;
    /**
     * The call, not yet started, was set aside while the application decides on a HELO, EHLO or
     * LHLO between BDAT chunks (RFC 3030 §2); it comes back once that is decided.
     */
    private boolean parked;
    private long endedAt;

    /**
     * @param id      the connection's, for the log
     * @param handler whose {@code message} (or {@code messageAsync}) the call is
     * @param pipe    the content's way to the handler
     */
    MessageStream(String id, Envelope envelope, SessionHandler handler, MessagePipe pipe, Duration dataTerminationTimeout) {
        this.id = id;
        this.pipe = pipe;
        this.dataTerminationTimeout = dataTerminationTimeout;
        this.call = new HandlerCall(HandlerCall.Kind.MESSAGE, () -> {
            if (handler instanceof AsyncMessages async) {
                return async.messageAsync(envelope, pipe);
            }
            handler.message(envelope, pipe);
            return null;
        });
    }

    /** The handler's call; the driver starts it when {@link #callStarts()} says so. */
    HandlerCall call() {
        return call;
    }

    // ---------------------------------------------------------------- the content

    void append(ByteBuffer content) {
        pipe.append(content);
    }

    /** The content ended at {@code now}, on the clock that times the handler. */
    void end(long now) {
        over = true;
        endedAt = now;
        pipe.end();
    }

    /** The content was cut short for {@code reason}: the handler reads an {@link IncompleteMessageException}. */
    void abort(Reply reason) {
        over = true;
        pipe.abort(reason);
    }

    /** Whether the content ended or was cut short. */
    boolean over() {
        return over;
    }

    /** When the handler must have answered, once the content ended: the client waits no longer for its reply. */
    long answerDeadline() {
        return endedAt + dataTerminationTimeout.toNanos();
    }

    /** Whether the pipe is full, so the input stops until the handler takes some. */
    boolean full() {
        return pipe.full();
    }

    /** The handler is done with the content, or the session with the handler: the rest is dropped, never held. */
    void release() {
        pipe.release();
    }

    long octets() {
        return pipe.octets();
    }

    /** Whether the content was cut short, so a handler that failed on it failed as expected. */
    boolean cutShort() {
        return pipe.aborted();
    }

    // ---------------------------------------------------------------- the call

    /**
     * True once, when the call is to start now: the content is over, or fills the pipe and the
     * handler must take it down before more can come.
     */
    boolean callStarts() {
        if (callStarted || !(over || pipe.queued() >= MessagePipe.PAUSE_AT)) {
            return false;
        }
        callStarted = true;
        return true;
    }

    /** Whether the call was handed to the application, which may be reading the content on another thread. */
    boolean callStarted() {
        return callStarted;
    }

    /** Sets the unstarted call aside while the application decides on a hello between chunks. */
    void park() {
        if (callStarted) {
            throw new IllegalStateException("a message call under way cannot be set aside");
        }
        parked = true;
    }

    /** True if the call was set aside, and is now back. */
    boolean unpark() {
        boolean was = parked;
        parked = false;
        return was;
    }

    /**
     * What the call's end means.
     *
     * @param refusal     the handler's reply, or null where it took the message
     * @param late        the client was told 451 already, as the handler did not answer in time
     * @param sessionOpen whether the session goes on, which tells a refusal of the content from a lost transaction
     * @param now         when the call returned, on the clock of {@link #end}
     */
    Outcome outcome(Reply refusal, boolean late, boolean sessionOpen, long now) {
        if (late) {
            return new Outcome(Decision.NONE, null, Count.REFUSED, "complete, answered 451 before the handler returned");
        }
        if (pipe.aborted()) {
            Reply reason = pipe.abortReason();
            // A refusal by the session (size, bare line ending) leaves it open; a lost or reset transaction does not.
            boolean refused = reason.isFailure() && sessionOpen;
            return new Outcome(Decision.NONE, null, refused ? Count.REFUSED : Count.ABORTED,
                    "incomplete, " + reason.toString().strip());
        }
        Duration took = Duration.ofNanos(now - endedAt);
        if (took.compareTo(dataTerminationTimeout) > 0) {
            LOG.warn("{}: the handler answered {} after the end of data; the client waits only {} for it"
                    + " (RFC 5321 §4.5.3.2.6) and may send the message again", id, Printable.duration(took),
                    Printable.duration(dataTerminationTimeout));
        }
        if (refusal == null) {
            return new Outcome(Decision.ACCEPT, null, Count.ACCEPTED, "complete");
        }
        // A handler may "refuse" with a 2xx of its own words: the message is taken all the same.
        return new Outcome(Decision.REPLY, refusal, refusal.isPositiveCompletion() ? Count.ACCEPTED : Count.REFUSED, "complete");
    }
}
