package dev.smtpkit.testkit;

import dev.smtpkit.core.Printable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening half of {@link ScriptedServer} and {@link SmtpProxy}: accepts connections, runs
 * each on its own daemon thread with its 1-based number, and on {@link #close()} closes the
 * listener and every socket it knows of and waits for the threads, so that a test's
 * try-with-resources leaves nothing running.
 */
final class Acceptor implements AutoCloseable {

    /** What runs on a connection's thread; the socket is closed when it returns. */
    @FunctionalInterface
    interface Handler {
        void handle(Socket socket, int connection);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);
    /** 127.0.0.1 itself: getLoopbackAddress() may give ::1 where IPv6 is preferred. */
    static final InetAddress LOOPBACK = loopback();

    private final String name;
    private final Handler handler;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    /**
     * Binds and starts accepting.
     *
     * @param name the threads' name prefix, such as {@code scripted-server}; the port follows
     * @throws IOException if the address cannot be bound
     */
    Acceptor(String name, InetAddress address, int port, Handler handler) throws IOException {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(address, port));
        this.name = name + "-" + listener.getLocalPort();
        this.acceptor = new Thread(this::acceptLoop, this.name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    int connectionCount() {
        return connections.get();
    }

    /** Closes {@code socket} with the rest on {@link #close()}, until {@link #forget} is called. */
    void track(Socket socket) {
        open.add(socket);
    }

    void forget(Socket socket) {
        open.remove(socket);
    }

    /** Starts a daemon thread that {@link #close()} interrupts and waits for. */
    void start(Runnable task, String threadName) {
        Thread t = new Thread(task, threadName);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accept failed on port {}", port(), e);
                }
                return;
            }
            open.add(socket);
            if (closed) {
                closeQuietly(socket);
                return;
            }
            int n = connections.incrementAndGet();
            start(() -> {
                try {
                    handler.handle(socket, n);
                } finally {
                    closeQuietly(socket);
                    open.remove(socket);
                }
            }, name + "-" + n);
        }
    }

    /** Closes the listening socket and every connection, and waits for their threads. */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the listener on port {}", port(), e);
        }
        open.forEach(Acceptor::closeQuietly);
        join(acceptor);
        for (Thread t : threads) {
            t.interrupt();
            join(t);
        }
    }

    private static void join(Thread t) {
        try {
            t.join(JOIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("{} did not end within {}", t.getName(), Printable.duration(JOIN_TIMEOUT));
        }
    }

    /** Waits up to {@code timeout} for the next element; empty on timeout or interrupt. */
    static <T> Optional<T> take(BlockingQueue<T> queue, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            return Optional.ofNullable(queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing {}", socket, e);
        }
    }

    /** Checks a builder's port the same way for both. */
    static int checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535: " + port);
        }
        return port;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError("a four-octet address is always valid", e);
        }
    }
}
