package dev.smtpkit.client;

/**
 * What {@link SmtpClient} does with recipients a server refused with {@code 452} and the
 * enhanced code {@code 4.5.3}, too many recipients, while it accepted others: a server may cap
 * the recipients of one transaction below what the client sends (RFC 5321 §4.5.3.1.8 only
 * promises 100).
 */
public enum TooManyRecipientsPolicy {
    /**
     * Send the message again to the refused recipients in a new transaction on the same
     * connection, as often as the server keeps accepting some (RFC 5321 §4.5.3.1.10: the client
     * SHOULD); each recipient is reported with the reply of the transaction that decided it.
     * The default.
     */
    RETRY_IN_NEW_TRANSACTION,
    /** Report the 452 like any transient refusal: the caller retries those recipients later. */
    REPORT
}
