package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.testkit.ScriptedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyCommandTest {

    @TempDir
    Path dir;

    @Test
    void recordsEachConnectionAsAScriptThatPlayReplays() throws Exception {
        Path record = dir.resolve("session.txt");
        try (ScriptedServer server = ScriptedServer.stub();
             Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + server.port(), "--record", record.toString())) {
            int port = proxy.port();
            // The port may be read before the rest of the start line is written: wait for it.
            proxy.awaitOut("recording to " + dir.resolve("session-N.txt"));
            // Without pipelining the client uses DATA, which the line-based proxy records (BDAT it cannot).
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--pipelining", "off", "--subject", "recorded");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            proxy.awaitOut("connection 1 recorded to");
            Path recorded = dir.resolve("session-1.txt");
            assertThat(Files.readString(recorded)).contains("C: MAIL FROM:<a@example.com>", "C: Subject: recorded", "C: .", "S: 221");

            Cli replay = Cli.run("play", recorded.toString(), "--to", "127.0.0.1:" + server.port());
            assertThat(replay.exitCode()).as(replay.toString()).isZero();
            assertThat(replay.out()).startsWith("PASS session-1.txt");
            assertThat(proxy.stop()).isZero();
        }
    }

    @Test
    void withoutRecordPrintsTheScript() throws Exception {
        try (ScriptedServer server = ScriptedServer.stub();
             Cli proxy = Cli.start("proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + server.port())) {
            int port = proxy.port();
            assertThat(CatchCommandTest.talk(port, "HELO me.example", "QUIT")).last().asString().startsWith("221");
            proxy.awaitOut("# connection 1");
            proxy.awaitOut("C: QUIT");
            assertThat(proxy.out()).contains("C: HELO me.example");
        }
    }

    @Test
    void numbersRecordFilesBeforeTheExtension() {
        assertThat(ProxyCommand.numbered(Path.of("d", "session.txt"), 2)).isEqualTo(Path.of("d", "session-2.txt"));
        assertThat(ProxyCommand.numbered(Path.of("session"), 3)).isEqualTo(Path.of("session-3"));
        assertThat(ProxyCommand.numbered(Path.of(".hidden"), 1)).isEqualTo(Path.of(".hidden-1"));
    }

    @Test
    void aTargetWithoutPortIsAUsageError() throws Exception {
        Cli c = Cli.run("proxy", "--listen", "0", "--to", "localhost");
        c.assertOneLineError(2, "smtpkit proxy: --to: expected HOST:PORT");
    }
}
