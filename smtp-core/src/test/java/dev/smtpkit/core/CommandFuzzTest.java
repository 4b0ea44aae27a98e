package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of {@link Command#parse(String, ParseMode, boolean)} on the lines a
 * hostile client can send. The corpus in {@code src/test/resources/dev/smtpkit/core/CommandFuzzTestInputs}
 * is replayed in every build; see SECURITY.md for a longer run.
 *
 * <p>Option bit 0 reads LENIENT, bit 1 allows UTF-8. The wire is decoded as the server decodes a
 * line (UTF-8, malformed octets replaced), so NUL, CR, bare LF and 0x80+ all reach the parser.
 */
class CommandFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void parse(byte[] data) {
        FuzzInput input = FuzzInput.of(data);
        ParseMode mode = input.option(0) ? ParseMode.LENIENT : ParseMode.STRICT;
        boolean utf8 = input.option(1);
        String line = new String(input.wire(), StandardCharsets.UTF_8);
        Command command;
        try {
            command = Command.parse(line, mode, utf8);
        } catch (SmtpSyntaxException e) {
            // A peer's bad line is a reply, never another exception (house rule 5).
            assertThat(e.reply().isFailure()).as("the reply for %s", line).isTrue();
            return;
        }
        byte[] wire = command.encode();
        // What was read formats back as exactly one line: a relay that writes it out again
        // cannot be made to send a second command (command injection through a parsed value).
        assertThat(indexOf(wire, (byte) '\n')).as("the only LF ends %s", command).isEqualTo(wire.length - 1);
        assertThat(indexOf(wire, (byte) '\r')).as("the only CR ends %s", command).isEqualTo(wire.length - 2);
        assertThat(Command.parse(command.toString(), mode, utf8)).isEqualTo(command);
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
