package dev.smtpkit.testkit;

import java.util.Objects;
import org.opentest4j.AssertionFailedError;

/**
 * A conversation left its script. It is an opentest4j {@link AssertionFailedError}, with the
 * script's line as the expected value and what came as the actual one, because a test framework
 * should show it as a failed expectation (an IDE as a diff), not as an error of the test's own code.
 */
public final class ScriptMismatchException extends AssertionFailedError {

    private final transient ScriptMismatch mismatch;

    /** An exception whose message is the mismatch's {@link ScriptMismatch#report() report}. */
    public ScriptMismatchException(ScriptMismatch mismatch) {
        super(Objects.requireNonNull(mismatch, "mismatch").report(), mismatch.expected(), mismatch.actual());
        this.mismatch = mismatch;
    }

    /** Returns the mismatch. */
    public ScriptMismatch mismatch() {
        return mismatch;
    }
}
