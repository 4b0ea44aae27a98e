package dev.smtpkit.core;

import java.util.Optional;

/**
 * An enhanced mail system status code, {@code class.subject.detail} (RFC 3463 §2), as carried at
 * the start of reply text when the server offers ENHANCEDSTATUSCODES (RFC 2034 §4).
 *
 * <p>Only the canonical form is read: a number with a leading zero such as {@code 5.01.1} is
 * refused, because accepting it would give two wire texts for one value; in a reply such text is
 * simply kept as text.
 *
 * @param statusClass 2 (success), 4 (persistent transient failure) or 5 (permanent failure)
 * @param subject     0 to 999
 * @param detail      0 to 999
 */
public record EnhancedStatus(int statusClass, int subject, int detail) {

    /** Checks the ranges of RFC 3463 §2. */
    public EnhancedStatus {
        if (statusClass != 2 && statusClass != 4 && statusClass != 5) {
            throw new IllegalArgumentException("enhanced status class must be 2, 4 or 5 (RFC 3463 §2): " + statusClass);
        }
        if (subject < 0 || subject > 999) {
            throw new IllegalArgumentException("enhanced status subject must be 0 to 999 (RFC 3463 §2): " + subject);
        }
        if (detail < 0 || detail > 999) {
            throw new IllegalArgumentException("enhanced status detail must be 0 to 999 (RFC 3463 §2): " + detail);
        }
    }

    /** Returns the status {@code statusClass.subject.detail}. */
    public static EnhancedStatus of(int statusClass, int subject, int detail) {
        return new EnhancedStatus(statusClass, subject, detail);
    }

    /**
     * Parses exactly one status such as {@code 5.1.1}.
     *
     * @throws IllegalArgumentException if the text is not a status in canonical form
     */
    public static EnhancedStatus parse(String text) {
        java.util.Objects.requireNonNull(text, "text");
        int end = scan(text);
        if (end != text.length()) {
            throw new IllegalArgumentException("not an enhanced status code (RFC 3463 §2): " + text);
        }
        return build(text, end);
    }

    /**
     * Reads a status at the start of reply text: it must be followed by a space or end the text,
     * so that {@code "2.0.0 OK"} and {@code "2.0.0"} have one and {@code "2.0.0x"} has none.
     */
    public static Optional<EnhancedStatus> parsePrefix(String text) {
        java.util.Objects.requireNonNull(text, "text");
        int end = scan(text);
        if (end < 0 || (end < text.length() && text.charAt(end) != ' ')) {
            return Optional.empty();
        }
        return Optional.of(build(text, end));
    }

    /** Returns the index after a canonical status at the start of text, or -1. */
    private static int scan(String s) {
        if (s.length() < 5) {
            return -1;
        }
        char c = s.charAt(0);
        if ((c != '2' && c != '4' && c != '5') || s.charAt(1) != '.') {
            return -1;
        }
        int i = number(s, 2);
        if (i < 0 || i >= s.length() || s.charAt(i) != '.') {
            return -1;
        }
        return number(s, i + 1);
    }

    /** Scans 1 to 3 digits without a leading zero; returns the index after them, or -1. */
    private static int number(String s, int from) {
        int i = from;
        while (i < s.length() && i - from < 4 && Grammar.isDigit(s.charAt(i))) {
            i++;
        }
        int n = i - from;
        if (n == 0 || n > 3 || (n > 1 && s.charAt(from) == '0')) {
            return -1;
        }
        return i;
    }

    private static EnhancedStatus build(String s, int end) {
        int dot2 = s.indexOf('.', 2);
        return new EnhancedStatus(s.charAt(0) - '0',
                Integer.parseInt(s, 2, dot2, 10), Integer.parseInt(s, dot2 + 1, end, 10));
    }

    /** Returns the wire form, {@code 5.1.1}. */
    @Override
    public String toString() {
        return statusClass + "." + subject + "." + detail;
    }
}
