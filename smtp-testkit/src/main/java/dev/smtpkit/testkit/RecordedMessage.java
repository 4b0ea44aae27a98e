package dev.smtpkit.testkit;

import java.util.List;
import java.util.Objects;

/**
 * Message data a client sent after a 354 reply, as a {@link ScriptedServer} received it.
 *
 * @param connection the 1-based connection it came on
 * @param lines      the lines as on the wire, still dot-stuffed, without the final {@code .}
 */
public record RecordedMessage(int connection, List<String> lines) {

    /** Copies the lines. */
    public RecordedMessage {
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
    }

    /**
     * Returns the content with the dot-stuffing undone (RFC 5321 §4.5.2) and every line ended by
     * CRLF.
     */
    public String content() {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        return sb.toString();
    }
}
