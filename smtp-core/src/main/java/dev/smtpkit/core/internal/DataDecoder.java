package dev.smtpkit.core.internal;

import static dev.smtpkit.core.internal.Octets.CR;
import static dev.smtpkit.core.internal.Octets.DOT;
import static dev.smtpkit.core.internal.Octets.LF;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the message that follows DATA up to the end-of-data indication, removing the
 * transparency dots (RFC 5321 §4.1.1.4, §4.5.2).
 *
 * <p>The rules, applied to the octets as they came:
 * <ul>
 *   <li>Only CRLF ends a line (RFC 5321 §2.3.8). A bare LF or bare CR is never a line end,
 *       because treating one as such is what SMTP smuggling (CVE-2023-51764, CVE-2023-51765,
 *       CVE-2023-51766) exploits. A line starts at the start of the data and after each CRLF,
 *       and nowhere else.</li>
 *   <li>The first octet of a line, if it is a dot, is removed (RFC 5321 §4.5.2). If the line is
 *       then empty, that is, the dot is followed by CRLF, the data has ended. So the end is
 *       {@code CRLF . CRLF}, or {@code . CRLF} at the very start (an empty message).</li>
 *   <li>The content keeps its line ends. The CRLF before the terminating dot is part of the
 *       content (the last line's end); the dot and its CRLF are not.</li>
 * </ul>
 * So {@code \r\n.\n}, {@code \n.\r\n}, {@code \r.\r\n}, {@code \n.\n} and {@code \r\n.\r} followed
 * by anything but LF never end the data. Where a line starts with a dot followed by a bare CR or
 * bare LF, the dot is removed like any other leading dot and the bare octet is content; a
 * {@link DotStuffer} never sends such a line, since it doubles every leading dot.
 *
 * <p>Problems with the data are recorded, not thrown, so the session reads the message to its
 * end and stays in step with the client: {@link #violation()} gives the first one. Rejecting
 * bare line ends or long lines or not, the decoder writes exactly the same content; the two
 * switches only decide whether a violation is recorded, and the session refuses the message when one is. A session that has no use for
 * the rest of a refused message can switch to {@link #skip(ByteBuffer)} at any point.
 *
 * <p>The state is a handful of fields; no input makes the decoder allocate or hold memory.
 * Not thread-safe: it belongs to one connection; {@link #reset()} readies it for the next message.
 */
public final class DataDecoder {

    /** What was wrong with a message's data; recorded only where the decoder was asked to reject it. */
    public enum Violation {
        /**
         * An LF not preceded by CR (RFC 5321 §2.3.8), when rejecting bare line ends; the server
         * answers 550 5.5.2.
         */
        BARE_LF,
        /**
         * A CR not followed by LF (RFC 5321 §2.3.8), when rejecting bare line ends; the server
         * answers 550 5.5.2.
         */
        BARE_CR,
        /**
         * A line longer than {@code Limits.maxTextLine} octets including CRLF, not counting a
         * transparency dot (RFC 5321 §4.5.3.1.6), when rejecting long lines; the server
         * answers 500 5.5.6.
         */
        LINE_TOO_LONG
    }

    private static final int LINE_START = 0; // after CRLF, or at the start of the data
    private static final int AFTER_DOT = 1;  // a line's leading dot was removed
    private static final int AFTER_DOT_CR = 2; // ... and a CR followed it: the end, if LF comes next
    private static final int TEXT = 3;       // inside a line
    private static final int AFTER_CR = 4;   // a CR inside a line was written; LF next ends the line
    private static final int ENDED = 5;

    private final int maxTextLine;
    private final boolean rejectBare;
    private final boolean rejectLongLines;

    private int state = LINE_START;
    /** Content octets of the current line, counted only while a long line could still be recorded. */
    private long lineLength;
    private Violation violation; // the first one, or null: kept private, exposed as Optional
    private long contentLength;
    /** The content length at the first violation, or -1; see {@link #violationOffset()}. */
    private long violationOffset = -1;

    /**
     * Creates a decoder for one message at a time.
     *
     * @param maxTextLine longest data line in octets including CRLF, at least 3, such as
     *                    {@code Limits.maxTextLine()} (RFC 5321 §4.5.3.1.6: 1000)
     * @param rejectBare  whether a bare CR or LF is a violation, or kept as data
     * @param rejectLongLines whether a line over {@code maxTextLine} is a violation, or kept
     */
    public DataDecoder(int maxTextLine, boolean rejectBare, boolean rejectLongLines) {
        if (maxTextLine < 3) {
            throw new IllegalArgumentException("maxTextLine must be at least 3 (one octet and CRLF): " + maxTextLine);
        }
        this.maxTextLine = maxTextLine;
        this.rejectBare = rejectBare;
        this.rejectLongLines = rejectLongLines;
    }

    /**
     * Decodes a whole DATA payload in one go, accepting bare line ends and long lines; for tests
     * and tools.
     *
     * @param wire the octets after the 354 reply, ending with the end-of-data indication
     * @return the content
     * @throws IllegalArgumentException if the data does not end exactly at the end of {@code wire}
     */
    public static byte[] decodeAll(byte[] wire) {
        Objects.requireNonNull(wire, "wire");
        DataDecoder d = new DataDecoder(Integer.MAX_VALUE, false, false);
        ByteBuffer in = ByteBuffer.wrap(wire);
        byte[] out = new byte[wire.length]; // unstuffing never lengthens
        ByteBuffer outBuffer = ByteBuffer.wrap(out);
        if (d.decode(in, outBuffer) != DecodeStatus.END) {
            throw new IllegalArgumentException("no end of data (CRLF . CRLF) in " + wire.length + " octets");
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("octets after the end of data at offset " + in.position());
        }
        return Arrays.copyOf(out, outBuffer.position());
    }

    /**
     * Consumes data from {@code in} and writes the content to {@code out}.
     *
     * @param in  the connection's input; on {@link DecodeStatus#END} its position is just past the
     *            end-of-data indication, at the next command
     * @param out where the content goes
     * @return {@link DecodeStatus#END} once the data has ended (and on every call after, until
     *         {@link #reset()}), {@link DecodeStatus#UNDERFLOW} when {@code in} is used up, or
     *         {@link DecodeStatus#OVERFLOW} when {@code out} is full
     */
    public DecodeStatus decode(ByteBuffer in, ByteBuffer out) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        return run(in, out);
    }

    /**
     * Consumes data from {@code in} up to the end-of-data indication and drops the content, for a
     * message already refused (for instance over the SIZE limit); violations and
     * {@link #contentLength()} are still kept. May follow calls of
     * {@link #decode(ByteBuffer, ByteBuffer)} for the same message.
     *
     * @return {@link DecodeStatus#END} or {@link DecodeStatus#UNDERFLOW}
     */
    public DecodeStatus skip(ByteBuffer in) {
        Objects.requireNonNull(in, "in");
        return run(in, null);
    }

    /**
     * Returns how many content octets had been written when the first violation was found: up to
     * and including the bare LF, the bare CR, or the first octet past {@code maxTextLine}. It is
     * the same however the input was split, so a session can deliver the content exactly up to
     * it; empty when there is no violation.
     */
    public OptionalLong violationOffset() {
        return violationOffset < 0 ? OptionalLong.empty() : OptionalLong.of(violationOffset);
    }

    /** Returns the first violation recorded for this message, if any. */
    public Optional<Violation> violation() {
        return Optional.ofNullable(violation);
    }

    /** Returns the content octets of this message decoded so far, whether written or skipped. */
    public long contentLength() {
        return contentLength;
    }

    /** Returns whether the end of data has been consumed. */
    public boolean ended() {
        return state == ENDED;
    }

    /** Readies the decoder for the next message. */
    public void reset() {
        state = LINE_START;
        lineLength = 0;
        violation = null;
        violationOffset = -1;
        contentLength = 0;
    }

    /** The state machine; {@code out} is null when skipping. */
    private DecodeStatus run(ByteBuffer in, ByteBuffer out) {
        final int lim = in.limit();
        int p = in.position();
        try {
            while (true) {
                if (state == ENDED) {
                    return DecodeStatus.END;
                }
                if (p == lim) {
                    return DecodeStatus.UNDERFLOW;
                }
                switch (state) {
                    case TEXT: {
                        if (out != null && in.hasArray() && out.hasArray()) {
                            p = textBetweenArrays(in, p, out);
                            if (state != TEXT || p == lim) {
                                continue;
                            }
                            // What the fast path left (a bare CR or LF, a split CRLF, a full
                            // output) is for the general code below.
                        }
                        int room = out == null ? lim - p : out.remaining();
                        if (room == 0) {
                            return DecodeStatus.OVERFLOW;
                        }
                        int end = lim - p > room ? p + room : lim;
                        int stop = Octets.indexOfCrOrLf(in, p, end);
                        int n = stop - p;
                        if (n > 0) {
                            if (out != null) {
                                Octets.copy(in, p, n, out);
                            }
                            contentLength += n;
                            p = stop;
                            countLine(n);
                            if (stop == end) {
                                continue;
                            }
                        }
                        // in[p] is CR or LF, and out has room for it.
                        byte b = in.get(p++);
                        if (out != null) {
                            out.put(b);
                        }
                        contentLength++;
                        if (b == CR) {
                            state = AFTER_CR;
                        } else {
                            record(rejectBare, Violation.BARE_LF);
                            countLine(1);
                        }
                        continue;
                    }
                    case AFTER_CR: {
                        if (in.get(p) == LF) {
                            if (out != null) {
                                if (!out.hasRemaining()) {
                                    return DecodeStatus.OVERFLOW;
                                }
                                out.put(LF);
                            }
                            p++;
                            contentLength++;
                            lineLength = 0;
                            state = LINE_START;
                        } else {
                            // The CR already written was bare; what follows is read as text.
                            record(rejectBare, Violation.BARE_CR);
                            countLine(1);
                            state = TEXT;
                        }
                        continue;
                    }
                    case LINE_START: {
                        if (in.get(p) == DOT) {
                            p++; // the transparency dot, or the start of the end (RFC 5321 §4.5.2)
                            state = AFTER_DOT;
                        } else {
                            state = TEXT;
                        }
                        continue;
                    }
                    case AFTER_DOT: {
                        if (in.get(p) == CR) {
                            p++; // held back: it is content only if no LF follows
                            state = AFTER_DOT_CR;
                        } else {
                            state = TEXT;
                        }
                        continue;
                    }
                    case AFTER_DOT_CR: {
                        if (in.get(p) == LF) {
                            p++;
                            state = ENDED;
                            return DecodeStatus.END;
                        }
                        if (out != null) {
                            if (!out.hasRemaining()) {
                                return DecodeStatus.OVERFLOW;
                            }
                            out.put(CR);
                        }
                        contentLength++;
                        record(rejectBare, Violation.BARE_CR);
                        countLine(1);
                        state = TEXT;
                        continue;
                    }
                    default:
                        throw new AssertionError(state);
                }
            }
        } finally {
            in.position(p);
        }
    }

    /**
     * The common case, run straight on the backing arrays: lines that end with CRLF and do not
     * start with a dot. Returns at the first octet that needs the general state machine (a bare
     * CR or LF, a leading dot, a CRLF split between reads) or when either buffer runs out, with
     * {@code state} and {@code out}'s position updated; returns the new input position.
     */
    private int textBetweenArrays(ByteBuffer in, int p, ByteBuffer out) {
        byte[] ia = in.array();
        int io = in.arrayOffset();
        byte[] oa = out.array();
        int oo = out.arrayOffset();
        int i = p + io;
        int ilim = in.limit() + io;
        int o = out.position() + oo;
        int olim = out.limit() + oo;
        while (true) {
            int n = Math.min(olim - o, ilim - i);
            int stop = Octets.indexOfCrOrLf(ia, i, i + n);
            int len = stop - i;
            if (len > 0) {
                System.arraycopy(ia, i, oa, o, len);
                i += len;
                o += len;
                contentLength += len;
                countLine(len);
            }
            if (len == n || ia[i] != CR || i + 1 >= ilim || ia[i + 1] != LF || olim - o < 2) {
                break;
            }
            oa[o++] = CR;
            oa[o++] = LF;
            i += 2;
            contentLength += 2;
            lineLength = 0;
            if (i == ilim || ia[i] == DOT) {
                state = LINE_START;
                break;
            }
        }
        out.position(o - oo);
        return i - io;
    }

    /** Adds content octets to the current line and records it as too long once it must be. */
    private void countLine(int n) {
        if (rejectLongLines && violation == null) {
            lineLength += n;
            // Even a CRLF right now would make the line longer than the limit.
            if (lineLength > maxTextLine - 2) {
                violation = Violation.LINE_TOO_LONG;
                // The octets of this line past the first one over the limit came in the same
                // copy only because of how the input was split: they are not counted.
                violationOffset = contentLength - (lineLength - (maxTextLine - 1));
            }
        }
    }

    private void record(boolean reject, Violation v) {
        if (reject && violation == null) {
            violation = v;
            violationOffset = contentLength;
        }
    }
}
