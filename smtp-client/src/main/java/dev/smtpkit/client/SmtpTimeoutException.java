package dev.smtpkit.client;

import dev.smtpkit.core.client.TransactionResult;

/**
 * The server did not answer, or did not take written data, within the configured timeout
 * (RFC 5321 §4.5.3.2); the message names the setting. The connection was dropped: try again
 * later. As with {@link SmtpConnectionException}, a timeout waiting for the reply to the end of
 * the content may hide a delivery (RFC 1047), which {@link #mayHaveBeenDelivered()} tells.
 */
public final class SmtpTimeoutException extends SmtpClientException {

    private final boolean mayHaveBeenDelivered;

    SmtpTimeoutException(String message, TransactionResult transaction, boolean mayHaveBeenDelivered, Throwable cause) {
        super(message, null, transaction, cause);
        this.mayHaveBeenDelivered = mayHaveBeenDelivered;
    }

    /** Whether the whole content had been sent before the timeout (RFC 1047). */
    public boolean mayHaveBeenDelivered() {
        return mayHaveBeenDelivered;
    }
}
