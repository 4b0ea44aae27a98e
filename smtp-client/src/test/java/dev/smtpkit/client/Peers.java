package dev.smtpkit.client;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real SMTP peers for interop tests, run as processes. A missing peer skips the test on a
 * developer's machine but fails it in CI (environment variable {@code CI} set), so that CI never
 * passes by running nothing.
 */
final class Peers {

    static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");
    /** Debian's Python, which has python3-aiosmtpd; a python3 earlier on PATH may not. */
    static final Path PYTHON = Path.of("/usr/bin/python3");

    private Peers() {
    }

    static void require(Path executable, String why) {
        boolean present = Files.isExecutable(executable);
        if (!present && System.getenv("CI") != null) {
            fail(executable + " is missing, and CI must run the " + why + " interop tests");
        }
        assumeTrue(present, executable + " not installed: skipping the " + why + " interop tests");
    }

    static void requireAiosmtpd() throws Exception {
        require(PYTHON, "aiosmtpd");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import aiosmtpd").redirectErrorStream(true).start();
        boolean ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!ok && System.getenv("CI") != null) {
            fail("aiosmtpd is not importable by " + PYTHON + ", and CI must run the aiosmtpd interop tests");
        }
        assumeTrue(ok, "aiosmtpd not installed for " + PYTHON);
    }

    /** A port that was free a moment ago: bound to 0 and closed, for a peer that must be told its port. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts a peer with its output in {@code log}; waits until it accepts connections on {@code port}. */
    static Process start(List<String> command, Path log, int port) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError(command + " exited: " + Files.readString(log));
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException | Error e) {
            stop(p);
            throw e;
        }
        return p;
    }

    /** Stops the peer by its PID: SIGTERM, then SIGKILL if it lingers. */
    static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
