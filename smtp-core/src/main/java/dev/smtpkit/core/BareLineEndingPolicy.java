package dev.smtpkit.core;

/**
 * What to do with a bare LF or bare CR inside message data (RFC 5321 §2.3.8, §4.1.1.4).
 *
 * <p>Neither is ever taken as a line end: treating them so is what SMTP smuggling
 * (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766) exploits. The only question is whether a
 * message containing one is refused or kept with the byte as data.
 */
public enum BareLineEndingPolicy {
    /**
     * Refuse the message with 550 5.5.2 after reading it to its end, as Postfix's
     * {@code smtpd_forbid_bare_newline = yes} does; the default.
     */
    REJECT,
    /** Keep the bare CR or LF as an ordinary data byte. */
    ACCEPT
}
