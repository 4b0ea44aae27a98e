package dev.smtpkit.client;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.TransactionResult;

/**
 * The connection could not be made, or was lost without a reply that explains it (RFC 5321
 * §3.8): try again later. {@link #reply()} is empty. A server that broke the protocol is an
 * {@link SmtpProtocolViolationException} instead. When the connection was lost after the end of the
 * content, the server may have taken the message even so (RFC 1047): see
 * {@link #mayHaveBeenDelivered()} before sending it again.
 */
public final class SmtpConnectionException extends SmtpClientException {

    private final boolean mayHaveBeenDelivered;

    SmtpConnectionException(String message, Reply reply, TransactionResult transaction, boolean mayHaveBeenDelivered,
                            Throwable cause) {
        super(message, reply, transaction, cause);
        this.mayHaveBeenDelivered = mayHaveBeenDelivered;
    }

    /**
     * Whether the whole content had been sent when the connection ended, so the server may have
     * delivered the message without the client seeing its reply (RFC 1047): sending it again may
     * deliver it twice.
     */
    public boolean mayHaveBeenDelivered() {
        return mayHaveBeenDelivered;
    }
}
