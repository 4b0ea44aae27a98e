package dev.smtpkit.core.internal;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Reads the octets of one BDAT chunk (RFC 3030 §2). A chunk is counted, not delimited: its
 * octets are copied exactly, with no dot-unstuffing and no line-end rules, so binary content
 * and a {@code CRLF . CRLF} inside a chunk are just data.
 *
 * <p>Call {@link #startChunk(long)} with the size from the BDAT command, then
 * {@link #decode(ByteBuffer, ByteBuffer)} (or {@link #skip(ByteBuffer)} for a chunk of a refused
 * message) until it returns {@link DecodeStatus#END}; the input is then positioned at the next
 * command. Not thread-safe: it belongs to one connection.
 */
public final class BdatDecoder {

    private long remaining;

    /** Creates a decoder with no chunk in progress. */
    public BdatDecoder() {
    }

    /**
     * Starts reading a chunk.
     *
     * @param size the chunk size from {@code BDAT <size>}, 0 or more
     * @throws IllegalStateException if the previous chunk has octets still to be read
     */
    public void startChunk(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("chunk size must not be negative: " + size);
        }
        if (remaining != 0) {
            throw new IllegalStateException("startChunk called with " + remaining + " octets of the previous chunk unread");
        }
        remaining = size;
    }

    /** Returns the octets of the current chunk still to be read; 0 when it is complete. */
    public long remaining() {
        return remaining;
    }

    /** Abandons the current chunk, for instance when the connection is closing. */
    public void reset() {
        remaining = 0;
    }

    /**
     * Copies the chunk's remaining octets from {@code in} to {@code out}, as far as both allow.
     *
     * @return {@link DecodeStatus#END} when the chunk is complete (at once for a chunk of size 0),
     *         {@link DecodeStatus#UNDERFLOW} when {@code in} is used up first, or
     *         {@link DecodeStatus#OVERFLOW} when {@code out} is full first
     */
    public DecodeStatus decode(ByteBuffer in, ByteBuffer out) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        int n = (int) Math.min(remaining, Math.min(in.remaining(), out.remaining()));
        if (n > 0) {
            int p = in.position();
            Octets.copy(in, p, n, out);
            in.position(p + n);
            remaining -= n;
        }
        if (remaining == 0) {
            return DecodeStatus.END;
        }
        return in.hasRemaining() ? DecodeStatus.OVERFLOW : DecodeStatus.UNDERFLOW;
    }

    /**
     * Consumes and drops the chunk's remaining octets from {@code in}, for a message already
     * refused (for instance over the SIZE limit, RFC 1870), since the client sends the chunk
     * anyway (RFC 3030 §2).
     *
     * @return {@link DecodeStatus#END} or {@link DecodeStatus#UNDERFLOW}
     */
    public DecodeStatus skip(ByteBuffer in) {
        Objects.requireNonNull(in, "in");
        int n = (int) Math.min(remaining, in.remaining());
        in.position(in.position() + n);
        remaining -= n;
        return remaining == 0 ? DecodeStatus.END : DecodeStatus.UNDERFLOW;
    }
}
