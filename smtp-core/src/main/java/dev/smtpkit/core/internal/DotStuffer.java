package dev.smtpkit.core.internal;

import static dev.smtpkit.core.internal.Octets.CR;
import static dev.smtpkit.core.internal.Octets.DOT;
import static dev.smtpkit.core.internal.Octets.LF;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Encodes message content for DATA on the client side: CRLF line ends, a second dot before every
 * line that starts with one, and the end-of-data indication (RFC 5321 §4.5.2, §4.1.1.4).
 *
 * <p>Only CRLF may end a line on the wire (RFC 5321 §2.3.8). A bare LF or bare CR in the content
 * is sent as CRLF when normalising (the default) or refused otherwise; either way nothing a
 * {@link DataDecoder} could mistake for the end of data, or a receiver could take for a line end
 * that this side did not mean, goes out. A CR at the end of one buffer and an LF at the start of
 * the next are one CRLF.
 *
 * <p>BDAT content (RFC 3030 §2) has no end-of-data indication and no transparency dots, but the
 * same line-end rules: {@link #lineEndsOnly(boolean)} makes a stuffer that applies only those.
 *
 * <p>Call {@link #encode(ByteBuffer, ByteBuffer)} as content arrives, then
 * {@link #finish(ByteBuffer)} until it returns true. The output may be up to twice as long as the
 * input; any output buffer with room for one octet makes progress. Not thread-safe: it belongs
 * to one message; {@link #reset()} readies it for the next.
 */
public final class DotStuffer {

    /** The end of the last line, if it has none, then the end-of-data indication. */
    private static final byte[] TAIL = {CR, LF, DOT, CR, LF};

    private final boolean normalize;
    /** Whether to double leading dots and end with {@code . CRLF}: DATA yes, BDAT no. */
    private final boolean dataFraming;

    private boolean atLineStart = true;
    /** The last input octet was a CR, for which CRLF has already been written. */
    private boolean afterCr;
    /** The second octet of a pair that did not fit in the output, or -1. */
    private int pending = -1;
    /** Input octets consumed, for naming the offset of a bare line end. */
    private long offset;
    private boolean eightBit;
    /** The next octet of {@link #TAIL} to write once finishing, or -1 before. */
    private int tailIndex = -1;

    /** Creates a stuffer that sends bare CR and bare LF as CRLF. */
    public DotStuffer() {
        this(true);
    }

    /**
     * Creates a stuffer that sends bare CR and bare LF as CRLF if {@code normalize}, or refuses
     * them with an {@link IllegalArgumentException} naming their offset.
     */
    public DotStuffer(boolean normalize) {
        this(normalize, true);
    }

    private DotStuffer(boolean normalize, boolean dataFraming) {
        this.normalize = normalize;
        this.dataFraming = dataFraming;
    }

    /**
     * Creates an encoder for BDAT chunks (RFC 3030 §2): line ends as for DATA, bare CR and bare LF
     * sent as CRLF if {@code normalize} or refused, but no dot is doubled and
     * {@link #finish(ByteBuffer)} adds no end-of-data indication, only what is still held back.
     */
    public static DotStuffer lineEndsOnly(boolean normalize) {
        return new DotStuffer(normalize, false);
    }

    /**
     * Encodes a whole message content, bare CR and LF sent as CRLF, including the end-of-data
     * indication; for tests and small messages.
     */
    public static byte[] encodeAll(byte[] content) {
        Objects.requireNonNull(content, "content");
        DotStuffer s = new DotStuffer();
        // Every input octet gives at most two output octets, and the tail at most five.
        ByteBuffer out = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, 2L * content.length + TAIL.length));
        s.encode(ByteBuffer.wrap(content), out);
        s.finish(out);
        return Arrays.copyOf(out.array(), out.position());
    }

    /** Returns whether bare CR and bare LF are sent as CRLF rather than refused. */
    public boolean normalizes() {
        return normalize;
    }

    /**
     * Returns whether any content octet so far had its high bit set; such content needs a server
     * that offers 8BITMIME (RFC 6152) or SMTPUTF8 (RFC 6531).
     */
    public boolean sawEightBit() {
        return eightBit;
    }

    /** Readies the stuffer for the next message. */
    public void reset() {
        atLineStart = true;
        afterCr = false;
        pending = -1;
        offset = 0;
        eightBit = false;
        tailIndex = -1;
    }

    /**
     * Encodes content from {@code in} into {@code out} until {@code in} is empty or {@code out}
     * is full.
     *
     * @throws IllegalArgumentException unless normalising, for a bare
     *                                  CR or LF, naming its offset in the content
     * @throws IllegalStateException    after {@link #finish(ByteBuffer)}, until {@link #reset()}
     */
    public void encode(ByteBuffer in, ByteBuffer out) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        if (tailIndex >= 0) {
            throw new IllegalStateException("encode called after finish; call reset() for the next message");
        }
        if (!flushPending(out)) {
            return;
        }
        final int lim = in.limit();
        int p = in.position();
        try {
            while (p < lim && out.hasRemaining()) {
                byte b = in.get(p);
                if (afterCr) {
                    afterCr = false;
                    if (b == LF) {
                        p++; // completes a CRLF already written
                        offset++;
                        continue;
                    }
                    if (!normalize) {
                        throw bare("CR", offset - 1);
                    }
                }
                if (b == CR) {
                    p++;
                    offset++;
                    afterCr = true;
                    atLineStart = true;
                    put2(out, CR, LF);
                } else if (b == LF) {
                    if (!normalize) {
                        throw bare("LF", offset);
                    }
                    p++;
                    offset++;
                    atLineStart = true;
                    put2(out, CR, LF);
                } else if (atLineStart && b == DOT && dataFraming) {
                    p++; // RFC 5321 §4.5.2: a line starting with a dot gets another in front
                    offset++;
                    atLineStart = false;
                    put2(out, DOT, DOT);
                } else {
                    atLineStart = false;
                    int room = out.remaining();
                    int end = lim - p > room ? p + room : lim;
                    int stop = Octets.indexOfCrOrLf(in, p, end);
                    if (!eightBit && Octets.anyEightBit(in, p, stop)) {
                        eightBit = true;
                    }
                    Octets.copy(in, p, stop - p, out);
                    offset += stop - p;
                    p = stop;
                }
            }
        } finally {
            in.position(p);
        }
    }

    /**
     * Writes a CRLF if the content did not end with a line end, then the end-of-data indication
     * {@code . CRLF} (RFC 5321 §4.1.1.4); an empty content gives just {@code . CRLF}. For
     * {@link #lineEndsOnly BDAT}, writes only the octet still held back, if any.
     *
     * @return true when all of it has been written; false when {@code out} filled up first, in
     *         which case drain it and call again
     * @throws IllegalArgumentException unless normalising, if the content ended with a bare CR
     */
    public boolean finish(ByteBuffer out) {
        Objects.requireNonNull(out, "out");
        if (tailIndex < 0) {
            if (afterCr && !normalize) {
                throw bare("CR", offset - 1);
            }
            afterCr = false;
            tailIndex = !dataFraming ? TAIL.length : atLineStart ? 2 : 0;
        }
        if (!flushPending(out)) {
            return false;
        }
        while (tailIndex < TAIL.length) {
            if (!out.hasRemaining()) {
                return false;
            }
            out.put(TAIL[tailIndex++]);
        }
        return true;
    }

    private boolean flushPending(ByteBuffer out) {
        if (pending >= 0) {
            if (!out.hasRemaining()) {
                return false;
            }
            out.put((byte) pending);
            pending = -1;
        }
        return true;
    }

    /** Writes two octets, keeping the second back if only one fits; the caller checked for one. */
    private void put2(ByteBuffer out, byte first, byte second) {
        out.put(first);
        if (out.hasRemaining()) {
            out.put(second);
        } else {
            pending = second;
        }
    }

    private IllegalArgumentException bare(String what, long at) {
        return new IllegalArgumentException("bare " + what + " at content offset " + at
                + ": ClientConfig.normalizeLineEndings is off, so lines must end with CRLF (RFC 5321 §2.3.8)");
    }
}
