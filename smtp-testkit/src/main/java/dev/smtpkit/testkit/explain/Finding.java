package dev.smtpkit.testkit.explain;

import java.util.List;
import java.util.Objects;

/**
 * One thing the {@link Explainer} found in a conversation.
 *
 * @param check     what was found; {@link #id()} is its stable id
 * @param severity  how much it matters here
 * @param lines     the 1-based numbers of the lines it is about, in order, at least one; the
 *                  first is the line it is shown beside
 * @param reference the RFC section or other source, such as {@code RFC 5321 §4.1.1.5}
 * @param message   one plain sentence saying what it means
 */
public record Finding(Check check, Severity severity, List<Integer> lines, String reference, String message) {

    /** Checks for nulls, that there is a line and that every line number is positive. */
    public Finding {
        Objects.requireNonNull(check, "check");
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
        return new Finding(check, check.severity(), List.of(lines), check.reference(), message);
    }

    /** Returns the stable id, such as {@code rset-probe}. */
    public String id() {
        return check.id();
    }

    /** Returns the line the finding is shown beside: the first of {@link #lines()}. */
    public int line() {
        return lines.get(0);
    }

    /** Returns {@code line 12: warning helo-without-domain: message (RFC 5321 §4.1.1.1)}. */
    @Override
    public String toString() {
        return "line " + line() + ": " + severity.label() + " " + id() + ": " + message + " (" + reference + ")";
    }
}
