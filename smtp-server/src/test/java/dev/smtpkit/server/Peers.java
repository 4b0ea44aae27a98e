package dev.smtpkit.server;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs real SMTP clients as processes for the interoperability tests. A missing tool skips the
 * test on a developer's machine but fails it in CI, where {@code .ci/run} installs every one.
 */
final class Peers {

    private Peers() {
    }

    /** The result of one run: exit code and everything the process printed. */
    record Run(int exitCode, String output, Duration took) {
    }

    /** Fails (in CI) or skips (elsewhere) unless the executable exists. */
    static void require(String executable, String installHint) {
        boolean present = Files.isExecutable(Path.of(executable));
        if (!present && System.getenv("CI") != null) {
            fail(executable + " is missing but CI is set; the interop tests must run in CI (" + installHint + ")");
        }
        assumeTrue(present, executable + " is missing; install it to run this interop test (" + installHint + ")");
    }

    /** Runs a process with {@code stdin}, bounded by {@code timeout}, destroyed in any case. */
    static Run run(Duration timeout, String stdin, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // Debian's python3 and Perl must not pick up a user's environment (pyenv, PERL5LIB).
        pb.environment().remove("PYTHONPATH");
        pb.environment().remove("PYTHONHOME");
        long start = System.nanoTime();
        Process p = pb.start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), output), "peer-output");
        reader.start();
        try {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                reader.join(1000);
                fail(String.join(" ", command) + " did not finish within " + timeout + "; output:\n"
                        + output.toString(StandardCharsets.UTF_8));
            }
            reader.join(5000);
            return new Run(p.exitValue(), output.toString(StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            p.destroyForcibly();
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // The process was destroyed; what was read is kept.
        }
    }
}
