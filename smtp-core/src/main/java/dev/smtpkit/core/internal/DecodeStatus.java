package dev.smtpkit.core.internal;

/**
 * Why a payload decoder ({@link DataDecoder}, {@link BdatDecoder}) returned, in the manner of
 * {@link java.nio.charset.CoderResult}: the payload ended, or one of the two buffers needs the
 * caller's attention before decoding can continue (RFC 5321 §4.1.1.4, RFC 3030 §2).
 */
public enum DecodeStatus {
    /**
     * The payload is complete; the input's position is just past its last octet, so whatever
     * follows belongs to the next command.
     */
    END,
    /** All of the input was consumed and the payload has not ended: read more and call again. */
    UNDERFLOW,
    /** The output is full: drain it and call again with the same input. */
    OVERFLOW
}
