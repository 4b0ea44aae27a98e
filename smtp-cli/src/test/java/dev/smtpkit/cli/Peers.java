package dev.smtpkit.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real programs the CLI tests run beside the tool (swaks, tcpdump): a missing one skips the test
 * on a developer's machine and fails it in CI, where {@code .ci/run} installs every one.
 */
final class Peers {

    private Peers() {
    }

    static void require(String executable, String installHint) {
        boolean present = Files.isExecutable(Path.of(executable));
        if (!present && System.getenv("CI") != null) {
            fail(executable + " is missing but CI is set (" + installHint + ")");
        }
        assumeTrue(present, executable + " is missing; install it to run this test (" + installHint + ")");
    }

    /** How a process ended: its exit code and everything it printed. */
    record Run(int exitCode, String output) {
    }

    /** Runs a process to its end within the timeout, destroyed in any case. */
    static Run run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }
}
