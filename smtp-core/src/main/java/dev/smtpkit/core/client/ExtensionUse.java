package dev.smtpkit.core.client;

/**
 * Whether a {@link ClientSession} uses an optional service extension (RFC 5321 §2.2, RFC 1869)
 * that the server announces in its EHLO reply.
 */
public enum ExtensionUse {
    /** Use it when the server's EHLO reply offers it; the default. */
    WHEN_OFFERED,
    /** Never use it, whatever the server offers (for a server known to get it wrong). */
    NEVER
}
