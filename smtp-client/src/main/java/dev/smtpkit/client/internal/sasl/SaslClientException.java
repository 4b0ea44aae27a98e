package dev.smtpkit.client.internal.sasl;

import java.util.Objects;

/**
 * The server's challenge cannot be answered (RFC 4954 §4): it is not base64, or comes when the
 * mechanism has nothing more to say. The client should cancel the exchange by sending {@code *}.
 * The message never contains a secret.
 */
public final class SaslClientException extends RuntimeException {

    /** What was wrong with the challenge. */
    public enum Reason {
        /** Not base64 (RFC 4648 §4), or not what the mechanism expects. */
        MALFORMED_CHALLENGE,
        /** A challenge after the mechanism has sent everything it has. */
        UNEXPECTED_CHALLENGE
    }

    private final Reason reason;

    SaslClientException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Returns what was wrong. */
    public Reason reason() {
        return reason;
    }
}
