package dev.smtpkit.benchmarks.clients;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * STARTTLS handshakes as fast as {@code threads} clients can make them, each a full handshake
 * (a peer name of its own, so the client resumes nothing), while one more client on a plain
 * connection sends a small message every 5 ms and times each: what handshakes cost the server in
 * CPU, and what they cost the other clients in waiting. The server's CPU comes from
 * {@code /proc/PID/stat} around the measured period.
 *
 * <pre>TlsLoad PORT SERVER_PID THREADS WARMUP_SECONDS SECONDS</pre>
 */
public final class TlsLoad {

    private static final long TICK_NANOS = 10_000_000L;

    private TlsLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: TlsLoad PORT SERVER_PID THREADS WARMUP_SECONDS SECONDS");
        }
        int port = Integer.parseInt(args[0]);
        long pid = Long.parseLong(args[1]);
        int threads = Integer.parseInt(args[2]);
        long warmup = Long.parseLong(args[3]) * 1_000_000_000L;
        long measured = Long.parseLong(args[4]) * 1_000_000_000L;

        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new TrustingAll()}, new SecureRandom());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong handshakes = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicLong names = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (running.get()) {
                    try {
                        handshake(port, tls, "h" + names.incrementAndGet() + ".bench.test");
                        handshakes.incrementAndGet();
                    } catch (IOException e) {
                        failures.incrementAndGet();
                    }
                }
            }, "tls-client-" + i);
            t.start();
            clients.add(t);
        }
        Probe probe = new Probe(port, running);
        Thread probing = new Thread(probe, "probe");
        probing.start();

        Thread.sleep(warmup / 1_000_000);
        long cpu0 = cpuTicks(pid);
        long done0 = handshakes.get();
        long failed0 = failures.get();
        probe.startMeasuring();
        long t0 = System.nanoTime();
        Thread.sleep(measured / 1_000_000);
        long t1 = System.nanoTime();
        long done = handshakes.get() - done0;
        long failed = failures.get() - failed0;
        long cpu = cpuTicks(pid) - cpu0;
        long[] waits = probe.stopMeasuring();
        running.set(false);
        for (Thread t : clients) {
            t.join();
        }
        probing.join();

        double seconds = (t1 - t0) / 1e9;
        System.out.printf("handshakes %d in %.1f s: %.0f/s, failed %d, server CPU %.0f µs a handshake%n",
                done, seconds, done / seconds, failed, done == 0 ? 0 : cpu * (TICK_NANOS / 1000.0) / done);
        System.out.printf("plain messages meanwhile: %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms a message%n",
                waits.length, percentile(waits, 50), percentile(waits, 99), percentile(waits, 100));
    }

    /** EHLO, STARTTLS, a full handshake, EHLO again over TLS, QUIT. */
    private static void handshake(int port, SSLContext tls, String peerName) throws IOException {
        try (Socket plain = connect(port)) {
            Conversation c = Conversation.greeted(plain, "load.bench.test");
            c.ask("STARTTLS", "220");
            // A name never used before: the client's session cache has nothing to resume.
            try (SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(plain, peerName, port, true)) {
                secure.startHandshake();
                Conversation t = new Conversation(secure);
                t.ask("EHLO load.bench.test", "250");
                t.ask("QUIT", "221");
            }
        }
    }

    /** Command lines and their replies on one connection, each reply's code checked. */
    private static final class Conversation {
        private final BufferedReader in;
        private final OutputStream out;

        Conversation(Socket s) throws IOException {
            s.setSoTimeout(30_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            out = s.getOutputStream();
        }

        /** After the 220 greeting and a 250 to EHLO {@code name}. */
        static Conversation greeted(Socket s, String name) throws IOException {
            Conversation c = new Conversation(s);
            c.expect("220");
            c.ask("EHLO " + name, "250");
            return c;
        }

        void ask(String line, String code) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(code);
        }

        /** Reads one reply, multiline or not, and checks its code. */
        void expect(String code) throws IOException {
            String line;
            do {
                line = in.readLine();
                if (line == null) {
                    throw new IOException("closed while waiting for " + code);
                }
            } while (line.length() > 3 && line.charAt(3) == '-');
            if (!line.startsWith(code)) {
                throw new IOException("expected " + code + ", got " + line);
            }
        }
    }

    /** utime + stime of the process, in clock ticks (10 ms). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) ", utime and stime are the 12th and 13th fields.
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static double percentile(long[] nanos, int p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int i = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    /** One plain client sending a small message every 5 ms (four round trips), timing each while measuring. */
    private static final class Probe implements Runnable {
        private final int port;
        private final AtomicBoolean running;
        private final List<Long> waits = new ArrayList<>();
        private volatile boolean measuring;

        Probe(int port, AtomicBoolean running) {
            this.port = port;
            this.running = running;
        }

        void startMeasuring() {
            measuring = true;
        }

        long[] stopMeasuring() {
            measuring = false;
            synchronized (waits) {
                return waits.stream().mapToLong(Long::longValue).toArray();
            }
        }

        @Override
        public void run() {
            try (Socket s = connect(port)) {
                Conversation c = Conversation.greeted(s, "probe.bench.test");
                while (running.get()) {
                    long t0 = System.nanoTime();
                    c.ask("MAIL FROM:<probe@bench.test>", "250");
                    c.ask("RCPT TO:<sink@bench.test>", "250");
                    c.ask("DATA", "354");
                    c.ask("Subject: probe\r\n\r\nhello\r\n.", "250");
                    long wait = System.nanoTime() - t0;
                    if (measuring) {
                        synchronized (waits) {
                            waits.add(wait);
                        }
                    }
                    Thread.sleep(5);
                }
                c.ask("QUIT", "221");
            } catch (IOException e) {
                System.out.println("probe failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A connection, tried again for up to 5 s: a listen queue that the handshaking clients filled refuses for a moment. */
    private static Socket connect(int port) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                // With Nagle's algorithm on, the JDK's TLS 1.3 client writes its 6-octet ChangeCipherSpec
                // alone and holds its Finished until the server's delayed ACK, 40 ms later, on either
                // transport: that would be measured instead of the server. -Dsmtpkit.bench.nagle=true keeps it.
                s.setTcpNoDelay(!Boolean.getBoolean("smtpkit.bench.nagle"));
                return s;
            } catch (java.net.ConnectException e) {
                if (attempt == 50) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The benchmark's server has a self-signed certificate; what is measured is the handshake, not the trust. */
    private static final class TrustingAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
