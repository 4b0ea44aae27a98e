package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SinkCommandTest {

    @Test
    void countsMessagesAndConnectionsAndPrintsTheRate() throws Exception {
        try (Cli sink = Cli.start("sink", "--port", "0", "--interval", "1")) {
            int port = sink.port();
            for (int i = 0; i < 2; i++) {
                Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                        "--count", "5");
                assertThat(send.exitCode()).as(send.toString()).isZero();
            }
            sink.awaitOut("last 1s: ");
            assertThat(sink.stop()).isZero();
            assertThat(sink.out()).containsPattern("last 1s: \\d+ messages \\([0-9.]+/s\\), [0-9.]+ MB \\([0-9.]+ MB/s\\), \\d+ connections")
                    .containsPattern("total: 10 messages \\([0-9.]+/s\\), 0\\.00 MB \\([0-9.]+ MB/s\\), 2 connections \\(0 open\\)");
        }
    }

    @Test
    void refusesAnIntervalBelowOneSecond() throws Exception {
        try (Cli c = Cli.run("sink", "--port", "0", "--interval", "0")) {
            c.assertOneLineError(2, "smtpkit sink: --interval must be at least 1 second");
        }
    }
}
