package dev.smtpkit.core.client;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpException;
import java.util.Objects;

/**
 * What a transaction needs but the server did not advertise (SMTPUTF8, 8BITMIME, BINARYMIME,
 * DSN, REQUIRETLS, or a SIZE large enough): the message cannot be sent over this session as it
 * is. The reply is the one the server would have given (RFC 1870 §6.1, RFC 6152 §3, RFC 6531
 * §3.5), so that a caller treats it like any permanent refusal, for example in a bounce.
 */
public final class UnsupportedFeatureException extends SmtpException {

    private final String feature;

    /**
     * A missing feature.
     *
     * @param feature the EHLO keyword that was needed, such as {@code 8BITMIME}
     * @param reply   the reply that stands for the refusal
     * @param message what was needed and why, naming the RFC
     */
    public UnsupportedFeatureException(String feature, Reply reply, String message) {
        super(reply, message);
        this.feature = Objects.requireNonNull(feature, "feature");
    }

    /** The EHLO keyword of the missing extension, such as {@code SMTPUTF8}. */
    public String feature() {
        return feature;
    }
}
