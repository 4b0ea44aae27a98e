package dev.smtpkit.client;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.TransactionResult;
import java.util.Objects;

/**
 * The server refused with a 4xx reply (RFC 5321 §4.2.1, §4.2.5): the server may take the message later, so queue it and try again.
 * {@link #reply()} is always present.
 */
public final class SmtpTransientException extends SmtpClientException {

    SmtpTransientException(String message, Reply reply, TransactionResult transaction, Throwable cause) {
        super(message, Objects.requireNonNull(reply, "reply"), transaction, cause);
    }
}
