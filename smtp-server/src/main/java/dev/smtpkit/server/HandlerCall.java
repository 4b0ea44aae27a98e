package dev.smtpkit.server;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpRejectException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * One call into the application (a handler, the handler factory, the authenticator) and how it
 * ended: a value, a refusal ({@link SmtpRejectException}), or a failure. The driver starts it and
 * waits for it without a thread: it runs inline on the JDK transport's connection thread, or on
 * the executor for Netty, and the driver goes on where it stopped once {@link #done()}.
 *
 * <p>A body that returns a {@link CompletionStage} (an {@link AsyncMessageHandler}'s answer) is
 * done when the stage completes, on whatever thread completes it.
 */
final class HandlerCall {

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
    private final Callable<?> body;
    private Object value;
    private Reply refusal;
    private Throwable failure;
    private volatile boolean done;

    HandlerCall(Kind kind, Callable<?> body) {
        this.kind = kind;
        this.body = body;
    }

    Kind kind() {
        return kind;
    }

    /**
     * Runs the application's code, catching everything: an {@link Error} in one call (a
     * StackOverflowError, an OutOfMemoryError) costs that call's answer, not the server.
     *
     * @param wait   whether this thread may wait for a stage the body returns (a connection's own
     *               thread may; an executor thread hands the wait to the stage)
     * @param onDone runs once the call is done: before this returns, or when the stage completes
     */
    void run(boolean wait, Runnable onDone) {
        Object result;
        try {
            result = body.call();
        } catch (Exception | Error e) {
            end(null, e, onDone);
            return;
        }
        if (!(result instanceof CompletionStage<?> stage)) {
            end(result, null, onDone);
            return;
        }
        if (!wait) {
            stage.whenComplete((v, e) -> end(v, e, onDone));
            return;
        }
        try {
            end(stage.toCompletableFuture().get(), null, onDone);
        } catch (ExecutionException e) {
            end(null, e.getCause(), onDone);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end(null, e, onDone);
        }
    }

    private void end(Object result, Throwable thrown, Runnable onDone) {
        Throwable cause = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
        if (cause instanceof SmtpRejectException rejected) {
            refusal = rejected.reply();
        } else if (cause != null) {
            failure = cause;
        } else {
            value = result;
        }
        done = true;
        onDone.run();
    }

    /** Ends the call without running it: no thread would take it. */
    void fail(Throwable cause) {
        failure = cause;
        done = true;
    }

    /** Safe to read the outcome once true (a volatile write ends the call). */
    boolean done() {
        return done;
    }

    Object value() {
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
