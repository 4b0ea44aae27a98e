package dev.smtpkit.server;

import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.server.internal.sasl.AuthExchange;
import dev.smtpkit.server.internal.sasl.AuthOutcome;
import dev.smtpkit.server.internal.sasl.SaslReplies;
import dev.smtpkit.server.internal.sasl.SaslServerMechanisms;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's AUTH exchange (RFC 4954 §4): each step the session reports becomes a call into
 * the application's authenticator, since checking a credential may take as long as any handler,
 * and the call's end becomes the outcome the session is told.
 *
 * <p>Not thread-safe: the driver makes each step's call and reads its end under its lock; the
 * call itself runs without that lock but only one runs at a time, and the exchange it works on
 * is handed back with the call's end (a volatile write), so no lock of its own is needed.
 */
final class AuthSteps {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    /** What a step came to: the outcome the session is told, and the transcript's note of it, if any. */
    record Done(AuthOutcome outcome, Optional<String> note) {
    }

    /** What the call returns: the step with its outcome, so that the end knows which step it answered. */
    private record StepOutcome(ServerEvent.AuthStep step, AuthOutcome outcome) {
    }

    private final Connection connection;
    private final Optional<SaslServerMechanisms> sasl;
    private AuthExchange exchange;

    /**
     * @param connection whose steps these are, for the log
     * @param sasl       the mechanisms with the application's authenticator; empty when AUTH is off
     */
    AuthSteps(Connection connection, Optional<SaslServerMechanisms> sasl) {
        this.connection = connection;
        this.sasl = sasl;
        this.exchange = sasl.map(SaslServerMechanisms::newExchange).orElse(null);
    }

    /** The call that takes {@code step} through the exchange; empty where AUTH is off. */
    Optional<HandlerCall> call(ServerEvent.AuthStep step) {
        if (exchange == null) {
            return Optional.empty();
        }
        AuthExchange current = exchange;
        return Optional.of(new HandlerCall(HandlerCall.Kind.AUTH, () -> new StepOutcome(step, current.next(step))));
    }

    /**
     * The end of a step's call. An authenticator that failed with anything but an SmtpException
     * is answered 454 4.7.0 (RFC 4954 §6), as the client's credentials may be fine, and the
     * exchange starts over, since the mechanism the call broke off may be left half-way.
     *
     * @param pending the step the session waits for an answer to, for the note when the call failed
     */
    Done done(HandlerCall c, Optional<ServerEvent.AuthStep> pending) {
        AuthOutcome outcome;
        Optional<ServerEvent.AuthStep> step = pending;
        if (c.failure() != null || c.refusal() != null) {
            LOG.warn("{} {}: the Authenticator failed; answering 454 4.7.0", connection.id(),
                    Transcript.address(connection.remoteAddress()), c.failure());
            exchange = sasl.orElseThrow().newExchange();
            outcome = new AuthOutcome.Failure(SaslReplies.TEMPORARY_FAILURE);
        } else {
            StepOutcome taken = (StepOutcome) c.value();
            outcome = taken.outcome();
            step = Optional.of(taken.step());
        }
        String mechanism = step.map(ServerEvent.AuthStep::mechanism).orElse("");
        if (outcome instanceof AuthOutcome.Success success) {
            return new Done(outcome, Optional.of("AUTH " + mechanism + " succeeded for " + success.identity()));
        }
        if (outcome instanceof AuthOutcome.Failure failure) {
            return new Done(outcome, Optional.of("AUTH " + mechanism + " failed: " + failure.reply().toString().strip()));
        }
        return new Done(outcome, Optional.empty());
    }
}
