package dev.smtpkit.testkit;

import java.util.Objects;

/**
 * A conversation left its script. It is an {@link AssertionError} because a test framework
 * should show it as a failed expectation, not as an error of the test's own code.
 */
public final class ScriptMismatchException extends AssertionError {

    private final transient ScriptMismatch mismatch;

    /** An exception whose message is the mismatch's {@link ScriptMismatch#report() report}. */
    public ScriptMismatchException(ScriptMismatch mismatch) {
        super(Objects.requireNonNull(mismatch, "mismatch").report());
        this.mismatch = mismatch;
    }

    /** Returns the mismatch. */
    public ScriptMismatch mismatch() {
        return mismatch;
    }
}
