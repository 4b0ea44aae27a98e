package dev.smtpkit.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The process-wide measures the hostile-peer and resource tests compare before and after a
 * flood (heap, threads, descriptors), and their sizes and waits.
 */
final class ProcessMeasures {

    /** How long such a test waits for the server to settle. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private ProcessMeasures() {
    }

    /**
     * The heap in use after garbage collection, in this JVM, where the server runs: what a buffer
     * that grew with the input would hold is still reachable from its connection and counted.
     */
    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        // A few rounds: one collection may leave garbage that the next one frees.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Runtime r = Runtime.getRuntime();
            used = Math.min(used, r.totalMemory() - r.freeMemory());
        }
        return used;
    }

    /** Live threads the server started or named (connection threads, the acceptor). */
    static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(Threads.PREFIX)).count();
    }

    /** Open file descriptors of this process (sockets included), from /proc; -1 where there is no /proc. */
    static long openFileDescriptors() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fds)) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** A size from a system property, for the on-demand full-size runs (see SECURITY.md). */
    static int knob(String name, int ciDefault) {
        return Integer.getInteger(name, ciDefault);
    }
}
