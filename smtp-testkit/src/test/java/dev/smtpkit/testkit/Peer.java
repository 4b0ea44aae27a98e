package dev.smtpkit.testkit;

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
 * Runs a real SMTP peer for the testkit's interoperability tests, as smtp-server's {@code Peers}
 * does for its own (test classes are not shared between modules): a missing tool skips the test
 * on a developer's machine and fails it in CI, where {@code .ci/run} installs every one.
 */
final class Peer {

    private Peer() {
    }

    /** The result of one run: exit code and everything the process printed. */
    record Run(int exitCode, String output) {
    }

    /** Fails (in CI) or skips (elsewhere) unless the executable exists. */
    static void require(String executable) {
        boolean present = Files.isExecutable(Path.of(executable));
        if (!present && System.getenv("CI") != null) {
            fail(executable + " is missing but CI is set; the interop tests must run in CI");
        }
        assumeTrue(present, executable + " is missing; install it to run this interop test");
    }

    /** Runs a process bounded by {@code timeout}, its output read to a file so it can never block it. */
    static Run run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("peer", ".out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }
}
