package dev.smtpkit.core.server;

/**
 * Whether AUTH is offered on a connection without TLS. RFC 4954 §4 forbids mechanisms that
 * expose the password (PLAIN, LOGIN) unless the channel is protected, so the default refuses.
 */
public enum PlaintextAuth {
    /** AUTH is not advertised before TLS; an AUTH command gets 538 5.7.11; the default. */
    REFUSED,
    /** AUTH is advertised and accepted without TLS: for tests and trusted networks only. */
    ALLOWED
}
