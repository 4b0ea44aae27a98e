package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The command as a process of its own, stopped by a real SIGTERM as a service manager or
 * {@code kill} stops it: an idle client is told 421 4.3.2 (RFC 5321 §3.8) and the process exits
 * well within the shutdown grace period.
 */
class SignalTest {

    private static final Duration WAIT = CommandProcess.WAIT;

    @Test
    @DisplayName("RFC 5321 §3.8: SIGTERM to `smtpkit sink` says 421 4.3.2 to an idle client and exits within the grace period")
    void sigtermDrainsAndExits() throws Exception {
        try (CommandProcess command = CommandProcess.start(List.of(), "sink", "--port", "0")) {
            Process p = command.process;
            int port = command.port(Pattern.compile("sinking mail on [0-9.]+:(\\d+)"));
            assertThat(port).as("the start line with the port").isPositive();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout((int) WAIT.toMillis());
                BufferedReader replies = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(replies.readLine()).startsWith("220 ");
                long start = System.nanoTime();
                // Process.destroy() is SIGTERM on Linux, as `kill PID`.
                p.destroy();
                assertThat(replies.readLine()).startsWith("421 4.3.2");
                assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(ServerOptions.SHUTDOWN_GRACE);
                // A JVM stopped by SIGTERM after its shutdown hooks ran exits with 128 + 15.
                assertThat(p.exitValue()).isEqualTo(143);
            }
        }
    }
}
