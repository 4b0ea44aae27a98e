package dev.smtpkit.core;

/** Which protocol a session speaks: SMTP (RFC 5321) or LMTP (RFC 2033). */
public enum ProtocolMode {
    /** SMTP: HELO or EHLO, one reply after the end of data. */
    SMTP,
    /** LMTP: LHLO instead of HELO/EHLO, and one reply per accepted recipient after the data. */
    LMTP
}
