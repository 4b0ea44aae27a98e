package dev.smtpkit.testkit;

import dev.smtpkit.testkit.explain.Explanation;
import dev.smtpkit.testkit.explain.Finding;
import dev.smtpkit.testkit.explain.Line;
import dev.smtpkit.testkit.explain.Line.Side;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.opentest4j.AssertionFailedError;

/**
 * How playing one side of a script over one connection went: what was said, and where it left
 * the script if it did. {@link ScriptedClient#run} returns one; a {@link ScriptedServer} reports
 * one per connection through {@link ScriptedServer#takeResult}.
 *
 * @param connection the 1-based number of the connection on its player
 * @param transcript what was actually said, in script form, up to the end or the mismatch
 * @param mismatch   the first divergence from the script, if there was one
 */
public record PlayResult(int connection, Conversation transcript, Optional<Mismatch> mismatch) {

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
     * @throws AssertionFailedError with the {@link Mismatch#report() report} of the first
     *                              divergence otherwise, the script's line as the expected value
     *                              and what came as the actual one, so that a test framework shows
     *                              it as a failed expectation (an IDE as a diff), not as an error
     *                              of the test's own code
     */
    public Conversation orThrow() {
        if (mismatch.isPresent()) {
            Mismatch m = mismatch.get();
            throw new AssertionFailedError(m.report(), m.expected(), m.actual());
        }
        return transcript;
    }

    /**
     * The first point where a conversation left its script, with what a reader needs to see why.
     *
     * @param step       the 1-based step of the script where it happened
     * @param line       the 1-based line within that step (a client write may hold several)
     * @param location   the script file and line, such as {@code "pipelined-transaction.txt:12"},
     *                   when the script was read from a file
     * @param expected   the script line that was due, such as {@code "S: 250 OK"}
     * @param actual     what came instead, such as {@code "S: 550 5.1.1 No such user"}, or what
     *                   happened instead, such as {@code "nothing within 5 s"}
     * @param transcript what was actually said up to and including the divergence
     */
    public record Mismatch(int step, int line, Optional<String> location, String expected, String actual,
                           Conversation transcript) {

        /** Checks for nulls and that step and line are positive. */
        public Mismatch {
            if (step < 1 || line < 1) {
                throw new IllegalArgumentException("step and line are 1-based: " + step + ", " + line);
            }
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(actual, "actual");
            Objects.requireNonNull(transcript, "transcript");
        }

        /**
         * Returns a report for a test failure: where, expected, actual, the transcript so far, and
         * what the {@link Explanation} finds in it (a HELO without a name, a proxy's own reply...).
         */
        public String report() {
            StringBuilder sb = new StringBuilder("script mismatch at step ").append(step).append(", line ").append(line);
            location.ifPresent(l -> sb.append(" (").append(l).append(')'));
            sb.append("\n  expected: ").append(expected.replace("\n", "\n            "))
                    .append("\n  actual:   ").append(actual.replace("\n", "\n            "))
                    .append("\n  transcript so far:\n");
            for (String l : transcript.write().split("\n")) {
                if (!l.isEmpty()) {
                    sb.append("    ").append(l).append('\n');
                }
            }
            findings(sb);
            return sb.toString();
        }

        /**
         * What the explainer makes of the transcript so far. It ends where the script was left, not
         * where the client closed, so a missing QUIT is no finding here.
         */
        private void findings(StringBuilder sb) {
            Explanation.Live live = Explanation.live();
            Line.all(transcript).forEach(live::add);
            live.end();
            Explanation e = live.explanation();
            List<Finding> findings = e.findings().stream().filter(f -> !f.id().equals("close-without-quit")).toList();
            if (findings.isEmpty()) {
                return;
            }
            sb.append("  what the transcript shows:\n");
            for (Finding f : findings) {
                Line l = e.lines().get(f.line() - 1);
                sb.append("    ").append(f.severity().label()).append(' ').append(f.id()).append(" at \"")
                        .append(l.side() == Side.CLIENT ? "C: " : "S: ").append(e.display(f.line())).append("\": ")
                        .append(f.message()).append(" (").append(f.reference()).append(")\n");
            }
        }

        /** Returns {@link #report()}. */
        @Override
        public String toString() {
            return report();
        }
    }
}
