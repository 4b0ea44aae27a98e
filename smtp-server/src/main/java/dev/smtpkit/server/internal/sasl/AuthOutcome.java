package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.server.ServerSession;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * What one step of a SASL exchange (RFC 4954 §4) decided: send a 334 challenge and wait for the
 * next response, succeed with an identity (235), or fail with a reply.
 *
 * <pre>{@code
 * case ServerEvent.AuthStep step -> exchange.next(step).applyTo(session);
 * }</pre>
 */
public sealed interface AuthOutcome {

    /** Gives this outcome to the session whose {@link dev.smtpkit.core.server.ServerEvent.AuthStep} is pending. */
    void applyTo(ServerSession session);

    /**
     * Continue: send {@code 334 base64} (RFC 4954 §4) and wait for the client's next line.
     *
     * @param reply a 334 reply whose text is the base64 challenge, possibly empty
     */
    record Challenge(Reply reply) implements AuthOutcome {
        public Challenge {
            Objects.requireNonNull(reply, "reply");
            if (reply.code() != 334 || reply.lines().size() != 1) {
                throw new IllegalArgumentException("a SASL challenge is one 334 line (RFC 4954 §4): " + reply.code());
            }
        }

        /** A challenge carrying these octets, base64-encoded (RFC 4648 §4). */
        public static Challenge of(byte[] data) {
            Objects.requireNonNull(data, "data");
            return new Challenge(Reply.of(334, Base64.getEncoder().encodeToString(data)));
        }

        /** A challenge carrying this text as UTF-8, base64-encoded. */
        public static Challenge of(String text) {
            return of(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8));
        }

        /** The empty challenge, {@code 334}, that asks for a client-first mechanism's message. */
        public static Challenge empty() {
            return new Challenge(Reply.of(334, ""));
        }

        @Override
        public void applyTo(ServerSession session) {
            session.decide(reply);
        }
    }

    /** The client is authenticated as {@code identity}: the session answers 235 2.7.0 (RFC 4954 §6). */
    record Success(String identity) implements AuthOutcome {
        public Success {
            Objects.requireNonNull(identity, "identity");
            if (identity.isEmpty()) {
                throw new IllegalArgumentException("an authenticated identity is not empty");
            }
        }

        @Override
        public void applyTo(ServerSession session) {
            session.authSucceeded(identity);
        }
    }

    /** The exchange failed: send this 4xx or 5xx reply, such as 535 5.7.8 or 501 5.5.2 (RFC 4954 §4, §6). */
    record Failure(Reply reply) implements AuthOutcome {
        public Failure {
            Objects.requireNonNull(reply, "reply");
            if (!reply.isFailure()) {
                throw new IllegalArgumentException("an AUTH failure is a 4xx or 5xx reply, not " + reply.code());
            }
        }

        @Override
        public void applyTo(ServerSession session) {
            session.decide(reply);
        }
    }
}
