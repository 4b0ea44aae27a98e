package dev.smtpkit.core;

/**
 * What to do with a line of message data longer than {@link Limits#maxTextLine()}
 * (RFC 5321 §4.5.3.1.6: 1000 octets including CRLF).
 */
public enum LongLinePolicy {
    /** Refuse the message after reading it to its end; the default. */
    REJECT,
    /** Keep the line as it came, as many servers do. */
    ACCEPT
}
