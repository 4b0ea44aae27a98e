package dev.smtpkit.core;

/**
 * What to do with a line of message data longer than {@link Limits#maxTextLine()}
 * (RFC 5321 §4.5.3.1.6: 1000 octets including CRLF).
 */
public enum LongLinePolicy {
    /** Refuse the message with 550 5.5.6 after reading it to its end. */
    REJECT,
    /**
     * Keep the line as it came; the default, because it is harmless and real mail user agents
     * still produce such lines (Postfix accepts them too).
     */
    ACCEPT
}
