package dev.smtpkit.testkit;

import java.util.Objects;
import java.util.Optional;

/**
 * How playing one side of a script over one connection went.
 *
 * @param connection the 1-based number of the connection on its player
 * @param transcript what was actually said, in script form, up to the end or the mismatch
 * @param mismatch   the first divergence from the script, if there was one
 */
public record PlayResult(int connection, Conversation transcript, Optional<ScriptMismatch> mismatch) {

    /** Checks for nulls. */
    public PlayResult {
        Objects.requireNonNull(transcript, "transcript");
        Objects.requireNonNull(mismatch, "mismatch");
    }

    /** Returns whether the conversation followed the script to its end. */
    public boolean matched() {
        return mismatch.isEmpty();
    }

    /**
     * Returns the transcript if the conversation followed the script.
     *
     * @throws ScriptMismatchException with the report of the first divergence otherwise
     */
    public Conversation orThrow() {
        if (mismatch.isPresent()) {
            throw new ScriptMismatchException(mismatch.get());
        }
        return transcript;
    }
}
