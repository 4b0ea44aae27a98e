package dev.smtpkit.server;

import dev.smtpkit.core.Reply;
import java.io.IOException;
import java.util.Objects;

/**
 * Thrown by a message's content stream when the message will not complete: the connection
 * broke or timed out mid-data (RFC 5321 §4.5.3.2), the client reset, or the data broke a limit.
 * Whatever was read of it must be thrown away; the client is not told the message was taken.
 */
public final class IncompleteMessageException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Reply reason;

    IncompleteMessageException(Reply reason) {
        super("message incomplete: " + Objects.requireNonNull(reason, "reason"));
        this.reason = reason;
    }

    /** Why the message ended early, as the reply the session gives (or would give) for it. */
    public Reply reason() {
        return reason;
    }
}
