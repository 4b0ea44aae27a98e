package dev.smtpkit.client;

/**
 * How a {@link SmtpClient} protects its connections. In every mode that uses TLS the server's
 * certificate is checked against the client's {@code SSLContext} and its name against the host
 * the client connects to (RFC 6125, as {@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}
 * does), since a TLS session with an unauthenticated peer protects against nobody actively in
 * the path.
 */
public enum TlsMode {
    /** Plaintext only; STARTTLS is never sent, even when offered. */
    NONE,
    /**
     * STARTTLS when the server offers it (RFC 3207), plaintext when it does not or refuses. A
     * failed handshake is an {@link SmtpTlsException}: the connection cannot go back to
     * plaintext, and reconnecting without TLS would let an attacker choose the outcome.
     */
    STARTTLS_OPPORTUNISTIC,
    /**
     * STARTTLS or nothing (RFC 3207 §4, RFC 8314 §3): if the server does not offer STARTTLS or
     * refuses it, the client sends QUIT and throws {@link SmtpTlsException}; no envelope,
     * credential or content is ever sent in plaintext.
     */
    STARTTLS_REQUIRED,
    /** TLS from the first octet, the submissions port 465 (RFC 8314 §3.3). */
    IMPLICIT
}
