package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input a command reads whole: too much of it is a usage error that says what to do, never an OutOfMemoryError. */
class WholeInputTest {

    @TempDir
    Path dir;

    @Test
    void aStreamWithinTheBoundIsReadWhole() throws IOException {
        byte[] ten = "0123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(WholeInput.stream("standard input", new ByteArrayInputStream(ten), 10)).isEqualTo(ten);
    }

    @Test
    void aStreamPastTheBoundIsAUsageError() {
        byte[] eleven = "0123456789a".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> WholeInput.stream("standard input", new ByteArrayInputStream(eleven), 10))
                .isInstanceOfSatisfying(CliFailure.class, f -> assertThat(f.exitCode()).isEqualTo(CliFailure.EXIT_USAGE))
                .hasMessageContaining("standard input holds more than 10 octets")
                .hasMessageContaining("JAVA_OPTS=-Xmx");
    }

    @Test
    @DisplayName("explain, play and send refuse a file larger than an eighth of the heap before reading it (a sparse file here)")
    void commandsRefuseAFileTooLargeForTheHeap() throws Exception {
        Path big = dir.resolve("big.txt");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(WholeInput.max() + 1);
        }
        String holds = big + " holds " + (WholeInput.max() + 1) + " octets";

        Cli explain = Cli.run("explain", big.toString());
        assertThat(explain.exitCode()).as(explain.toString()).isEqualTo(CliFailure.EXIT_USAGE);
        assertThat(explain.err()).contains(holds, "JAVA_OPTS=-Xmx").doesNotContain("OutOfMemoryError");

        Cli play = Cli.run("play", big.toString(), "--to", "127.0.0.1:25");
        assertThat(play.exitCode()).as(play.toString()).isEqualTo(CliFailure.EXIT_USAGE);
        assertThat(play.err()).contains(holds);

        Cli send = Cli.run("send", "--to", "127.0.0.1:25", "--from", "a@example.com", "--rcpt", "b@example.org", big.toString());
        assertThat(send.exitCode()).as(send.toString()).isEqualTo(CliFailure.EXIT_USAGE);
        assertThat(send.err()).contains(holds);
    }
}
