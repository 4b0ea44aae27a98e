package dev.smtpkit.core.client;

/**
 * Which command a {@link ClientSession} in SMTP mode introduces itself with (RFC 5321 §3.2,
 * §4.1.1.1). In LMTP mode it always says LHLO (RFC 2033 §4.1). Not to be confused with the
 * server's {@link dev.smtpkit.core.server.HelloNamePolicy}, which is about a name missing from it.
 */
public enum HelloCommand {
    /**
     * EHLO, and HELO when EHLO gets a 5xx (the server does not know EHLO, RFC 5321 §3.2); the
     * default. Only EHLO makes service extensions available.
     */
    EHLO_THEN_HELO,
    /** HELO only, as an RFC 821 client would: no service extension is ever used. */
    HELO_ONLY
}
