package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection in memory, for driving a {@link SessionDriver} without sockets or threads: the
 * test is the event loop. It pushes the client's octets, moves a manual clock, runs the tasks the
 * driver handed to its "loop" and the application calls it handed to its "executor", and reads
 * back what the driver wrote, paused or closed.
 */
final class MemoryLink implements Link {

    /** Connection ids, unique in the test run as a server's are among its connections. */
    private static final AtomicInteger IDS = new AtomicInteger();

    /** The manual clock every driver made here reads, in nanoseconds. */
    long now = 1_000_000_000L;

    final Written written = new Written();
    /** Tasks for the connection's loop ({@link #execute}), run by {@link #runLoop()}; handler threads add to it. */
    final Queue<Runnable> loop = new ConcurrentLinkedQueue<>();
    /** Application calls the driver gave its executor, each run on a thread of its own by {@link #settle()}. */
    final Queue<Runnable> calls = new ConcurrentLinkedQueue<>();
    private final List<Thread> callThreads = new CopyOnWriteArrayList<>();
    /**
     * Runs the calls, a thread each, reusing the threads of calls that returned: a test of a
     * thousand sessions would otherwise spend its time starting threads.
     */
    private final ExecutorService callPool = Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "test-call");
        t.setDaemon(true);
        callThreads.add(t);
        return t;
    });
    /** Calls handed to the pool whose thread has not yet taken them (and may still look idle). */
    private final AtomicInteger callsStarting = new AtomicInteger();
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

    /** A builder for the server the tests talk to, "mx.test"; where it would listen means nothing here. */
    static SmtpServer.Builder server() {
        return SmtpServer.builder().hostname("mx.test");
    }

    /** A started driver on this link, for a server built (not started) from {@code builder}. */
    static MemoryLink open(SmtpServer.Builder builder) {
        return open(builder.build(), false);
    }

    static MemoryLink open(SmtpServer.Builder builder, boolean implicitTls) {
        return open(builder.build(), implicitTls);
    }

    /**
     * A started driver on this link for {@code server}, built and never started: links opened on
     * one server share its settings and its {@link SmtpServer#metrics()}, as its connections do.
     */
    static MemoryLink open(SmtpServer server) {
        return open(server, false);
    }

    /** A link on {@code server} whose client was greeted and whose EHLO {@code name} was accepted. */
    static MemoryLink greeted(SmtpServer server, String name) {
        MemoryLink link = open(server);
        assertThat(link.code()).isEqualTo(220);
        assertThat(link.command("EHLO " + name)).isEqualTo(250);
        return link;
    }

    private static MemoryLink open(SmtpServer server, boolean implicitTls) {
        MemoryLink link = new MemoryLink();
        SessionDriver driver = new SessionDriver(server.settings(), link, Integer.toString(IDS.incrementAndGet()),
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

    /** The client sends {@code bytes} as they are (UTF-8 text, a binary PROXY header), in one read. */
    MemoryLink send(byte[] bytes) {
        driver.received(ByteBuffer.wrap(bytes));
        return this;
    }

    /** The client's input ends (a half-close, or a read that saw the end of the stream). */
    MemoryLink endInput() {
        driver.inputEnded(null);
        return this;
    }

    /**
     * The transport has closed the connection (after {@link #finish()}, {@link #close()}, or on a
     * broken connection) and says so to the driver, which ends the session; then settles, so the
     * calls that follow, {@link SessionHandler#close()} among them, have run.
     */
    MemoryLink transportClosed() {
        driver.closed();
        return settle();
    }

    /**
     * The next whole reply, all its lines with their CRLFs, as a client blocked on its read gets
     * it: settles until the driver has written it. "" when the driver finished or closed the
     * connection without one, as a client reading the end of input. Replies taken here are no
     * longer in {@link #output()}.
     */
    String reply() {
        if (written.replyEnd(readFrom) < 0) {
            // Only a reply not yet written is waited for: a test reading 50,000 need not settle 50,000 times.
            settleUntil(() -> written.replyEnd(readFrom) >= 0 || finished || closed);
        }
        int end = written.replyEnd(readFrom);
        if (end < 0) {
            return "";
        }
        String reply = written.text(readFrom, end);
        readFrom = end;
        return reply;
    }

    /** The three-digit code of the next {@link #reply()}; -1 at the end of the connection. */
    int code() {
        String reply = reply();
        return reply.isEmpty() ? -1 : Integer.parseInt(reply.substring(0, 3));
    }

    /** Every {@link #reply()} until the connection ends, at most {@code max}. */
    List<String> repliesUntilEnd(int max) {
        List<String> all = new ArrayList<>();
        for (String r = reply(); !r.isEmpty() && all.size() < max; r = reply()) {
            all.add(r);
        }
        return all;
    }

    /** Greeted, opens a transaction to the DATA go-ahead: EHLO, MAIL, RCPT, DATA, each accepted. */
    MemoryLink openData() {
        assertThat(code()).isEqualTo(220);
        assertThat(command("EHLO client.test")).isEqualTo(250);
        assertThat(command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(command("DATA")).isEqualTo(354);
        return this;
    }

    /** Sends {@code line} and CRLF and returns the whole reply to it. */
    String ask(String line) {
        return send(line + "\r\n").reply();
    }

    /** Sends {@code line} and CRLF and returns its reply's code. */
    int command(String line) {
        return send(line + "\r\n").code();
    }

    /**
     * Runs each application call on a thread of its own, as an executor would, then the loop's
     * tasks, until nothing is left to run: every call has returned or waits (for message content
     * the test has yet to send, say).
     */
    MemoryLink settle() {
        while (true) {
            for (Runnable c = calls.poll(); c != null; c = calls.poll()) {
                Runnable call = c;
                callsStarting.incrementAndGet();
                callPool.execute(() -> {
                    callsStarting.decrementAndGet();
                    call.run();
                });
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while ((callsStarting.get() > 0 || callThreads.stream().anyMatch(MemoryLink::working))
                    && System.nanoTime() < deadline) {
                // Yield, not spin: on a machine of two busy cores the calls waited for need the CPU.
                Thread.yield();
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
            Thread.yield();
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

    /**
     * Looks at the connection as the server's {@link Watchdog} does at the clock's time: a handler
     * call past its deadline is answered 451 by a call on the executor, which the next
     * {@link #settle()} runs. Only the watchdog's thread and its period are left out.
     */
    MemoryLink watchdog() {
        SessionDriver watched = (SessionDriver) driver;
        watched.watch(now);
        long call = watched.lateHandlerCall(now);
        if (call != 0) {
            executor.execute(() -> watched.answerLateHandler(call));
        }
        return this;
    }

    /** What the driver wrote since the last call, as text. */
    String output() {
        int end = written.size();
        String fresh = written.text(readFrom, end);
        readFrom = end;
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

    /**
     * What the driver wrote, read in place: a test that takes a hundred thousand replies one by
     * one must not copy all that came before each time.
     */
    static final class Written extends ByteArrayOutputStream {

        synchronized String text(int from, int to) {
            return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
        }

        /** Where the first whole reply from {@code from} ends (after its last line's CRLF), or -1 if none is whole yet. */
        synchronized int replyEnd(int from) {
            int lineStart = from;
            for (int i = from; i + 1 < count; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n') {
                    // A reply line is "NNN-text" while more lines follow, "NNN text" on the last (RFC 5321 §4.2.1).
                    boolean last = i - lineStart < 4 || buf[lineStart + 3] != '-';
                    i++;
                    if (last) {
                        return i + 1;
                    }
                    lineStart = i + 1;
                }
            }
            return -1;
        }
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

    /** When a write started waiting for the client to read (the clock's nanoseconds), or 0: none waits here unless a test says so. */
    long writeBlockedSince;

    @Override
    public long writeBlockedSince() {
        return writeBlockedSince;
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

    int inputShutdowns;

    @Override
    public void shutdownInput() {
        inputShutdowns++;
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
