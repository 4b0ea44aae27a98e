package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CliFailureTest {

    @Test
    @DisplayName("issue 17: a file error names the file and the reason, not the file alone")
    void fileErrorsNameTheReason() {
        assertThat(CliFailure.describe(new NoSuchFileException("/x/y.txt"))).isEqualTo("/x/y.txt: no such file or directory");
        assertThat(CliFailure.describe(new UncheckedIOException("cannot write conversation /x/y.txt",
                new AccessDeniedException("/x/y.txt")))).isEqualTo("cannot write conversation /x/y.txt: /x/y.txt: permission denied");
    }

    @Test
    void controlCharactersInAMessageAreEscaped() {
        assertThat(CliFailure.describe(new IllegalArgumentException("bad\r\nline\u001b[2J"))).isEqualTo("bad\\r\\nline\\x1B[2J");
    }

    @Test
    @DisplayName("issue 17: play names why it cannot read a script")
    void playNamesWhyItCannotRead() throws Exception {
        Cli c = Cli.run("play", "no-such-script.txt", "--to", "127.0.0.1:25");
        c.assertOneLineError(2, "cannot read no-such-script.txt: no such file or directory");
    }
}
