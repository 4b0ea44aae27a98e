package dev.smtpkit.server.internal.proxy;

import java.util.Objects;

/**
 * The peer sent something that is not a valid PROXY protocol header. There is no SMTP reply for
 * this: the server closes the connection without a word, as the protocol's §2 asks, since the
 * peer is not a proxy that speaks it.
 */
public final class ProxyProtocolException extends RuntimeException {

    /** What was wrong. */
    public enum Reason {
        /** The first bytes are neither {@code PROXY } nor the version 2 signature. */
        BAD_SIGNATURE,
        /** A version 1 line without CRLF within 107 octets (§2.1). */
        TOO_LONG,
        /** A version 1 line that breaks the grammar: fields, spaces, CR or LF, characters. */
        MALFORMED,
        /** A version 1 protocol other than TCP4, TCP6 or UNKNOWN. */
        BAD_PROTOCOL,
        /** An address that is not a literal of the stated family. */
        BAD_ADDRESS,
        /** A version 1 port that is not 0 to 65535 in decimal without leading zeros. */
        BAD_PORT,
        /** A version 2 header whose version nibble is not 2. */
        BAD_VERSION,
        /** A version 2 command other than LOCAL or PROXY. */
        BAD_COMMAND,
        /** A version 2 family and protocol byte outside the table of §2.2. */
        BAD_FAMILY,
        /** A version 2 PROXY header for a datagram protocol, which cannot carry SMTP. */
        UNSUPPORTED_TRANSPORT,
        /** A version 2 length shorter than the addresses of its family. */
        WRONG_LENGTH,
        /** The connection ended inside the header. */
        TRUNCATED
    }

    private final Reason reason;

    ProxyProtocolException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Returns what was wrong. */
    public Reason reason() {
        return reason;
    }
}
