package dev.smtpkit.core.server;

/**
 * The states of a server session (RFC 5321 §3, §4.1.4). Which command is allowed in which state,
 * what a command out of sequence gets, and which event leads to which state are one table, in
 * the package-private {@code ServerTransitions}, next to the RFC sections each row comes from;
 * {@link ServerSession} changes its state only through it. {@link #BDAT} covers two phases of
 * that table: between chunks (a command is read) and within one (its octets are).
 */
public enum ServerState {
    /** Connected; the application has not yet decided on the greeting. */
    GREETING,
    /** Greeted with 220; waiting for HELO, EHLO or LHLO. */
    CONNECTED,
    /** The greeting was refused with 554 (§3.1): everything but QUIT gets 503. */
    REFUSED,
    /** Identified by HELO/EHLO/LHLO; no transaction open. */
    READY,
    /** MAIL accepted; no recipient accepted yet. */
    MAIL,
    /** At least one recipient accepted. */
    RCPT,
    /** 354 sent; receiving message data up to CRLF.CRLF. */
    DATA,
    /** Inside a BDAT transaction (RFC 3030 §2): between or during chunks, until LAST has been answered. */
    BDAT,
    /** Inside a SASL exchange (RFC 4954): the next line is a response, not a command. */
    AUTH,
    /** 220 sent to STARTTLS; waiting for the transport to finish the TLS handshake (RFC 3207). */
    STARTTLS,
    /** The session is over; nothing more is read or written. */
    CLOSED
}
