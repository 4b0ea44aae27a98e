package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpRejectException;
import java.io.InputStream;

/**
 * The application's side of one SMTP connection: asked about the sender, each recipient and each
 * message, as go-smtp's {@code Session} is. A {@link Factory} makes one per connection, and all
 * its methods are called on that connection's thread, one at a time.
 *
 * <p>Each method accepts by returning normally and refuses by throwing
 * {@link SmtpRejectException} with the reply to send ({@code Replies.NO_SUCH_USER}, ...). Any
 * other exception is logged and answered with {@code 451 4.3.0} ({@code Replies.LOCAL_ERROR}),
 * and the session stays usable.
 */
@FunctionalInterface
public interface SessionHandler {

    /**
     * Makes the handler for a new connection, before the greeting (RFC 5321 §3.1). Throwing
     * {@link SmtpRejectException} with a 554 or 421 reply refuses the connection.
     */
    @FunctionalInterface
    interface Factory {
        /** Returns the handler for {@code connection}, which stays a live view of it. */
        SessionHandler open(Connection connection);
    }

    /**
     * HELO, EHLO or LHLO (RFC 5321 §4.1.1.1, RFC 2033 §4.1): accepts the client's name unless this
     * throws, for a name on a block list, say, or a test that needs the greeting refused. A
     * refusal leaves the session as it was, so the client may introduce itself again.
     *
     * <p>Within a mail transaction this is called with the transaction still open: accepting
     * resets it ({@link #reset()} follows), a refusal keeps it, so the client may go on with it
     * (RFC 5321 §4.1.4 resets only for an acceptable EHLO). The one exception is between BDAT
     * chunks once {@link #message} has been called (the first 64 KiB arrived): since that call
     * still runs and a handler gets one call at a time, the transaction is reset first, as RSET
     * would, and this is called after {@code message} returned, a refusal then keeping no
     * transaction.
     *
     * @param name the name as the client gave it: a domain or an address literal, or {@code ""}
     *             when it gave none and {@link SmtpServer.Builder#allowHelloWithoutName} allows that
     */
    default void hello(String name) throws Exception {
    }

    /** MAIL FROM (RFC 5321 §4.1.1.2): accepts the sender unless this throws. */
    default void mail(ReversePath sender, Parameters parameters) throws Exception {
    }

    /** RCPT TO (RFC 5321 §4.1.1.3): accepts the recipient unless this throws. */
    default void rcpt(ForwardPath recipient, Parameters parameters) throws Exception {
    }

    /**
     * DATA, or the first BDAT of a transaction (RFC 5321 §4.1.1.4, RFC 3030 §2): lets the client
     * send its message unless this throws, before any content is read, so that a message that
     * cannot be stored (a full disk, a test that needs DATA refused) costs the client no
     * transfer. A refusal keeps the transaction: the client may send DATA again or RSET. After a
     * refused BDAT its chunk is still read and thrown away, as RFC 3030 §2 requires.
     *
     * @param envelope the sender and the accepted recipients, in RCPT order
     */
    default void data(Envelope envelope) throws Exception {
    }

    /**
     * The message of a transaction whose sender and recipients were accepted (RFC 5321 §4.1.1.4,
     * RFC 3030), called once the client has sent it whole or its first 64 KiB, whichever comes
     * first: a small message is read without waiting, a large one while the client still sends.
     *
     * <p>{@code content} is the message as the client sends it, dot-unstuffed, read from the
     * connection while the client is still sending, so that no message is ever held in memory by
     * the server. Its {@code read} returns -1 only once the whole message arrived; if the message
     * is cut short (the connection broke, the client timed out or reset, the data broke a limit)
     * it throws {@link IncompleteMessageException}, so a partial message is never taken for a
     * whole one. Read it on the calling thread, or on another while this method waits for it.
     *
     * <p>The 250 that tells the client the message is taken is sent only after this method
     * returned normally; what it did not read is read and discarded first. Returning before the
     * stream reached its end accepts what was read.
     *
     * @param envelope the sender and the accepted recipients, in RCPT order
     * @param content  the message content, closed by the server afterwards
     */
    void message(Envelope envelope, InputStream content) throws Exception;

    /** The open transaction was abandoned: RSET, an accepted HELO/EHLO, QUIT or a broken connection (RFC 5321 §4.1.1.5). */
    default void reset() {
    }

    /** The connection ended; the handler is not called again. */
    default void close() {
    }
}
