package dev.smtpkit.client;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.TransactionResult;
import dev.smtpkit.core.client.TransactionResult.RecipientResult;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;

/**
 * What became of one message, with the reply for every recipient (RFC 5321 §3.3, §4.1.1.4):
 * what {@link SmtpClient#send} returns when the server took the message for at least one
 * recipient, and what {@link SmtpClientException#result()} holds when it did not. Partial
 * acceptance is a normal outcome, not an exception: the recipients refused for now (4xx) or for
 * good (5xx) are in {@link #refused()}, each with its reply, for the caller to retry or bounce.
 *
 * <p>In a failed send's result a reply that never came (the connection was lost, timed out, or
 * broke the protocol) is stood for, as in {@link TransactionResult}, by
 * {@code Replies.CONNECTION_LOST} or {@code Replies.MALFORMED_REPLY}; the exception says which
 * failure it was.
 *
 * @param envelope   the envelope as sent (with SIZE, BODY or SMTPUTF8 as the client added them)
 * @param mailReply  the reply to MAIL FROM
 * @param recipients one result per recipient, in RCPT order
 * @param dataReply  the reply that ended the data phase: the server's reply to the end of the
 *                   content (in LMTP the first; each recipient's own is its outcome), or the
 *                   refusal of DATA or of a BDAT chunk; empty when no recipient was accepted, so
 *                   no content was sent. Present in every result {@code send} returns
 * @param transcript this send's conversation, one line each: {@code C: MAIL FROM:<a@example.org>},
 *                   {@code S: 250 2.1.0 OK}, {@code -- TLS established ...}; from the greeting on a
 *                   new connection, from the RSET probe on a reused one. AUTH secrets are
 *                   redacted, the content is elided, control characters are written as
 *                   {@code \xNN}
 */
public record SendResult(Envelope envelope, Reply mailReply, List<RecipientResult> recipients, Optional<Reply> dataReply,
                         List<String> transcript) {

    /** Checks for nulls and copies the lists. */
    public SendResult {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(mailReply, "mailReply");
        recipients = List.copyOf(Objects.requireNonNull(recipients, "recipients"));
        Objects.requireNonNull(dataReply, "dataReply");
        transcript = List.copyOf(Objects.requireNonNull(transcript, "transcript"));
    }

    static SendResult of(TransactionResult t, List<String> transcript) {
        return new SendResult(t.envelope(), t.mailReply(), t.recipients(), t.dataReplies().stream().findFirst(), transcript);
    }

    /**
     * The server's reply to the content: in every result {@link SmtpClient#send} returns, the
     * reply that took the message.
     *
     * @throws NoSuchElementException in a failed send's result where no content was sent; see
     *                                {@link #dataReply()}
     */
    public Reply messageReply() {
        return dataReply.orElseThrow(() -> new NoSuchElementException("no content was sent: MAIL FROM "
                + (mailReply.isPositiveCompletion() ? "was accepted but no recipient was" : "was refused")));
    }

    /** Whether the message was taken for at least one recipient; false only in a failed send's result. */
    public boolean isDelivered() {
        return recipients.stream().anyMatch(RecipientResult::isDelivered);
    }

    /** The recipients the message was delivered to. */
    public List<RecipientResult> accepted() {
        return recipients.stream().filter(RecipientResult::isDelivered).toList();
    }

    /** The recipients refused, each with the reply that refused it. */
    public List<RecipientResult> refused() {
        return recipients.stream().filter(r -> !r.isDelivered()).toList();
    }

    /** Whether some recipients were refused (all of them, in a failed send's result). */
    public boolean isPartial() {
        return recipients.stream().anyMatch(r -> !r.isDelivered());
    }
}
