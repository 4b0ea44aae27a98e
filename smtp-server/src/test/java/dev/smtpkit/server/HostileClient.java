package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A client that writes octets exactly as given (one char, one octet: "\0", bare "\r", 0x80-0xFF)
 * and reads replies through a buffer, for the floods of the hostile-peer tests; plus the
 * process-wide measures those tests compare before and after (heap, threads, descriptors).
 */
final class HostileClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    HostileClient(int port) throws IOException {
        this(port, 0);
    }

    /** Connects; a receive buffer of {@code receiveBuffer} octets (if not 0) makes the client a slow reader. */
    HostileClient(int port, int receiveBuffer) throws IOException {
        this(connect(port, receiveBuffer));
    }

    /** Takes over a socket already connected, from a local address of the test's choosing. */
    HostileClient(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    private static Socket connect(int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        return socket;
    }

    HostileClient send(String octets) throws IOException {
        return send(octets.getBytes(StandardCharsets.ISO_8859_1));
    }

    HostileClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** One whole reply with its CRLFs, or "" at the end of input. */
    String reply() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String line = line();
            if (line == null) {
                return sb.toString();
            }
            sb.append(line).append("\r\n");
            if (line.length() < 4 || line.charAt(3) != '-') {
                return sb.toString();
            }
        }
    }

    int code() throws IOException {
        String r = reply();
        return r.isEmpty() ? -1 : Integer.parseInt(r.substring(0, 3));
    }

    int command(String line) throws IOException {
        send(line + "\r\n");
        return code();
    }

    String ask(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /**
     * After the greeting: EHLO, MAIL, RCPT and DATA, each answered as a willing server answers
     * them, so the next octets sent are message data.
     */
    void openData() throws IOException {
        assertThat(command("EHLO client.test")).isEqualTo(250);
        assertThat(command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(command("DATA")).isEqualTo(354);
    }

    /** Every reply until the server closes, at most {@code max}. */
    List<String> repliesUntilEnd(int max) throws IOException {
        List<String> all = new ArrayList<>();
        for (String r = reply(); !r.isEmpty() && all.size() < max; r = reply()) {
            all.add(r);
        }
        return all;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---------------------------------------------------------------- process-wide measures

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

    static final Duration WAIT = Duration.ofSeconds(20);
}
