package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.server.ServerEvent.AuthStep;
import java.util.Objects;

/**
 * Drives SASL mechanisms from a {@link dev.smtpkit.core.server.ServerSession}'s
 * {@link AuthStep} events (RFC 4954 §4): step 0 starts the named mechanism with the initial
 * response, later steps feed it the client's lines. One per connection, used from the thread
 * that drives that session.
 *
 * <pre>{@code
 * AuthExchange exchange = mechanisms.newExchange();
 * // in the event loop:
 * if (event instanceof ServerEvent.AuthStep step) exchange.next(step).applyTo(session);
 * }</pre>
 */
public final class AuthExchange {

    private final SaslServerMechanisms mechanisms;
    private SaslServerMechanism current;

    AuthExchange(SaslServerMechanisms mechanisms) {
        this.mechanisms = mechanisms;
    }

    /**
     * Decides one step. A mechanism not offered gets 504 5.5.4 (RFC 4954 §4). A step 0 always
     * starts over, since the session may have ended the last exchange itself (a {@code *}
     * cancel, a line too long).
     *
     * @throws IllegalStateException for a step after 0 with no exchange in progress, or for
     *                               another mechanism than the one in progress
     */
    public AuthOutcome next(AuthStep step) {
        Objects.requireNonNull(step, "step");
        if (step.step() == 0) {
            current = mechanisms.start(step.mechanism()).orElse(null);
            if (current == null) {
                return new AuthOutcome.Failure(Replies.AUTH_MECHANISM_UNKNOWN);
            }
        } else if (current == null || current.isComplete()) {
            throw new IllegalStateException("AuthStep " + step.step() + " of " + step.mechanism()
                    + " with no exchange in progress; step 0 starts one");
        } else if (!current.name().equalsIgnoreCase(step.mechanism())) {
            throw new IllegalStateException("AuthStep for " + step.mechanism() + " while a " + current.name()
                    + " exchange is in progress");
        }
        AuthOutcome outcome = current.step(step.response());
        if (current.isComplete()) {
            current = null;
        }
        return outcome;
    }

    /** Whether a mechanism is waiting for the client's next response. */
    public boolean inProgress() {
        return current != null;
    }

    @Override
    public String toString() {
        return "AuthExchange[" + (current == null ? "idle" : current.toString()) + "]";
    }
}
