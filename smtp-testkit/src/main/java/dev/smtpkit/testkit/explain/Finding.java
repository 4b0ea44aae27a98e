package dev.smtpkit.testkit.explain;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One thing an {@link Explanation} found in a conversation: what it is (a stable id that tools
 * and CI match on, listed in the README's finding table), how much it matters, the lines it is
 * about, the RFC section it rests on, and one sentence saying what it means.
 *
 * @param id        the stable id, such as {@code rset-probe}
 * @param severity  how much it matters here
 * @param lines     the 1-based numbers of the lines it is about, in order, at least one; the
 *                  first is the line it is shown beside
 * @param reference the RFC section or other source, such as {@code RFC 5321 §4.1.1.5}
 * @param message   one plain sentence saying what it means
 */
public record Finding(String id, Severity severity, List<Integer> lines, String reference, String message) {

    /** How much a finding matters, least first. */
    public enum Severity {
        /** Allowed behaviour worth knowing about when reading the conversation. */
        INFO,
        /** Allowed or common, but a likely cause of trouble with some peers. */
        WARNING,
        /** A breach of the RFC, or something that loses or exposes mail. */
        ERROR;

        /** The lower-case name used in JSON and on the command line: {@code info}, {@code warning}, {@code error}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Checks for nulls, that there is a line and that every line number is positive. */
    public Finding {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(severity, "severity");
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(message, "message");
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a finding is about at least one line");
        }
        for (int line : lines) {
            if (line < 1) {
                throw new IllegalArgumentException("line numbers are 1-based: " + line);
            }
        }
    }

    /** A finding with the check's own severity and reference. */
    static Finding of(Check check, String message, Integer... lines) {
        return of(check, check.severity(), List.of(lines), check.reference(), message);
    }

    /** A finding of the check with the severity and reference this case calls for. */
    static Finding of(Check check, Severity severity, List<Integer> lines, String reference, String message) {
        return new Finding(check.id(), severity, lines, reference, message);
    }

    /** Returns the line the finding is shown beside: the first of {@link #lines()}. */
    public int line() {
        return lines.get(0);
    }

    /** Returns {@code line 12: warning helo-without-domain: message (RFC 5321 §4.1.1.1)}. */
    @Override
    public String toString() {
        return "line " + line() + ": " + severity.label() + " " + id + ": " + message + " (" + reference + ")";
    }
}
