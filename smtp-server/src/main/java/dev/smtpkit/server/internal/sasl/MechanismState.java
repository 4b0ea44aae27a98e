package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.core.SmtpException;
import java.util.Optional;

/**
 * What every mechanism shares: the end-of-exchange guard, and one place that calls the
 * {@link Authenticator} and turns its answer into an outcome.
 */
abstract class MechanismState implements SaslServerMechanism {

    private final String name;
    private final Authenticator authenticator;
    private boolean complete;

    MechanismState(String name, Authenticator authenticator) {
        this.name = name;
        this.authenticator = authenticator;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean isComplete() {
        return complete;
    }

    @Override
    public final AuthOutcome step(Optional<String> response) {
        java.util.Objects.requireNonNull(response, "response");
        if (complete) {
            throw new IllegalStateException(name + " exchange already ended; start a new one for the next AUTH");
        }
        AuthOutcome outcome = next(response);
        complete = !(outcome instanceof AuthOutcome.Challenge);
        return outcome;
    }

    /** The mechanism's own transition for one response. */
    abstract AuthOutcome next(Optional<String> response);

    /**
     * Asks the authenticator. A refusal is 535 5.7.8 (RFC 4954 §6); an {@link SmtpException} from
     * the authenticator ends the exchange with its reply.
     */
    final AuthOutcome check(Credentials credentials) {
        Optional<String> identity;
        try {
            identity = authenticator.authenticate(credentials);
        } catch (SmtpException e) {
            if (!e.reply().isFailure()) {
                throw new IllegalStateException("an Authenticator signals failure with a 4xx or 5xx reply, not "
                        + e.reply().code(), e);
            }
            return new AuthOutcome.Failure(e.reply());
        }
        if (identity == null) {
            throw new IllegalStateException("Authenticator.authenticate returned null; return Optional.empty() to refuse");
        }
        return identity.<AuthOutcome>map(AuthOutcome.Success::new).orElseGet(this::refused);
    }

    /** Extension point for mechanisms, like XOAUTH2, that refuse in more than one step. */
    AuthOutcome refused() {
        return new AuthOutcome.Failure(dev.smtpkit.core.Replies.AUTH_FAILED);
    }

    static AuthOutcome malformed() {
        return new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE);
    }

    @Override
    public String toString() {
        return name + (complete ? "[complete]" : "[in progress]");
    }
}
