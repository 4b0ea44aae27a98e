package dev.smtpkit.server.internal.sasl;

import java.util.Optional;

/**
 * The server side of one SASL exchange (RFC 4422 §3, RFC 4954 §4) for one mechanism: a small
 * state machine that takes the client's base64 responses in order and answers each with an
 * {@link AuthOutcome}. A new instance serves each AUTH command; it never logs and never puts a
 * secret in a reply, an exception or {@code toString()}.
 *
 * <pre>{@code
 * SaslServerMechanism plain = mechanisms.start("PLAIN").orElseThrow();
 * AuthOutcome first = plain.step(Optional.of("AHRpbQB0YW5zdGFhZnRhbnN0YWFm"));  // Success("tim")
 * }</pre>
 */
public interface SaslServerMechanism {

    /** The mechanism's registered name, upper case, such as {@code CRAM-MD5}. */
    String name();

    /**
     * Takes the next client response and decides.
     *
     * @param response the base64 text of the client's response (RFC 4954 §4), without CRLF; for
     *                 the first step, the initial response from the AUTH command if the client
     *                 gave one ({@code ""} for {@code =}), else empty. Later steps always carry
     *                 a value, possibly {@code ""}.
     * @throws IllegalStateException when the exchange already ended with success or failure
     */
    AuthOutcome step(Optional<String> response);

    /** Whether the exchange has ended with a {@link AuthOutcome.Success} or {@link AuthOutcome.Failure}. */
    boolean isComplete();
}
