package dev.smtpkit.core.codec;

/**
 * What {@link DotStuffer} does with a bare CR or bare LF in content it is given to send, since
 * only CRLF may end a line on the wire (RFC 5321 §2.3.8, §4.1.1.4).
 */
public enum LineEndingNormalization {
    /**
     * Send every bare LF and every bare CR as CRLF, so content written with local line ends
     * goes out as valid SMTP data; the default.
     */
    NORMALIZE_TO_CRLF,
    /**
     * Refuse content with a bare CR or LF with an {@link IllegalArgumentException} naming its
     * offset, for callers who need the exact bytes to arrive (for instance a signed message).
     */
    REJECT
}
