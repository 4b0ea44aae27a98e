package dev.smtpkit.core;

import java.time.Duration;

/**
 * The timeouts of RFC 5321 §4.5.3.2, with their defaults. The state machines say which one
 * applies in each state but never keep time themselves: the transport owns the clock.
 */
public enum Timeout {
    /** Waiting for the 220 greeting (§4.5.3.2.1): 5 minutes. */
    GREETING(Duration.ofMinutes(5)),
    /** Waiting for the reply to MAIL (§4.5.3.2.2): 5 minutes. */
    MAIL(Duration.ofMinutes(5)),
    /** Waiting for the reply to each RCPT (§4.5.3.2.3): 5 minutes. */
    RCPT(Duration.ofMinutes(5)),
    /** Waiting for the 354 after DATA (§4.5.3.2.4): 2 minutes. */
    DATA_INITIATION(Duration.ofMinutes(2)),
    /** Between two blocks of message data (§4.5.3.2.5): 3 minutes. */
    DATA_BLOCK(Duration.ofMinutes(3)),
    /** Waiting for the reply to the final dot (§4.5.3.2.6): 10 minutes. */
    DATA_TERMINATION(Duration.ofMinutes(10)),
    /** A server waiting for the next command (§4.5.3.2.7): 5 minutes. */
    SERVER_COMMAND(Duration.ofMinutes(5)),
    /**
     * A client waiting for the reply to a command §4.5.3.2 names no timeout for (EHLO, HELO,
     * LHLO, STARTTLS, AUTH, RSET, QUIT): 5 minutes, as for MAIL (§4.5.3.2.2), since §4.5.3.2 asks
     * for a timeout on every command.
     */
    CLIENT_COMMAND(Duration.ofMinutes(5));

    private final Duration rfcDefault;

    Timeout(Duration rfcDefault) {
        this.rfcDefault = rfcDefault;
    }

    /** The RFC 5321 default for this timeout. */
    public Duration rfcDefault() {
        return rfcDefault;
    }
}
