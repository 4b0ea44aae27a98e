package dev.smtpkit.client.internal.sasl;

import java.util.Optional;

/**
 * The client side of one SASL exchange (RFC 4422 §3, RFC 4954 §4): the initial response, if the
 * mechanism has one, then an answer to each 334 challenge. A new instance serves each AUTH.
 *
 * <pre>{@code
 * SaslClientMechanism m = SaslClientMechanisms.of(creds).choose(ehlo.authMechanisms()).orElseThrow();
 * send("AUTH " + m.name() + m.initialResponse().map(r -> " " + (r.isEmpty() ? "=" : r)).orElse(""));
 * while (reply.code() == 334) send(m.respond(reply.text()));
 * }</pre>
 *
 * <p>A client may leave the initial response out, for instance when the AUTH line would pass
 * 512 octets (RFC 4954 §4); the mechanism then sends its message in answer to the server's
 * empty challenge.
 */
public interface SaslClientMechanism {

    /** The registered name, upper case, such as {@code CRAM-MD5}. */
    String name();

    /**
     * The base64 initial response for the AUTH command, {@code ""} meaning an empty one (sent as
     * {@code =}), or empty when the server speaks first (CRAM-MD5, LOGIN).
     */
    Optional<String> initialResponse();

    /**
     * Answers a challenge.
     *
     * @param challenge the base64 text of the 334 reply, possibly empty
     * @return the base64 response line, possibly empty
     * @throws SaslClientException when the challenge cannot be answered; send {@code *}
     */
    String respond(String challenge);

    /**
     * The server's explanation of a refusal, when the mechanism carries one in a challenge
     * (XOAUTH2's JSON error); for logs and error messages.
     */
    default Optional<String> serverError() {
        return Optional.empty();
    }
}
