package dev.smtpkit.core.internal;

import static dev.smtpkit.core.internal.Octets.CR;
import static dev.smtpkit.core.internal.Octets.LF;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Splits a byte stream into command lines (RFC 5321 §2.3.8) no longer than a limit
 * (RFC 5321 §4.5.3.1.4: 512 octets including CRLF; RFC 4954 §4: 12288 for AUTH).
 *
 * <p>Call {@link #decode(ByteBuffer)} repeatedly. Each call consumes input up to and including
 * one line end and returns exactly one {@link Result} per line, or {@link NeedMoreInput} once it
 * has consumed all of the input without finding a line end. Bytes after the line end stay in the
 * buffer, so the caller can switch to a {@link DataDecoder} in the middle of a pipelined read.
 *
 * <p>The limit counts the line end as two octets whichever form it took, so a line gets the same
 * verdict under both {@link LineEndingPolicy policies}. A line over the limit is not kept: the
 * decoder drops its bytes up to the next line end and then returns one {@link LineTooLong}, so
 * the session can answer it and carry on with the next line. The decoder never holds more than
 * {@code maxLineLength - 2} octets, whatever it is fed.
 *
 * <p>Not thread-safe: it belongs to one connection.
 */
public final class LineDecoder {

    /** What one call of {@link #decode(ByteBuffer)} found. */
    public sealed interface Result permits Line, LineTooLong, NeedMoreInput {
    }

    /**
     * A complete line without its line end (RFC 5321 §2.3.8). The octets are kept as they came;
     * whether they are valid is the command parser's business.
     */
    public static final class Line implements Result {
        private final byte[] bytes;

        private Line(byte[] owned) {
            this.bytes = owned;
        }

        /** Returns a line of a copy of {@code bytes}, which must not contain the line end. */
        public static Line of(byte[] bytes) {
            return new Line(Objects.requireNonNull(bytes, "bytes").clone());
        }

        /** Returns a copy of the line's octets, without the line end. */
        public byte[] bytes() {
            return bytes.clone();
        }

        /** Returns the number of octets, without the line end. */
        public int length() {
            return bytes.length;
        }

        /**
         * Returns the line decoded as UTF-8 (RFC 6531 allows UTF-8 in commands after SMTPUTF8);
         * malformed sequences become U+FFFD rather than failing, so a hostile line still reaches
         * the parser and gets a reply. Where the text is kept or handed on, use {@link #asUtf8()}:
         * U+FFFD would change what the peer sent.
         */
        public String asString() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /**
         * Returns the line decoded as UTF-8, or empty when it is not well-formed UTF-8
         * (RFC 3629 §3 and §10: overlong forms, lone continuation octets, C0, C1 and F5 to FF,
         * surrogates encoded as UTF-8, code points past U+10FFFF, truncated sequences). Only
         * well-formed lines decode, so the text encodes back to exactly these octets.
         */
        public Optional<String> asUtf8() {
            if (isAscii()) {
                return Optional.of(new String(bytes, StandardCharsets.US_ASCII));
            }
            try {
                return Optional.of(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString());
            } catch (CharacterCodingException e) {
                return Optional.empty();
            }
        }

        /** Returns whether every octet is US-ASCII, as RFC 5321 commands must be without SMTPUTF8. */
        public boolean isAscii() {
            for (byte b : bytes) {
                if (b < 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Line other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        /** Returns the line with control and non-ASCII octets escaped, for logs and test failures. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(bytes.length + 6).append("Line[");
            for (byte b : bytes) {
                int c = b & 0xFF;
                if (c >= 0x20 && c < 0x7F && c != '\\') {
                    sb.append((char) c);
                } else {
                    sb.append(String.format("\\x%02X", c));
                }
            }
            return sb.append(']').toString();
        }
    }

    /**
     * A line was longer than the limit in force and has been consumed and dropped up to its line
     * end (RFC 5321 §4.5.3.1.4; the server answers 500 5.5.6).
     *
     * @param maxLineLength the limit in octets including CRLF that the line exceeded
     */
    public record LineTooLong(int maxLineLength) implements Result {
    }

    /** All of the input was consumed and no line has ended yet. */
    public enum NeedMoreInput implements Result {
        /** The only value. */
        INSTANCE
    }

    private static final byte[] EMPTY = new byte[0];

    private final LineEndingPolicy policy;
    private int maxLineLength;
    /** The start of the current line, when it arrived in more than one buffer; never longer than the limit allows. */
    private byte[] partial = EMPTY;
    private int count;
    /** The last octet consumed was a CR that may turn out to be the start of CRLF. */
    private boolean pendingCr;
    /** The current line is over the limit: its octets are dropped up to its line end. */
    private boolean discarding;

    /**
     * Creates a decoder that ends lines only at CRLF.
     *
     * @param maxLineLength longest line in octets including CRLF, such as
     *                      {@code Limits.maxCommandLine()}
     */
    public LineDecoder(int maxLineLength) {
        this(maxLineLength, LineEndingPolicy.CRLF_ONLY);
    }

    /**
     * Creates a decoder.
     *
     * @param maxLineLength longest line in octets including CRLF, such as
     *                      {@code Limits.maxCommandLine()}
     * @param policy        which octets end a line
     */
    public LineDecoder(int maxLineLength, LineEndingPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        maxLineLength(maxLineLength);
    }

    /** Returns the limit in force, in octets including CRLF. */
    public int maxLineLength() {
        return maxLineLength;
    }

    /**
     * Changes the limit, for instance to {@code Limits.maxAuthLine()} while a SASL exchange runs
     * (RFC 4954 §4). Call it between lines; if called in the middle of one, the new limit
     * applies to the whole of that line.
     *
     * @param maxLineLength longest line in octets including CRLF, at least 2
     */
    public void maxLineLength(int maxLineLength) {
        if (maxLineLength < 2) {
            throw new IllegalArgumentException("maxLineLength must be at least 2 (room for CRLF): " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
        if (partial.length > maxLineLength - 2 && count <= maxLineLength - 2) {
            // A lowered limit lowers the memory held, not just the lines accepted.
            partial = Arrays.copyOf(partial, maxLineLength - 2);
        }
    }

    /** Returns the line-ending policy. */
    public LineEndingPolicy policy() {
        return policy;
    }

    /** Forgets any partly read line, for instance when the connection restarts after STARTTLS. */
    public void reset() {
        count = 0;
        pendingCr = false;
        discarding = false;
    }

    /** Returns how many octets of the current line are held; the memory bound, for tests. */
    int buffered() {
        return count;
    }

    /** Returns the size of the internal buffer; never more than the largest limit set minus 2. */
    int capacity() {
        return partial.length;
    }

    /**
     * Consumes input up to and including the next line end.
     *
     * @param in the connection's input; its position is advanced past what was consumed
     * @return the line, {@link LineTooLong} for a line over the limit (once it has ended), or
     *         {@link NeedMoreInput#INSTANCE} when {@code in} is used up
     */
    public Result decode(ByteBuffer in) {
        Objects.requireNonNull(in, "in");
        final int room = maxLineLength - 2; // content octets a line may have
        final int lim = in.limit();
        int p = in.position();
        if (!discarding && count > room) {
            // The limit was lowered in the middle of this line.
            startDiscarding();
        }
        while (true) {
            if (discarding) {
                return discard(in, p, lim);
            }
            if (p == lim) {
                in.position(p);
                return NeedMoreInput.INSTANCE;
            }
            if (pendingCr) {
                pendingCr = false;
                if (in.get(p) == LF) {
                    in.position(p + 1);
                    return takeLine(in, p, p);
                }
                // A bare CR is part of the line; the parser decides what it means.
                if (count + 1 > room) {
                    startDiscarding();
                    continue;
                }
                append(CR);
            }
            // Octets in[p, s) belong to the line and have been scanned; the line so far is
            // count + (s - p) octets, never more than room here.
            int s = p;
            while (true) {
                int window = room - count - (s - p) + 2; // room left, plus CR and LF
                int end = lim - s > window ? s + window : lim;
                int i = Octets.indexOfLf(in, s, end);
                if (i < end) {
                    boolean crlf = i > p && in.get(i - 1) == CR;
                    if (crlf || policy == LineEndingPolicy.CRLF_OR_LF) {
                        in.position(i + 1);
                        int contentEnd = crlf ? i - 1 : i;
                        if (count + (contentEnd - p) > room) {
                            count = 0;
                            return new LineTooLong(maxLineLength);
                        }
                        return takeLine(in, p, contentEnd);
                    }
                    // A bare LF under CRLF_ONLY is part of the line (RFC 5321 §2.3.8).
                    s = i + 1;
                    if (count + (s - p) > room) {
                        p = s;
                        startDiscarding();
                        break;
                    }
                    continue;
                }
                if (end == s + window) {
                    // A full window without a line end: the line cannot fit whatever follows.
                    pendingCr = in.get(end - 1) == CR;
                    p = end;
                    startDiscarding();
                    break;
                }
                // The input ended inside the line: keep it, holding back a final CR.
                boolean cr = in.get(lim - 1) == CR;
                int n = (lim - p) - (cr ? 1 : 0);
                if (count + n > room) {
                    pendingCr = cr;
                    p = lim;
                    startDiscarding();
                    break;
                }
                ensureCapacity(count + n, room);
                Octets.copy(in, p, n, partial, count);
                count += n;
                pendingCr = cr;
                in.position(lim);
                return NeedMoreInput.INSTANCE;
            }
        }
    }

    private void startDiscarding() {
        discarding = true;
        count = 0;
        if (partial.length > maxLineLength - 2) {
            partial = EMPTY; // the limit was lowered; hold no more than it allows
        }
    }

    /** Drops octets up to and including the line end of a line over the limit. */
    private Result discard(ByteBuffer in, int p, int lim) {
        if (p == lim) {
            in.position(p);
            return NeedMoreInput.INSTANCE;
        }
        boolean crBefore = pendingCr;
        pendingCr = false;
        int s = p;
        while (true) {
            int i = Octets.indexOfLf(in, s, lim);
            if (i == lim) {
                pendingCr = in.get(lim - 1) == CR;
                in.position(lim);
                return NeedMoreInput.INSTANCE;
            }
            boolean crlf = i > p ? in.get(i - 1) == CR : crBefore;
            if (crlf || policy == LineEndingPolicy.CRLF_OR_LF) {
                in.position(i + 1);
                discarding = false;
                return new LineTooLong(maxLineLength);
            }
            s = i + 1;
        }
    }

    /** Returns the held octets followed by {@code in[from, to)} as a line, and starts a new one. */
    private Line takeLine(ByteBuffer in, int from, int to) {
        byte[] line = new byte[count + (to - from)];
        System.arraycopy(partial, 0, line, 0, count);
        Octets.copy(in, from, to - from, line, count);
        count = 0;
        return new Line(line);
    }

    private void append(byte b) {
        ensureCapacity(count + 1, maxLineLength - 2);
        partial[count++] = b;
    }

    private void ensureCapacity(int needed, int room) {
        if (needed > partial.length) {
            int grown = Math.max(needed, Math.max(64, partial.length * 2));
            partial = Arrays.copyOf(partial, Math.min(grown, room));
        }
    }
}
