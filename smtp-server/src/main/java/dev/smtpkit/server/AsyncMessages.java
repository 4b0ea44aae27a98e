package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import java.io.InputStream;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * A session handler of the library's whose message call answers with a stage
 * ({@link AsyncMessageHandler}): the driver waits for the stage, not for the call.
 */
interface AsyncMessages extends SessionHandler {

    /** Starts taking the message; the stage completes normally to accept it. */
    CompletionStage<?> messageAsync(Envelope envelope, InputStream content) throws Exception;

    /** The same, waiting for the stage: a refusal or failure is thrown as the stage failed. */
    @Override
    default void message(Envelope envelope, InputStream content) throws Exception {
        try {
            messageAsync(envelope, content).toCompletableFuture().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
