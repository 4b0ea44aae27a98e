package dev.smtpkit.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** What Linux's /proc says about a process, and a free port on 127.0.0.1. */
final class Proc {

    /** Clock ticks per second of utime and stime (USER_HZ), 100 on every Linux we run on. */
    static final long TICKS_PER_SECOND = 100;

    private Proc() {
    }

    /** User plus system CPU time of the process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    static long cpuTicks(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) is in parentheses and may contain spaces: count from after it.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Peak resident set size (VmHWM) in KiB. */
    static long peakRssKib(long pid) {
        return statusKib(pid, "VmHWM:");
    }

    /** Resident set size now (VmRSS) in KiB. */
    static long rssKib(long pid) {
        return statusKib(pid, "VmRSS:");
    }

    private static long statusKib(long pid, String field) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
    }

    /** The 1-minute load average and the runnable/total task counts, to say under what load a number was taken. */
    static String loadAverage() {
        String[] f = read(Path.of("/proc/loadavg")).trim().split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    /** Binds port 0 on 127.0.0.1, closes it, and returns the port the kernel chose. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
