package dev.smtpkit.testkit.internal;

import dev.smtpkit.testkit.explain.Line;
import dev.smtpkit.testkit.explain.Line.Side;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Cuts one direction of a connection's bytes into {@link Line lines} as they arrive, keeping how
 * each line really ended: CRLF, a bare LF, or (at {@link #finish}) none. A CR that is not
 * followed by LF stays in the line, so that an explanation can report it. For a capture, a
 * recording or a live relay, which all see bytes, not lines: {@code Explanation.Live} and the
 * command line's capture reader use it; a test author feeds bytes to a live explanation instead.
 *
 * <p>A line longer than {@link #MAX_LINE} octets is handed on in pieces of that size, without an
 * ending, so that a peer that never sends LF cannot make it hold unbounded memory. Not
 * thread-safe.
 */
public final class LineAssembler {

    /** Far above every SMTP limit (RFC 5321 §4.5.3.1), so a piece is only ever cut from a broken line. */
    public static final int MAX_LINE = 64 * 1024;

    private final Side side;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    /** An assembler for the bytes one side sends. */
    public LineAssembler(Side side) {
        this.side = Objects.requireNonNull(side, "side");
    }

    /**
     * Takes the next bytes and returns the lines they complete, each marked with {@code at}, the
     * time the bytes were seen, when known.
     */
    public List<Line> feed(byte[] bytes, int offset, int length, Optional<Duration> at) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(at, "at");
        Objects.checkFromIndexSize(offset, length, bytes.length);
        List<Line> out = new ArrayList<>();
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                out.add(take(true, at));
            } else {
                line.write(b);
                if (line.size() >= MAX_LINE) {
                    out.add(take(false, at));
                }
            }
        }
        return out;
    }

    /** Returns the line the connection closed in the middle of, if any, without an ending. */
    public Optional<Line> finish(Optional<Duration> at) {
        Objects.requireNonNull(at, "at");
        return line.size() == 0 ? Optional.empty() : Optional.of(take(false, at));
    }

    private Line take(boolean lf, Optional<Duration> at) {
        byte[] raw = line.toByteArray();
        line.reset();
        int n = raw.length;
        Line.Ending ending = Line.Ending.NONE;
        if (lf) {
            ending = n > 0 && raw[n - 1] == '\r' ? Line.Ending.CRLF : Line.Ending.LF;
            if (ending == Line.Ending.CRLF) {
                n--;
            }
        }
        return new Line(side, new String(raw, 0, n, StandardCharsets.UTF_8), ending, n, at);
    }
}
