package dev.smtpkit.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Text a peer wrote, made safe to print: the one escaping every transcript, log line and
 * recording uses, so that a client cannot forge a log line with CR or LF, nor reach a terminal
 * with an ESC sequence (CWE-117, CWE-150).
 *
 * <p>{@link #escape(CharSequence)} writes a backslash as {@code \\}, CR, LF and TAB as {@code \r},
 * {@code \n} and {@code \t}, the other C0 controls and DEL as {@code \xHH}, and the C1 controls,
 * the line and paragraph separators U+2028 and U+2029 and any lone surrogate as <code>&#92;uHHHH</code>;
 * everything else is kept. Since the backslash itself is escaped, the result reads back exactly
 * with {@link #unescape(String)}.
 *
 * <p>Octets that are not UTF-8 are carried in a {@code String} the way PEP 383 does
 * ("surrogateescape"): {@link #decode(byte[], int, int)} turns each octet of a malformed
 * sequence into the lone surrogate U+DC80 to U+DCFF, {@link #encode(String)} turns it back, and
 * {@link #escape(CharSequence)} prints it as {@code \xHH}, the octet it stands for. So any octets
 * survive the round trip {@code encode(decode(b))}, unlike a decoding that substitutes U+FFFD.
 */
public final class Printable {

    /** The first of the surrogates that stand for one octet 0x80 to 0xFF (PEP 383). */
    private static final char ESCAPED_OCTET = '\uDC00';
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** What stands for a secret in a transcript. */
    public static final String REDACTED = "<redacted>";

    private Printable() {
    }

    /** Returns {@code text} with backslashes and control characters escaped; see the class comment. */
    public static String escape(CharSequence text) {
        Objects.requireNonNull(text, "text");
        int i = 0;
        int n = text.length();
        while (i < n && !needsEscape(text, i)) {
            i++;
        }
        if (i == n) {
            return text.toString();
        }
        StringBuilder sb = new StringBuilder(n + 16).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (!needsEscape(text, i)) {
                sb.append(c);
            } else if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7F) {
                hex(sb.append("\\x"), c, 2);
            } else if (c >= 0xDC80 && c <= 0xDCFF) {
                hex(sb.append("\\x"), c - ESCAPED_OCTET, 2);
            } else {
                hex(sb.append("\\u"), c, 4);
            }
        }
        return sb.toString();
    }

    /** Returns {@code octets} decoded as by {@link #decode(byte[], int, int)} and escaped. */
    public static String escape(byte[] octets) {
        return escape(decode(octets, 0, octets.length));
    }

    /** Returns whether {@link #escape(CharSequence)} would change {@code text} other than by doubling a backslash. */
    public static boolean hasControl(CharSequence text) {
        Objects.requireNonNull(text, "text");
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) != '\\' && needsEscape(text, i)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns a duration as a person writes it, not in ISO-8601 ({@code PT3S}): {@code 250 ms},
     * {@code 3 s}, {@code 1.5 s}, {@code 2 min}, {@code 2 min 30 s}, {@code 1 h 5 min}.
     */
    public static String duration(java.time.Duration d) {
        Objects.requireNonNull(d, "d");
        if (d.isNegative()) {
            return "-" + duration(d.negated());
        }
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis == 0 && !d.isZero() ? d.toNanos() / 1000 + " µs" : millis + " ms";
        }
        if (millis < 60_000) {
            return millis % 1000 == 0 ? millis / 1000 + " s"
                    : String.format(java.util.Locale.ROOT, "%.3f", millis / 1000.0).replaceAll("0+$", "") + " s";
        }
        long seconds = d.toSeconds();
        if (seconds < 3600) {
            return seconds / 60 + " min" + (seconds % 60 == 0 ? "" : " " + seconds % 60 + " s");
        }
        long minutes = d.toMinutes();
        return minutes / 60 + " h" + (minutes % 60 == 0 ? "" : " " + minutes % 60 + " min");
    }

    /**
     * Hides the initial response of an AUTH command (RFC 4954 §4), leaving {@code AUTH} and the
     * mechanism: {@code AUTH PLAIN <redacted>}; any other line is returned as it is. The verb is
     * found as leniently as any parser might take it: after leading blanks, in any case, followed
     * by any run of spaces, tabs or other controls; so a line that a strict parse refuses is
     * redacted too. The lines of the exchange after the command (RFC 4954 §4) are the caller's to
     * redact whole, as only the session knows they are part of one.
     */
    public static String redactAuth(String line) {
        Objects.requireNonNull(line, "line");
        int i = skipBlanks(line, 0);
        int verbEnd = skipWord(line, i);
        if (verbEnd - i != 4 || !line.regionMatches(true, i, "AUTH", 0, 4)) {
            return line;
        }
        int mechanismEnd = skipWord(line, skipBlanks(line, verbEnd));
        return skipBlanks(line, mechanismEnd) == line.length() ? line : line.substring(0, mechanismEnd) + " " + REDACTED;
    }

    private static int skipBlanks(String s, int i) {
        while (i < s.length() && s.charAt(i) <= ' ') {
            i++;
        }
        return i;
    }

    private static int skipWord(String s, int i) {
        while (i < s.length() && s.charAt(i) > ' ') {
            i++;
        }
        return i;
    }

    /**
     * Reads what {@link #escape(CharSequence)} wrote: <code>&#92;&#92; &#92;r &#92;n &#92;t &#92;xHH &#92;uHHHH</code>. A
     * {@code \xHH} of 0x80 or above gives the surrogate that {@link #encode(String)} turns into
     * that octet, so an escaped line reads back to the same octets.
     *
     * @throws IllegalArgumentException naming the offset of an unknown or incomplete escape
     */
    public static String unescape(CharSequence text) {
        Objects.requireNonNull(text, "text");
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 == text.length()) {
                throw new IllegalArgumentException("a lone backslash at the end (write \\\\ for a backslash)");
            }
            char e = text.charAt(++i);
            switch (e) {
                case '\\' -> sb.append('\\');
                case 'r' -> sb.append('\r');
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'x' -> {
                    int v = hexValue(text, i + 1, 2);
                    sb.append(v >= 0x80 ? (char) (ESCAPED_OCTET + v) : (char) v);
                    i += 2;
                }
                case 'u' -> {
                    sb.append((char) hexValue(text, i + 1, 4));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + e + " at offset " + (i - 1)
                        + " (known: \\\\ \\r \\n \\t \\xHH \\uHHHH)");
            }
        }
        return sb.toString();
    }

    /**
     * Decodes UTF-8, turning each octet of a malformed sequence into a surrogate U+DC80 to
     * U+DCFF (PEP 383) instead of U+FFFD, so that {@link #encode(String)} gives the octets back.
     */
    public static String decode(byte[] octets, int offset, int length) {
        Objects.requireNonNull(octets, "octets");
        Objects.checkFromIndexSize(offset, length, octets.length);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(octets, offset, length);
        CharBuffer out = CharBuffer.allocate(length);
        while (true) {
            var result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                decoder.flush(out);
                return out.flip().toString();
            }
            if (!result.isError()) {
                throw new IllegalStateException("UTF-8 decodes to at most one char per octet: " + result);
            }
            for (int k = 0; k < result.length(); k++) {
                out.put((char) (ESCAPED_OCTET + (in.get() & 0xFF)));
            }
        }
    }

    /** Encodes as UTF-8, except that a surrogate U+DC80 to U+DCFF becomes the octet it stands for. */
    public static byte[] encode(String text) {
        Objects.requireNonNull(text, "text");
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 8);
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0xDC80 && c <= 0xDCFF && !(i > 0 && Character.isHighSurrogate(text.charAt(i - 1)))) {
                out.writeBytes(text.substring(start, i).getBytes(StandardCharsets.UTF_8));
                out.write(c - ESCAPED_OCTET);
                start = i + 1;
            }
        }
        out.writeBytes(text.substring(start).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static boolean needsEscape(CharSequence text, int i) {
        char c = text.charAt(i);
        if (c == '\\' || c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029') {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
        }
        return false;
    }

    private static void hex(StringBuilder sb, int value, int digits) {
        for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
            sb.append(HEX[(value >> shift) & 0xF]);
        }
    }

    private static int hexValue(CharSequence text, int from, int digits) {
        if (from + digits > text.length()) {
            throw new IllegalArgumentException("incomplete escape at offset " + (from - 2) + ": " + digits + " hex digits expected");
        }
        int v = 0;
        for (int i = from; i < from + digits; i++) {
            int d = Character.digit(text.charAt(i), 16);
            if (d < 0) {
                throw new IllegalArgumentException("not a hex digit at offset " + i + ": " + text.charAt(i));
            }
            v = v * 16 + d;
        }
        return v;
    }
}
