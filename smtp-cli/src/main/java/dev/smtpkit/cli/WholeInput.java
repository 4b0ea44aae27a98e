package dev.smtpkit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads what a command takes whole (a file, or standard input), within a bound, so that input
 * too large for the heap is a usage error that says what to do, not an {@code OutOfMemoryError}:
 * a 200 MB file did that to {@code explain} at {@code -Xmx256m}, and a file past 2 GiB does it at
 * any heap, a Java array being no longer.
 */
final class WholeInput {

    /** The longest array the JVM makes. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private WholeInput() {
    }

    /** An eighth of the heap: decoding the input and splitting it into lines takes several times its size. */
    static long max() {
        return Math.min(MAX_ARRAY, Runtime.getRuntime().maxMemory() / 8);
    }

    /** The file's octets, if there are at most {@code max}. */
    static byte[] file(Path file, long max) throws IOException {
        checkSize(file, max);
        // Read with the same bound: the file may grow meanwhile.
        try (InputStream in = Files.newInputStream(file)) {
            return stream(file.toString(), in, max);
        }
    }

    /** Fails as {@link #file} does for a file larger than {@code max}, for a reader of its own. */
    static void checkSize(Path file, long max) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw CliFailure.usage("cannot read " + file + ": " + CliFailure.describe(e));
        }
        if (size > max) {
            throw tooLarge(file + " holds " + size + " octets", max);
        }
    }

    /** The stream's octets to its end, if there are at most {@code max}. */
    static byte[] stream(String name, InputStream in, long max) throws IOException {
        byte[] octets = in.readNBytes((int) Math.min(max + 1, MAX_ARRAY));
        if (octets.length > max) {
            throw tooLarge(name + " holds more than " + max + " octets", max);
        }
        return octets;
    }

    private static CliFailure tooLarge(String what, long max) {
        return CliFailure.usage(what + "; the command reads its input whole and takes at most " + max
                + " (an eighth of the JVM's heap): give the JVM more (JAVA_OPTS=-Xmx4g ./smtpkit ...) or less input");
    }
}
