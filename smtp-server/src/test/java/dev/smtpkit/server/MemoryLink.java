package dev.smtpkit.server;

import dev.smtpkit.server.internal.Driver;
import dev.smtpkit.server.internal.Link;
import dev.smtpkit.server.internal.ServerTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection in memory, for driving a {@link SessionDriver} without sockets or threads: the
 * test is the event loop. It pushes the client's octets, moves a manual clock, runs the tasks the
 * driver handed to its "loop" and the application calls it handed to its "executor", and reads
 * back what the driver wrote, paused or closed.
 */
final class MemoryLink implements Link {

    /** The manual clock every driver made here reads, in nanoseconds. */
    long now = 1_000_000_000L;

    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    /** Tasks for the connection's loop ({@link #execute}), run by {@link #runLoop()}; handler threads add to it. */
    final Queue<Runnable> loop = new ConcurrentLinkedQueue<>();
    /** Application calls the driver gave its executor, each run on a thread of its own by {@link #settle()}. */
    final Queue<Runnable> calls = new ConcurrentLinkedQueue<>();
    private final List<Thread> callThreads = new ArrayList<>();
    final List<String> tlsStarts = new ArrayList<>();
    boolean paused;
    int pauses;
    boolean finished;
    boolean closed;
    boolean refusedExecutor;
    private int readFrom;
    Driver driver;

    final Executor executor = task -> {
        if (refusedExecutor) {
            throw new java.util.concurrent.RejectedExecutionException("test: no threads");
        }
        calls.add(task);
    };

    /** A started driver on this link, for a server built (not started) from {@code builder}. */
    static MemoryLink open(SmtpServer.Builder builder) {
        return open(builder, false);
    }

    static MemoryLink open(SmtpServer.Builder builder, boolean implicitTls) {
        MemoryLink link = new MemoryLink();
        AtomicInteger ids = new AtomicInteger();
        SessionDriver driver = new SessionDriver(builder.build().settings(), link, Integer.toString(ids.incrementAndGet()),
                implicitTls, (d, client) -> true, link.executor, d -> link.exited++, () -> false, () -> link.now);
        link.start(driver);
        return link;
    }

    int exited;

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 25);
    }

    @Override
    public void start(Driver d) {
        driver = d;
        d.start();
    }

    // ---------------------------------------------------------------- the test's side

    /** The client sends {@code text}; the driver gets it at once, as from an event loop's read. */
    MemoryLink send(String text) {
        driver.received(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
        return this;
    }

    /**
     * Runs each application call on a thread of its own, as an executor would, then the loop's
     * tasks, until nothing is left to run: every call has returned or waits (for message content
     * the test has yet to send, say).
     */
    MemoryLink settle() {
        while (true) {
            for (Runnable c = calls.poll(); c != null; c = calls.poll()) {
                Thread t = new Thread(c, "test-call");
                callThreads.add(t);
                t.start();
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (callThreads.stream().anyMatch(MemoryLink::working) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            callThreads.removeIf(t -> !t.isAlive());
            if (loop.isEmpty() && calls.isEmpty()) {
                return this;
            }
            runLoop();
        }
    }

    /**
     * Settles until {@code done}: a handler thread woken by the last octets may still show as
     * waiting when {@link #settle()} looks, so a test that expects an outcome waits for it.
     */
    MemoryLink settleUntil(java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!settle().equals(null) && !done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done within 10 s");
            }
            Thread.onSpinWait();
        }
        return this;
    }

    private static boolean working(Thread t) {
        Thread.State state = t.getState();
        return state == Thread.State.NEW || state == Thread.State.RUNNABLE || state == Thread.State.BLOCKED;
    }

    void runLoop() {
        while (!loop.isEmpty()) {
            loop.poll().run();
        }
    }

    /** Moves the clock, then lets the driver act on a deadline as a loop's timer would. */
    MemoryLink advance(java.time.Duration d) {
        now += d.toNanos();
        if (driver.waitNanos() == 0) {
            driver.deadlineCheck();
        }
        return this;
    }

    /** What the driver wrote since the last call, as text. */
    String output() {
        String all = written.toString(StandardCharsets.ISO_8859_1);
        String fresh = all.substring(readFrom);
        readFrom = all.length();
        return fresh;
    }

    /** The reply codes the driver wrote since the last look, one per final reply line. */
    List<Integer> codes() {
        List<Integer> codes = new ArrayList<>();
        for (String line : output().split("\r\n")) {
            if (line.length() >= 4 && line.charAt(3) == ' ') {
                codes.add(Integer.parseInt(line.substring(0, 3)));
            }
        }
        return codes;
    }

    // ---------------------------------------------------------------- the driver's side

    @Override
    public void refuse(byte[] reply) {
        written.writeBytes(reply);
        closed = true;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        written.writeBytes(bytes);
    }

    @Override
    public long writeBlockedSince() {
        return 0;
    }

    @Override
    public void pauseInput() {
        paused = true;
        pauses++;
    }

    @Override
    public void resumeInput() {
        paused = false;
    }

    @Override
    public void startTls(byte[] reply, byte[] early, ServerTls tls, int timeoutMillis) {
        if (reply != null) {
            written.writeBytes(reply);
        }
        tlsStarts.add(reply == null ? "implicit" : "starttls");
    }

    @Override
    public void finish() {
        finished = true;
    }

    @Override
    public void shutdownInput() {
    }

    /**
     * When set, {@link #close()} only counts the request and the link stays writable, as a Netty
     * channel closed from another thread is until its loop gets to it: what the driver writes
     * after asking for a close shows.
     */
    boolean closeLater;
    int closeRequests;

    @Override
    public void close() {
        closeRequests++;
        if (!closeLater) {
            closed = true;
        }
    }

    @Override
    public void execute(Runnable task) {
        loop.add(task);
    }
}
