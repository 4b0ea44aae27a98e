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

    /**
     * The session handler factory that reads each message whole and passes it to this handler.
     * Messages being read or handled share the server's
     * {@link SmtpServer.Builder#maxMessageBytesInMemory} budget; one that does not fit is
     * refused with {@code 452 4.3.1}, for the client to send again later.
     */
    default SessionHandler.Factory asFactory() {
        return new WholeMessages(this);
    }
}
