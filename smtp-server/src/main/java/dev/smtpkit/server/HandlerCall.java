package dev.smtpkit.server;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpRejectException;
import java.util.concurrent.Callable;

/**
 * One call into the application (a handler, the handler factory, the authenticator) and how it
 * ended: a value, a refusal ({@link SmtpRejectException}), or a failure. The driver starts it and
 * waits for it without a thread: it runs inline on the JDK transport's connection thread, or on
 * the executor for Netty, and the driver goes on where it stopped once {@link #done()}.
 */
final class HandlerCall<T> {

    /** What the call is for, which says how the driver applies its outcome. */
    enum Kind {
        /** {@code SessionHandler.Factory.open}: the greeting. */
        OPEN,
        /** {@code hello}, {@code mail} or {@code rcpt}: the decision pending. */
        DECISION,
        /** {@code message}: the message's end, once the stream ended. */
        MESSAGE,
        /** An AUTH step through the authenticator. */
        AUTH,
        /** {@code reset}: nothing to decide, only kept in order with the calls around it. */
        RESET
    }

    private final Kind kind;
    private final Callable<T> body;
    private T value;
    private Reply refusal;
    private Throwable failure;
    private volatile boolean done;

    HandlerCall(Kind kind, Callable<T> body) {
        this.kind = kind;
        this.body = body;
    }

    Kind kind() {
        return kind;
    }

    /**
     * Runs the application's code, catching everything: an {@link Error} in one call (a
     * StackOverflowError, an OutOfMemoryError) costs that call's answer, not the server.
     */
    void run() {
        try {
            value = body.call();
        } catch (SmtpRejectException e) {
            refusal = e.reply();
        } catch (Exception | Error e) {
            failure = e;
        }
        done = true;
    }

    /** Ends the call without running it: no thread would take it. */
    void fail(Throwable cause) {
        failure = cause;
        done = true;
    }

    /** Safe to read the outcome once true (a volatile write ends {@link #run()}). */
    boolean done() {
        return done;
    }

    T value() {
        return value;
    }

    /** The application's refusal, or null. */
    Reply refusal() {
        return refusal;
    }

    /** What the call threw other than a refusal, or null. */
    Throwable failure() {
        return failure;
    }
}
