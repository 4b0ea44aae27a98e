package dev.smtpkit.server.security;

import java.util.Locale;
import java.util.Optional;

/**
 * The SASL mechanisms the server can offer for AUTH (RFC 4954), by their registered names
 * (RFC 4422 §3.1): what {@code SmtpServer.Builder.authMechanisms} takes.
 */
public enum SaslMechanism {
    /** RFC 4616; the password crosses in the clear, so offer it only over TLS. */
    PLAIN("PLAIN"),
    /** draft-murchison-sasl-login; like PLAIN, for clients that know nothing else. */
    LOGIN("LOGIN"),
    /**
     * RFC 2195. Off unless asked for: the server must keep every password in a form equivalent
     * to the plain text to check the HMAC, MD5 is weak, and over TLS it protects nothing that
     * PLAIN leaves open, while PLAIN lets the server keep salted hashes.
     */
    CRAM_MD5("CRAM-MD5"),
    /** Google and Microsoft's OAuth 2.0 bearer-token mechanism; the token is replayable, so TLS only. */
    XOAUTH2("XOAUTH2");

    private final String mechanismName;

    SaslMechanism(String mechanismName) {
        this.mechanismName = mechanismName;
    }

    /** The name as written in EHLO and AUTH, such as {@code CRAM-MD5}. */
    public String mechanismName() {
        return mechanismName;
    }

    /** Looks a mechanism up by its name, case-insensitively (RFC 4954 §4). */
    public static Optional<SaslMechanism> named(String name) {
        java.util.Objects.requireNonNull(name, "name");
        String upper = name.toUpperCase(Locale.ROOT);
        for (SaslMechanism m : values()) {
            if (m.mechanismName.equals(upper)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
