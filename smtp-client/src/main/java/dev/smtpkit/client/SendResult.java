package dev.smtpkit.client;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.TransactionResult;
import dev.smtpkit.core.client.TransactionResult.RecipientResult;
import java.util.List;
import java.util.Objects;

/**
 * A message the server took for at least one recipient (RFC 5321 §3.3, §4.1.1.4), with the reply
 * for every recipient. Partial acceptance is a normal outcome, not an exception: the recipients
 * refused for now (4xx) or for good (5xx) are in {@link #refused()}, each with its reply, for
 * the caller to retry or bounce.
 *
 * @param envelope     the envelope as sent (with SIZE, BODY or SMTPUTF8 as the client added them)
 * @param mailReply    the reply to MAIL FROM
 * @param recipients   one result per recipient, in RCPT order
 * @param messageReply the server's reply to the end of the content: the 250 that took the message
 * @param transcript   this send's conversation, one line each: {@code C: MAIL FROM:<a@example.org>},
 *                     {@code S: 250 2.1.0 OK}, {@code -- TLS established ...}; from the greeting
 *                     on a new connection, from the RSET probe on a reused one. AUTH secrets are
 *                     redacted, the content is elided, control characters are written as
 *                     {@code \xNN}
 */
public record SendResult(Envelope envelope, Reply mailReply, List<RecipientResult> recipients, Reply messageReply,
                         List<String> transcript) {

    /** Checks for nulls and copies the lists. */
    public SendResult {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(mailReply, "mailReply");
        recipients = List.copyOf(Objects.requireNonNull(recipients, "recipients"));
        Objects.requireNonNull(messageReply, "messageReply");
        transcript = List.copyOf(Objects.requireNonNull(transcript, "transcript"));
    }

    static SendResult of(TransactionResult t, List<String> transcript) {
        return new SendResult(t.envelope(), t.mailReply(), t.recipients(), t.dataReplies().get(0), transcript);
    }

    /** The recipients the message was delivered to. */
    public List<RecipientResult> accepted() {
        return recipients.stream().filter(RecipientResult::isDelivered).toList();
    }

    /** The recipients refused, each with the reply that refused it. */
    public List<RecipientResult> refused() {
        return recipients.stream().filter(r -> !r.isDelivered()).toList();
    }

    /** Whether some recipients were refused. */
    public boolean isPartial() {
        return recipients.stream().anyMatch(r -> !r.isDelivered());
    }
}
