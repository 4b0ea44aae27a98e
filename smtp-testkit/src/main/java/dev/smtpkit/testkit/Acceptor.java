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
 * try-with-resources leaves nothing running. A bounded number run at once ({@link #MAX_CONNECTIONS}
 * by default): one more is sent its owner's refusal and closed, since a thread each is what a
 * flood of connections would exhaust.
 */
final class Acceptor implements AutoCloseable {

    /** What runs on a connection's thread; the socket is closed ({@link #release}) when it returns. */
    @FunctionalInterface
    interface Handler {
        void handle(Socket socket, int connection);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Connections served at once by default. Far above what a test opens, and a bound on the
     * threads (a megabyte of stack each, outside the heap) that a client in a loop could start.
     */
    static final int MAX_CONNECTIONS = 1_000;
    /** After an accept that failed for want of a resource: long enough for some to come back. */
    private static final Duration BACK_OFF = Duration.ofMillis(50);
    /** 127.0.0.1 itself: getLoopbackAddress() may give ::1 where IPv6 is preferred. */
    static final InetAddress LOOPBACK = loopback();

    private final String name;
    private final Handler handler;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final int maxConnections;
    private final byte[] refusal;
    private final LogThrottle refusals = new LogThrottle(Duration.ofSeconds(1));
    private volatile boolean closed;

    /**
     * Binds and starts accepting.
     *
     * @param name the threads' name prefix, such as {@code scripted-server}; the port follows
     * @param maxConnections how many connections are served at once
     * @param refusal what a connection beyond those is sent before it is closed
     * @throws IOException if the address cannot be bound
     */
    Acceptor(String name, InetAddress address, int port, int maxConnections, byte[] refusal, Handler handler) throws IOException {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.maxConnections = maxConnections;
        this.refusal = refusal.clone();
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(address, port));
        this.name = name + "-" + listener.getLocalPort();
        this.acceptor = new Thread(this::acceptLoop, this.name);
        acceptor.setDaemon(true);
    }

    /**
     * Starts accepting. Not in the constructor: the handler is often a method of the object that
     * is still constructing this one, and must not run before that object has its acceptor.
     */
    Acceptor listen() {
        acceptor.start();
        return this;
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

    /** Starts a daemon thread that {@link #close()} interrupts and waits for, until it ends. */
    void start(Runnable task, String threadName) {
        Thread t = new Thread(() -> {
            try {
                task.run();
            } finally {
                // Forgotten when done: a long-lived server would otherwise keep every thread it ever ran.
                threads.remove(Thread.currentThread());
            }
        }, threadName);
        t.setDaemon(true);
        threads.add(t);
        try {
            t.start();
        } catch (RuntimeException | Error e) {
            threads.remove(t);
            throw e;
        }
    }

    /** Number of threads started and not yet ended, for tests. */
    int threadCount() {
        return threads.size();
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
            } catch (RuntimeException | Error e) {
                // An accept that failed for want of memory or file descriptors leaves the listener
                // usable: back off and go on rather than stop listening while the test runs.
                LOG.warn("accept failed on port {}; going on", port(), e);
                backOff();
                continue;
            }
            open.add(socket);
            if (closed) {
                closeQuietly(socket);
                return;
            }
            if (running.incrementAndGet() > maxConnections) {
                running.decrementAndGet();
                refuse(socket);
                continue;
            }
            int n = connections.incrementAndGet();
            try {
                start(() -> {
                    try {
                        handler.handle(socket, n);
                    } finally {
                        release(socket);
                    }
                }, name + "-" + n);
            } catch (RuntimeException | Error e) {
                // No thread to be had (OutOfMemoryError: unable to create native thread): this
                // connection is closed, the listener goes on.
                LOG.warn("cannot start a thread for connection {} on port {}; closed it", n, port(), e);
                release(socket);
                backOff();
            }
        }
    }

    /**
     * Closes a served connection and gives its slot back, once: a handler that publishes what the
     * connection came to calls it first, so a test that has seen that finds the slot free.
     */
    void release(Socket socket) {
        if (open.remove(socket)) {
            closeQuietly(socket);
            running.decrementAndGet();
        }
    }

    /** Sends the refusal and closes, on the accepting thread: a fresh socket's buffer takes a reply line without blocking. */
    private void refuse(Socket socket) {
        refusals.pass().ifPresent(heldBack -> LOG.warn("port {}: {} connections already, the most served at once;"
                + " refused one from {} ({} more refused since the last such line)", port(), maxConnections,
                socket.getRemoteSocketAddress(), heldBack));
        try {
            socket.getOutputStream().write(refusal);
        } catch (IOException e) {
            LOG.debug("the refused client left first", e);
        } finally {
            closeQuietly(socket);
            open.remove(socket);
        }
    }

    private static void backOff() {
        try {
            Thread.sleep(BACK_OFF.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
