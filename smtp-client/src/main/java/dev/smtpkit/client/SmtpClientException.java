package dev.smtpkit.client;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.TransactionResult;
import dev.smtpkit.core.client.TransactionResult.RecipientResult;
import java.util.List;
import java.util.Optional;

/**
 * Why {@link SmtpClient} could not send a message. Each kind says what the caller may do:
 * <ul>
 * <li>{@link SmtpTransientException}: the server answered 4xx (RFC 5321 §4.2.1): try again later;</li>
 * <li>{@link SmtpPermanentException}: the server answered 5xx, or the message needs a feature the
 *     server lacks: do not try again as is (bounce it);</li>
 * <li>{@link SmtpConnectionException}: no connection, or it was lost without a reply;</li>
 * <li>{@link SmtpProtocolViolationException}: the server broke the protocol (a malformed,
 *     overlong or unsolicited reply) and the client hung up;</li>
 * <li>{@link SmtpTimeoutException}: the server did not answer within a configured timeout
 *     (RFC 5321 §4.5.3.2);</li>
 * <li>{@link SmtpTlsException}: TLS was required and is not available, or the handshake or the
 *     server's certificate failed.</li>
 * </ul>
 * The exception carries the server's whole reply where there is one, with its enhanced status
 * code (RFC 3463), and the per-recipient results of the transaction it ended, if one had begun.
 * Messages never contain credentials.
 */
public abstract sealed class SmtpClientException extends RuntimeException
        permits SmtpTransientException, SmtpPermanentException, SmtpConnectionException,
        SmtpProtocolViolationException, SmtpTimeoutException, SmtpTlsException {

    private final transient Reply reply;
    private final transient TransactionResult transaction;
    private transient List<String> transcript = List.of();

    SmtpClientException(String message, Reply reply, TransactionResult transaction, Throwable cause) {
        super(message, cause);
        this.reply = reply;
        this.transaction = transaction;
    }

    /**
     * The server's reply that decided the failure, every line of it; empty when there was none.
     * Never a reply the client made up: a failure the client found itself (a timeout, a protocol
     * violation, a lost connection) has none.
     */
    public Optional<Reply> reply() {
        return Optional.ofNullable(reply);
    }

    /** The enhanced status code of that reply (RFC 3463), when it had one. */
    public Optional<EnhancedStatus> enhancedStatus() {
        return reply().flatMap(Reply::status);
    }

    /**
     * The transaction the failure ended, recipient by recipient, when MAIL FROM had been sent;
     * for example every recipient with its refusal.
     */
    public Optional<TransactionResult> transaction() {
        return Optional.ofNullable(transaction);
    }

    /**
     * Each recipient's result, in RCPT order, of the same type as {@link SendResult#recipients()}:
     * the one place to look whichever way the send ended. Empty when no transaction had begun.
     */
    public List<RecipientResult> recipients() {
        return transaction().map(TransactionResult::recipients).orElse(List.of());
    }

    /** The conversation of the failed send, as {@link SendResult#transcript()} gives it. */
    public List<String> transcript() {
        return transcript;
    }

    /** Set once, by the client, before the exception leaves it. */
    void transcript(List<String> lines) {
        this.transcript = List.copyOf(lines);
    }
}
