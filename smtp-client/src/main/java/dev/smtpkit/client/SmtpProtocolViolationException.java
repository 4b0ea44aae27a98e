package dev.smtpkit.client;

import dev.smtpkit.core.client.TransactionResult;

/**
 * The server broke the protocol, so the client ended the connection: a malformed reply
 * (RFC 5321 §4.2), a reply over one of the client's limits (the message names the setting of
 * {@link SmtpClient.Builder#limits} to change), a reply its command does not allow, or an
 * unsolicited reply, one that came before the command it would answer was sent (a server out of
 * step, or a reply injected by someone in the path). The failure is the client's judgement, not
 * an answer from the server: {@link #reply()} is empty. Try again later, or elsewhere.
 *
 * <p>When it happened after the end of the content, the server may have taken the message
 * (RFC 1047): see {@link #mayHaveBeenDelivered()}.
 */
public final class SmtpProtocolViolationException extends SmtpClientException {

    private final boolean mayHaveBeenDelivered;

    SmtpProtocolViolationException(String message, TransactionResult transaction, boolean mayHaveBeenDelivered) {
        super(message, null, transaction, null);
        this.mayHaveBeenDelivered = mayHaveBeenDelivered;
    }

    /** Whether the whole content had been sent when the server broke the protocol (RFC 1047). */
    public boolean mayHaveBeenDelivered() {
        return mayHaveBeenDelivered;
    }
}
