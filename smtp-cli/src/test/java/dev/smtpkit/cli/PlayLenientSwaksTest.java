package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.testkit.MailSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's replay: a recording {@code smtpkit proxy} makes of swaks replays against swaks'
 * next run, which writes a new Date and Message-Id, with {@code play --serve --lenient}.
 */
class PlayLenientSwaksTest {

    private static final String SWAKS = "/usr/bin/swaks";

    @TempDir
    Path dir;

    private static Peers.Run swaks(int port) throws Exception {
        return Peers.run(Duration.ofSeconds(30), List.of(SWAKS, "--server", "127.0.0.1:" + port, "--helo", "swaks.test",
                "--from", "alice@example.com", "--to", "bob@example.org", "--header", "Subject: replayed",
                "--body", "Hello from swaks", "--timeout", "10"));
    }

    private Path record() throws Exception {
        Path record = dir.resolve("swaks.txt");
        try (MailSink sink = MailSink.builder().server(s -> s.hostname("mx.test")).start();
             Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + sink.port(), "--record", record.toString())) {
            int port = proxy.port();
            proxy.awaitOut("recording to ");
            Peers.Run run = swaks(port);
            assertThat(run.exitCode()).as(run.output()).isZero();
            proxy.awaitOut("connection 1 recorded to");
            assertThat(proxy.stop()).isZero();
        }
        Path recorded = dir.resolve("swaks-1.txt");
        assertThat(Files.readString(recorded)).contains("C: Message-Id: <", "C: Date: ", "C: .", "S: 221");
        return recorded;
    }

    @Test
    @DisplayName("a proxy recording of swaks replays with play --lenient against swaks again, and fails without it")
    void recordingReplaysAgainstSwaks() throws Exception {
        Peers.require(SWAKS, "apt-get install swaks");
        Path recorded = record();

        try (Cli server = Cli.start("play", recorded.toString(), "--serve", "--port", "0", "--lenient")) {
            Peers.Run run = swaks(server.port());
            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(server.exitCode()).as(server.toString()).isZero();
            assertThat(server.out()).contains("PASS swaks-1.txt with client 1");
        }
        try (Cli server = Cli.start("play", recorded.toString(), "--serve", "--port", "0")) {
            int port = server.port();
            Peers.Run run = swaks(port);
            assertThat(run.exitCode()).as("swaks sees the 421 of the mismatch").isNotZero();
            assertThat(server.exitCode()).as(server.toString()).isEqualTo(1);
            assertThat(server.out()).contains("FAIL swaks-1.txt with client 1").containsPattern("expected: C: (Date|Message-Id)");
        }
    }

    @Test
    @DisplayName("--lenient and --placeholders are for --serve")
    void lenientNeedsServe() throws Exception {
        Path script = dir.resolve("s.txt");
        Files.writeString(script, "S: 220 mx\nC: QUIT\nS: 221 bye\n");
        Cli.run("play", script.toString(), "--to", "127.0.0.1:25", "--lenient").assertOneLineError(2, "use it with --serve");
    }
}
