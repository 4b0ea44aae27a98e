package dev.smtpkit.benchmarks.servers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * What every JVM server under test shares: its one argument is the port, it prints
 * {@code READY} once it listens, and answers {@code alloc} on standard input with the bytes its
 * live threads allocated so far, so the harness can work out the allocation per message. The
 * harness stops it by its process id.
 */
final class ServerMain {

    private ServerMain() {
    }

    static int port(String[] args) {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: <main class> PORT");
        }
        return Integer.parseInt(args[0]);
    }

    /** Tells the harness the server listens, then serves its questions until it is killed. */
    static void ready() throws IOException {
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.equals("alloc")) {
                System.out.println("alloc " + allocatedBytes());
                System.out.flush();
            }
        }
        // Standard input closed: the harness is gone; stay up until it kills us, as a server would.
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Bytes allocated by the threads alive now. Threads that ended are not counted, so the
     * harness asks only around runs whose connections (and their threads) stay open.
     */
    static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long n : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            if (n > 0) {
                total += n;
            }
        }
        return total;
    }

    /** Reads a message to its end and drops it, with a buffer the caller keeps per connection. */
    static long discard(InputStream content, byte[] buffer) throws IOException {
        long total = 0;
        for (int n = content.read(buffer); n >= 0; n = content.read(buffer)) {
            total += n;
        }
        return total;
    }
}
