package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.SmtpRejectException;
import java.io.InputStream;

/**
 * The common case for large or many messages: every sender and recipient accepted, and each
 * message read as the client sends it, never held whole by the server. For whole messages use a
 * {@link MessageHandler}; to decide senders and recipients, a {@link SessionHandler}.
 *
 * <p>As with {@link SessionHandler#message}, {@code content} is dot-unstuffed, ends (-1) only
 * once the whole message arrived and throws {@link IncompleteMessageException} if it was cut
 * short; the client gets its 250 only after this returned normally. Throwing
 * {@link SmtpRejectException} refuses the message with its reply; any other exception is
 * answered with {@code 451 4.3.0}.
 *
 * <p>The server answers HELO, MAIL and RCPT itself, with no call into the application, so on
 * the Netty transport a message costs a single hand-over to the executor, for this call.
 */
@FunctionalInterface
public interface StreamingMessageHandler {

    /** Takes one message as it arrives. */
    void message(Connection connection, Envelope envelope, InputStream content) throws Exception;

    /** The session handler factory that passes each message's content to this handler. */
    default SessionHandler.Factory asFactory() {
        return new StreamedMessages(this);
    }
}
