package dev.smtpkit.server;

import dev.smtpkit.core.SmtpRejectException;
import java.util.concurrent.CompletionStage;

/**
 * Whole messages, answered later: the application hands each message on (to a queue, a store
 * with an asynchronous client) and completes the returned stage once it holds the message
 * durably, without keeping a thread waiting for that. Every sender and recipient is accepted.
 *
 * <p>The client gets its 250 only when the stage completes normally. A stage completed with
 * {@link SmtpRejectException} refuses the message with its reply; with anything else,
 * {@code 451 4.3.0}. A stage not complete within {@link SmtpServer.Builder#dataTerminationTimeout}
 * of the end of the data gets the client a 451, as a late {@link MessageHandler} does. The
 * message counts against the server's {@link SmtpServer.Builder#maxMessageBytesInMemory} until
 * the stage completes.
 */
@FunctionalInterface
public interface AsyncMessageHandler {

    /** Takes one complete message; the returned stage completes once the message is safe. */
    CompletionStage<?> message(ReceivedMessage message) throws Exception;

    /** The session handler factory that reads each message whole and passes it to this handler. */
    default SessionHandler.Factory asFactory() {
        return new AsyncWholeMessages(this);
    }
}
