package dev.smtpkit.core;

/**
 * How strictly command lines are read (RFC 5321 §4.1.2, §4.1.1.1).
 *
 * <p>{@link #STRICT} follows the RFC 5321 grammar to the letter. {@link #LENIENT} also accepts
 * what real clients send and Postfix accepts with {@code strict_rfc821_envelopes = no}:
 * {@code HELO}/{@code EHLO} without a name, a space after the colon of {@code MAIL FROM:} and
 * {@code RCPT TO:}, an address without angle brackets, and spaces and tabs at the end of the line.
 *
 * <p>Trailing white space before the CRLF (RFC 5321 §4.1.1: receivers SHOULD tolerate it) is
 * refused by {@code Command.parse} in STRICT mode, as the §4.1.2 grammar has none; a server
 * session strips it before parsing in both modes, so a server tolerates it either way.
 */
public enum ParseMode {
    /** The RFC 5321 §4.1.2 grammar exactly; the default. */
    STRICT,
    /** Also what Postfix accepts with {@code strict_rfc821_envelopes = no}. */
    LENIENT
}
