package dev.smtpkit.core.client;

/**
 * The states of a client session (RFC 5321 §3, §4.1.4), seen from the caller: which calls are
 * allowed now, and what the session waits for. Every transition, and the finer phases some of
 * these states hold (DATA sent or not, an RSET that checks the connection or abandons a
 * transaction), is a row of the package's transition table.
 */
public enum ClientState {
    /** Connected; waiting for the server's 220 greeting (RFC 5321 §3.1). */
    GREETING,
    /** EHLO, HELO or LHLO sent; waiting for its reply (RFC 5321 §4.1.1.1, RFC 2033 §4.1). */
    HELLO,
    /** Identified; no command outstanding: a transaction, STARTTLS, AUTH, RSET or QUIT may start. */
    READY,
    /** STARTTLS sent; waiting for its reply (RFC 3207 §4). */
    STARTTLS,
    /** The server said 220 to STARTTLS; the transport performs the TLS handshake (RFC 3207 §4.2). */
    TLS_HANDSHAKE,
    /** AUTH or a SASL response sent; waiting for the reply (RFC 4954 §4). */
    AUTH,
    /** The server sent a 334 challenge; the caller answers it or cancels (RFC 4954 §4). */
    AUTH_CHALLENGE,
    /** MAIL, RCPT and DATA (or the RSET ending a failed transaction) sent; replies outstanding. */
    ENVELOPE,
    /** The server is ready for the message content (354, or BDAT): the caller writes it. */
    CONTENT,
    /** The content was ended; waiting for the reply (or LMTP replies) to it (RFC 5321 §4.1.1.4). */
    MESSAGE_SENT,
    /** RSET sent by {@link ClientSession#reset()}; waiting for its reply (RFC 5321 §4.1.1.5). */
    RESET,
    /** QUIT sent; waiting for 221 (RFC 5321 §4.1.1.10). */
    QUIT,
    /** The session is over; the transport closes the connection. */
    CLOSED
}
