package dev.smtpkit.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/** A server that greets once and keeps every octet it reads, to check what a proxy relays. */
final class RawServer implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ServerSocket listener;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final Thread thread;
    private final byte[] greeting;

    RawServer() throws IOException {
        this("220 raw\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** A server that greets with these octets exactly. */
    RawServer(byte[] greeting) throws IOException {
        this.greeting = greeting.clone();
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "raw-server");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    private void serve() {
        try (Socket s = listener.accept()) {
            s.getOutputStream().write(greeting);
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[4096];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                synchronized (received) {
                    received.write(buffer, 0, n);
                    received.notifyAll();
                }
            }
        } catch (IOException e) {
            // closed by the test
        }
    }

    /** Waits until at least {@code count} octets came, then returns all that came. */
    byte[] awaitOctets(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (received) {
            while (received.size() < count && System.nanoTime() < deadline) {
                received.wait(50);
            }
            // anything more that was on its way
            received.wait(100);
            return Arrays.copyOf(received.toByteArray(), received.size());
        }
    }

    @Override
    public void close() throws Exception {
        listener.close();
        thread.interrupt();
        thread.join(WAIT.toMillis());
    }
}
