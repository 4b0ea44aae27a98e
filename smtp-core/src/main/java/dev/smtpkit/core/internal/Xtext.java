package dev.smtpkit.core.internal;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpSyntaxException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The xtext encoding of RFC 3461 §4, used by the ENVID, ORCPT and AUTH parameters: every
 * character from {@code !} to {@code ~} except {@code +} and {@code =} stands for itself, any
 * other octet is {@code +} and two upper-case hex digits.
 *
 * <p>Non-ASCII text is encoded as the {@code +XX} of its UTF-8 octets, and decoded octets are
 * read as UTF-8. When decoding, non-ASCII characters are kept as they are, since RFC 6533 §3
 * lets UTF-8 appear in these parameters under SMTPUTF8.
 */
public final class Xtext {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Xtext() {
    }

    /** Encodes text as xtext. */
    public static String encode(String text) {
        Objects.requireNonNull(text, "text");
        if (!isWellFormed(text)) {
            throw new IllegalArgumentException("text is not well-formed Unicode");
        }
        StringBuilder sb = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= '!' && c <= '~' && c != '+' && c != '=') {
                sb.append((char) c);
            } else {
                sb.append('+').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }

    /**
     * Decodes xtext.
     *
     * @throws SmtpSyntaxException with {@link Replies#PARAMETER_SYNTAX} for a space, control,
     *                             {@code =}, or a {@code +} not followed by two upper-case hex digits
     */
    public static String decode(String xtext) {
        Objects.requireNonNull(xtext, "xtext");
        if (!isWellFormed(xtext)) {
            throw bad("xtext is not well-formed Unicode", xtext);
        }
        if (xtext.indexOf('+') < 0) {
            check(xtext);
            return xtext;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length() || hex(xtext.charAt(i + 1)) < 0 || hex(xtext.charAt(i + 2)) < 0) {
                    throw bad("'+' must be followed by two upper-case hex digits (RFC 3461 §4)", xtext);
                }
                out.write(hex(xtext.charAt(i + 1)) * 16 + hex(xtext.charAt(i + 2)));
                i += 2;
            } else if (c < 0x80) {
                check(String.valueOf(c));
                out.write(c);
            } else {
                int end = i + 1;
                if (Character.isHighSurrogate(c) && end < xtext.length()) {
                    end++;
                }
                byte[] bytes = xtext.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i = end - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw bad("xtext does not decode to UTF-8", xtext);
        }
    }

    private static void check(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80 && (c < '!' || c > '~' || c == '=')) {
                throw bad("character not allowed in xtext (RFC 3461 §4)", s);
            }
        }
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static SmtpSyntaxException bad(String what, String text) {
        return new SmtpSyntaxException(Replies.PARAMETER_SYNTAX, what + ": " + Printable.escape(text));
    }

    /** Whether every surrogate is part of a pair, so that the text has a UTF-8 form. */
    static boolean isWellFormed(String text) {
        return StandardCharsets.UTF_8.newEncoder().canEncode(text);
    }
}
