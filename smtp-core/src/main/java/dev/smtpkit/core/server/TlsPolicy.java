package dev.smtpkit.core.server;

/** Whether STARTTLS (RFC 3207) is offered, and whether mail needs it first. */
public enum TlsPolicy {
    /** STARTTLS is neither advertised nor accepted (502); the default, as it needs a certificate. */
    OFF,
    /** STARTTLS is advertised and accepted; mail is accepted without it too. */
    OPTIONAL,
    /** STARTTLS is advertised, and MAIL before it gets 530 5.7.0 (RFC 3207 §4). */
    REQUIRED
}
