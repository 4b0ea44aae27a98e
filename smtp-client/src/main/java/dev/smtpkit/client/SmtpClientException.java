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
 * code (RFC 3463), and, when a transaction had begun, what became of the message recipient by
 * recipient as a {@link SendResult} ({@link #result()}), the type {@link SmtpClient#send} returns:
 * one place to look whichever way the send ended. Messages never contain credentials.
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
     * What became of the message, as {@link SmtpClient#send} would have returned it had the
     * server taken it: the envelope, the reply to MAIL FROM, every recipient with the reply that
     * decided it (its refusal, the refusal of the content, or the reply standing for one that
     * never came), and this send's {@link #transcript()}. {@link SendResult#isDelivered()} is
     * false. Empty when no transaction had begun: no connection, TLS or AUTH failed, or the
     * message needs an extension the server lacks.
     */
    public Optional<SendResult> result() {
        return Optional.ofNullable(transaction).map(t -> SendResult.of(t, transcript));
    }

    /**
     * The transaction the failure ended, recipient by recipient, when MAIL FROM had been sent.
     *
     * @deprecated use {@link #result()}, which has the same envelope, replies and recipients, in
     *             the type {@link SmtpClient#send} returns, with the transcript
     */
    @Deprecated
    public Optional<TransactionResult> transaction() {
        return Optional.ofNullable(transaction);
    }

    /**
     * Each recipient's result, in RCPT order: {@code result().map(SendResult::recipients)}, empty
     * when no transaction had begun.
     */
    public List<RecipientResult> recipients() {
        return result().map(SendResult::recipients).orElse(List.of());
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
