package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import java.util.Objects;

/**
 * How closely a player holds the peer's replies to the script.
 *
 * <p>Reply text in a script is what one particular server said, so by default only what a client
 * acts on is compared: the code (RFC 5321 §4.2.1) and, when both the script and the actual reply
 * carry one, the enhanced status code (RFC 3463). Client lines are compared the same way in both
 * modes: the verb ignoring case (RFC 5321 §2.4), everything else exactly.
 */
public enum Strictness {
    /** The code, and the enhanced status when both replies carry one; the default. */
    CODES,
    /** The code, the enhanced status (present in both or in neither) and every line of text. */
    STRICT;

    /** Returns whether {@code actual} satisfies {@code expected} under this strictness. */
    public boolean matches(Reply expected, Reply actual) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(actual, "actual");
        if (expected.code() != actual.code()) {
            return false;
        }
        if (this == STRICT) {
            return expected.status().equals(actual.status()) && expected.lines().equals(actual.lines());
        }
        return expected.status().isEmpty() || actual.status().isEmpty()
                || expected.status().equals(actual.status());
    }
}
