package dev.smtpkit.core.server;

/** Why a server session ended (RFC 5321 §3.8, §4.1.1.10, §4.5.3.2). */
public enum CloseReason {
    /** The client sent QUIT and got 221 (RFC 5321 §4.1.1.10). */
    QUIT,
    /** The input ended without QUIT; treated as QUIT (RFC 5321 §3.8). */
    END_OF_INPUT,
    /** The application refused the greeting with 421 (RFC 5321 §3.1). */
    GREETING_REFUSED,
    /** Too many bad commands ({@code Limits.maxBadCommands}): 421 4.7.0. */
    TOO_MANY_ERRORS,
    /** Too many failed AUTH attempts ({@code ServerConfig.maxAuthFailures}): 421 4.7.0. */
    TOO_MANY_AUTH_FAILURES,
    /** The transport reported a timeout (RFC 5321 §4.5.3.2): 421 4.4.2. */
    TIMEOUT,
    /** The server is shutting down: 421 4.3.2. */
    SHUTDOWN,
    /** The application answered with a 421 of its own, which closes the channel (RFC 5321 §3.8). */
    SERVICE_CLOSING
}
