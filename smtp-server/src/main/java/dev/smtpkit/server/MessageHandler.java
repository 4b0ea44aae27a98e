package dev.smtpkit.server;

import dev.smtpkit.core.SmtpRejectException;

/**
 * The common case: the application takes whole messages, each with its envelope, and accepts
 * every sender and recipient. For more control use a {@link SessionHandler}.
 *
 * <p>It is called only with complete messages, on the connection's thread, and the client gets
 * its 250 only after it returned normally. Throwing {@link SmtpRejectException} refuses the
 * message with its reply; any other exception is answered with {@code 451 4.3.0}.
 */
@FunctionalInterface
public interface MessageHandler {

    /** Takes one complete message. */
    void message(ReceivedMessage message) throws Exception;

    /** The session handler factory that reads each message whole and passes it to this handler. */
    default SessionHandler.Factory asFactory() {
        return connection -> (envelope, content) -> message(new ReceivedMessage(connection, envelope, content.readAllBytes()));
    }
}
