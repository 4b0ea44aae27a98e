package dev.smtpkit.client;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.TransactionResult;
import java.util.Objects;

/**
 * The server refused with a 5xx reply (RFC 5321 §4.2.1): sending the same message again will fail again, so bounce it. Also thrown, with the reply the server would have given (RFC 1870 §6.1, RFC 6152 §3, RFC 6531 §3.5), when the message needs an extension the server did not offer (8BITMIME, SMTPUTF8, a SIZE large enough, DSN); nothing was sent then.
 * {@link #reply()} is always present.
 */
public final class SmtpPermanentException extends SmtpClientException {

    SmtpPermanentException(String message, Reply reply, TransactionResult transaction, Throwable cause) {
        super(message, Objects.requireNonNull(reply, "reply"), transaction, cause);
    }
}
