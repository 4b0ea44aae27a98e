package dev.smtpkit.client.sasl;

/**
 * Whether the client may use CRAM-MD5 (RFC 2195). It keeps the password off the wire, but over
 * TLS that gains nothing over PLAIN, its MD5 is weak, and it makes the server store a
 * password equivalent; so it is used only when the application asks for it, typically for an
 * old server reached without TLS.
 */
public enum CramMd5Policy {
    /** Never CRAM-MD5 (the default). */
    NEVER,
    /** CRAM-MD5 before PLAIN and LOGIN when the server offers it. */
    PREFER
}
