package dev.smtpkit.testkit;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.SmtpSyntaxException;
import dev.smtpkit.core.Verb;
import java.util.Objects;
import java.util.Optional;

/**
 * A line a client sent outside message data, as a {@link ScriptedServer} received it.
 *
 * @param connection the 1-based connection it came on
 * @param line       the line as sent, without its line end
 */
public record RecordedCommand(int connection, String line) {

    /** Checks for null. */
    public RecordedCommand {
        Objects.requireNonNull(line, "line");
    }

    /** Returns the verb of the line's first word, ignoring case (RFC 5321 §2.4). */
    public Verb verb() {
        int sp = line.indexOf(' ');
        return Verb.lookup(sp < 0 ? line : line.substring(0, sp));
    }

    /**
     * Returns the command read leniently (what Postfix accepts with
     * {@code strict_rfc821_envelopes = no}, and UTF-8), or empty if even that fails, as a line
     * from a client under test may well do.
     */
    public Optional<Command> command() {
        try {
            return Optional.of(Command.parse(line, ParseMode.LENIENT, true));
        } catch (SmtpSyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Returns the line. */
    @Override
    public String toString() {
        return line;
    }
}
