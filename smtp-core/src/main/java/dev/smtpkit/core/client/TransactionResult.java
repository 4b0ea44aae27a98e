package dev.smtpkit.core.client;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Reply;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How one mail transaction ended (RFC 5321 §3.3), recipient by recipient. Partial acceptance is
 * a normal outcome: some recipients delivered, others refused for now (4xx) or for good (5xx).
 *
 * @param envelope    the envelope as sent (with SMTPUTF8 added when its addresses needed it)
 * @param mailReply   the reply to MAIL FROM
 * @param recipients  one result per recipient, in RCPT order
 * @param dataReplies the replies that ended the data phase for the accepted recipients: the reply
 *                    to the end of the content (RFC 5321 §4.1.1.4), one per accepted recipient in
 *                    RCPT order in LMTP (RFC 2033 §4.2); or the single refusal of DATA or of a
 *                    BDAT chunk (RFC 3030 §2); or the reply standing for a lost connection. Empty
 *                    when no recipient was accepted
 */
public record TransactionResult(Envelope envelope, Reply mailReply, List<RecipientResult> recipients,
                                List<Reply> dataReplies) {

    /** Checks for nulls and copies the lists. */
    public TransactionResult {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(mailReply, "mailReply");
        recipients = List.copyOf(Objects.requireNonNull(recipients, "recipients"));
        dataReplies = List.copyOf(Objects.requireNonNull(dataReplies, "dataReplies"));
    }

    /** Whether the message was taken for at least one recipient. */
    public boolean isDelivered() {
        return recipients.stream().anyMatch(RecipientResult::isDelivered);
    }

    /** The recipients the message was taken for. */
    public List<RecipientResult> delivered() {
        return recipients.stream().filter(RecipientResult::isDelivered).toList();
    }

    /** The recipients it was not taken for, for now or for good. */
    public List<RecipientResult> failed() {
        return recipients.stream().filter(r -> !r.isDelivered()).toList();
    }

    /**
     * What happened to one recipient.
     *
     * @param recipient the recipient with its RCPT parameters
     * @param rcptReply the reply to its RCPT TO (RFC 5321 §4.1.1.3); empty when RCPT was not sent
     *                  because MAIL was refused or the connection ended first
     * @param outcome   the reply that decided its fate: the refusal of MAIL or of its RCPT, the
     *                  refusal of DATA or of a chunk, or the reply to the end of the content (its
     *                  own one in LMTP)
     */
    public record RecipientResult(Envelope.Recipient recipient, Optional<Reply> rcptReply, Reply outcome) {

        /** Checks for nulls. */
        public RecipientResult {
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(rcptReply, "rcptReply");
            Objects.requireNonNull(outcome, "outcome");
        }

        /** Whether its RCPT was accepted (2xx). */
        public boolean isAccepted() {
            return rcptReply.map(Reply::isPositiveCompletion).orElse(false);
        }

        /** Whether the message was taken for this recipient (a 2xx outcome). */
        public boolean isDelivered() {
            return outcome.isPositiveCompletion();
        }

        /** Whether it failed for now (4xx, RFC 5321 §4.2.1): try again later. */
        public boolean isTransientFailure() {
            return outcome.isTransientFailure();
        }

        /** Whether it failed for good (5xx, RFC 5321 §4.2.1): do not try again as is. */
        public boolean isPermanentFailure() {
            return outcome.isPermanentFailure();
        }
    }
}
