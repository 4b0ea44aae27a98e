package dev.smtpkit.server;

/**
 * Whether the server asks a TLS client for its certificate (RFC 8446 §4.3.2, RFC 5246 §7.4.4),
 * as JSSE's {@code setWantClientAuth} and {@code setNeedClientAuth} do. Which certificates are
 * trusted is the {@code SSLContext}'s trust manager's choice.
 */
public enum ClientCertificatePolicy {
    /** No certificate is asked for; the default, since mail clients rarely have one. */
    NONE,
    /** A certificate is asked for; a client without one is still served. */
    WANT,
    /** A certificate is required: the handshake fails without a trusted one. */
    NEED
}
