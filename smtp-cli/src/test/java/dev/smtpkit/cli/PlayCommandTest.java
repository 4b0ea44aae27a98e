package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlayCommandTest {

    static final String SCRIPT = """
            # expect: one message to one recipient
            S: 220 test.example ESMTP
            C: EHLO client.example
            S: 250-test.example
            S: 250 PIPELINING
            C: MAIL FROM:<a@example.com>
            S: 250 2.1.0 OK
            C: RCPT TO:<b@example.org>
            S: 250 2.1.5 OK
            C: DATA
            S: 354 go ahead
            C: Subject: hi
            C:
            C: body
            C: .
            S: 250 2.0.0 OK
            C: QUIT
            S: 221 2.0.0 bye
            """;

    @TempDir
    Path dir;

    @Test
    void bothSidesOfAScriptPassAgainstEachOther() throws Exception {
        Path script = Files.writeString(dir.resolve("typical.txt"), SCRIPT);
        try (Cli server = Cli.start("play", script.toString(), "--serve", "--port", "0")) {
            int port = server.port();
            Cli client = Cli.run("play", script.toString(), "--to", "127.0.0.1:" + port);
            assertThat(client.exitCode()).as(client.toString()).isZero();
            assertThat(client.out()).isEqualTo("PASS typical.txt against 127.0.0.1:" + port + ": 13 steps as scripted\n");
            assertThat(server.exitCode()).as(server.toString()).isZero();
            assertThat(server.out()).contains("PASS typical.txt with client 1");
        }
    }

    @Test
    void aMismatchFailsBothSidesWithAReadableReport() throws Exception {
        Path expected = Files.writeString(dir.resolve("expected.txt"), SCRIPT);
        Path other = Files.writeString(dir.resolve("other.txt"), SCRIPT.replace("RCPT TO:<b@example.org>", "RCPT TO:<c@example.org>"));
        try (Cli server = Cli.start("play", expected.toString(), "--serve", "--port", "0")) {
            int port = server.port();
            Cli client = Cli.run("play", other.toString(), "--to", "127.0.0.1:" + port);
            assertThat(client.exitCode()).as(client.toString()).isEqualTo(1);
            assertThat(client.out()).startsWith("FAIL other.txt against 127.0.0.1:" + port + ": script mismatch at step")
                    .contains("expected: S: 250", "actual:   S: 421");
            assertThat(server.exitCode()).as(server.toString()).isEqualTo(1);
            assertThat(server.out()).contains("FAIL expected.txt with client 1: script mismatch at step 6",
                    "expected: C: RCPT TO:<b@example.org>", "actual:   C: RCPT TO:<c@example.org>");
        }
    }

    @Test
    void aScriptThatCannotBeReadIsAUsageErrorNamingTheLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.txt"), "S: 220 ok\nX: what\n");
        Cli c = Cli.run("play", bad.toString(), "--to", "127.0.0.1:25");
        c.assertOneLineError(2, "bad.txt");
    }

    @Test
    void needsExactlyOneSide() throws Exception {
        Path script = Files.writeString(dir.resolve("s.txt"), SCRIPT);
        Cli none = Cli.run("play", script.toString());
        none.assertOneLineError(2, "smtpkit play: Error: Missing required argument");
        Cli both = Cli.run("play", script.toString(), "--to", "127.0.0.1:25", "--serve");
        both.assertOneLineError(2, "mutually exclusive");
    }
}
