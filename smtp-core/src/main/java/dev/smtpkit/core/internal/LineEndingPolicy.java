package dev.smtpkit.core.internal;

/**
 * Which octets end a command line (RFC 5321 §2.3.8: "lines consist of zero or more data
 * characters terminated by the sequence ASCII character CR followed immediately by ASCII
 * character LF").
 */
public enum LineEndingPolicy {
    /**
     * Only CRLF ends a line; a bare LF or bare CR stays part of the line, where the command
     * parser rejects it. The default, as RFC 5321 §2.3.8 requires.
     */
    CRLF_ONLY,
    /**
     * A bare LF also ends a line, for clients that send LF alone; CRLF still ends a line and a
     * bare CR still stays part of it.
     */
    CRLF_OR_LF
}
