package dev.smtpkit.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** One server under test, running in its own process on its own port; closing it stops that process by its id. */
final class Peer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    final ServerTarget target;
    final int port;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    private Peer(ServerTarget target, int port, Process process) {
        this.target = target;
        this.port = port;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
    }

    static Peer start(ServerTarget target, String classPath, Path logDir) throws IOException, InterruptedException {
        return start(target, classPath, logDir, ServerTarget.JVM_OPTIONS);
    }

    static Peer start(ServerTarget target, String classPath, Path logDir, List<String> jvmOptions) throws IOException, InterruptedException {
        int port = Proc.freePort();
        List<String> command = target.command(port, classPath, jvmOptions);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(target.name().toLowerCase() + ".log").toFile()));
        if (!target.jvm()) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(target.name().toLowerCase() + ".out").toFile()));
        }
        Peer peer = new Peer(target, port, pb.start());
        try {
            peer.awaitReady();
        } catch (IOException | RuntimeException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        if (target.jvm()) {
            String line = out.readLine();
            if (!"READY".equals(line)) {
                throw new IOException(target.label + " did not start: " + line);
            }
            return;
        }
        // smtp-sink and aiosmtpd print nothing: ready once the port accepts a connection.
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(target.label + " exited with " + process.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException(target.label + " did not listen on " + port + " within " + START_TIMEOUT);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    long cpuTicks() {
        return Proc.cpuTicks(pid());
    }

    long peakRssKib() {
        return Proc.peakRssKib(pid());
    }

    long rssKib() {
        return Proc.rssKib(pid());
    }

    /** Bytes the server's live threads allocated so far; empty for servers not on the JVM. */
    OptionalLong allocatedBytes() {
        if (!target.jvm() || !process.isAlive()) {
            return OptionalLong.empty();
        }
        try {
            in.write("alloc\n");
            in.flush();
            String line = out.readLine();
            if (line == null || !line.startsWith("alloc ")) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(line.substring(6)));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            in.close();
        } catch (IOException e) {
            // The process is gone; its pipe may be too.
        }
    }

    static void closeAll(List<Peer> peers) {
        for (Peer p : peers) {
            p.close();
        }
    }
}
