package dev.smtpkit.server.netty;

import dev.smtpkit.server.internal.ServerTls;
import dev.smtpkit.server.internal.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * One Netty channel as a {@link Wire}: the event loop appends what it reads to a queue, and the
 * connection's thread (on the server's executor, never the event loop) takes it from there, so
 * the blocking handler API keeps its meaning.
 *
 * <p>Back-pressure: once {@link #PAUSE_AT} octets wait in the queue the channel stops reading
 * ({@code autoRead} off), so the kernel's buffers fill and TCP flow control holds the client
 * back; reading resumes when the connection's thread has taken the queue down to
 * {@link #RESUME_AT}. A slow handler therefore costs a bounded amount of memory, whatever the
 * client sends.
 *
 * <p>A connection waiting for its client's next command need not keep its thread for that:
 * {@link #awaitReadable} lets the event loop call it back when input comes, when the input ends,
 * or when a timer on the loop says the wait is over.
 */
final class NettyWire extends ChannelInboundHandlerAdapter implements Wire {

    static final String NAME = "smtpkit";
    private static final String TLS = "tls";
    /** Read-ahead over which the channel stops reading: a few TCP windows, no more. */
    static final int PAUSE_AT = 64 * 1024;
    static final int RESUME_AT = 16 * 1024;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    /** How long {@link #awaitReadable} waits for input on the caller's thread before it takes the call back. */
    static final long SHORT_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** The most octets any connection's queue held: the back-pressure test's evidence that it stays bounded. */
    static final LongAccumulator PEAK_QUEUED = new LongAccumulator(Math::max, 0);
    /** How often a connection stopped reading because its queue was full. */
    static final LongAdder PAUSES = new LongAdder();

    private final Channel channel;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    // Guarded by lock.
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private int headOffset;
    private long queued;
    private boolean paused;
    private boolean ended;
    private boolean inputShut;
    private Throwable failure;
    private boolean registered;
    /** The connection that gave its thread back until a read would not block (awaitReadable). */
    private Waiter waiter;
    private final CompletableFuture<Void> registration = new CompletableFuture<>();
    /** What the accepting loop asked of the channel before it had its own loop, in order. */
    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
    // Confined to the connection's thread.
    private boolean tls;

    NettyWire(Channel channel) {
        this.channel = channel;
        this.remote = (InetSocketAddress) channel.remoteAddress();
        this.local = (InetSocketAddress) channel.localAddress();
    }

    // ---------------------------------------------------------------- the event loop's side

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        Runnable[] queued;
        lock.lock();
        try {
            registered = true;
            queued = pending.toArray(Runnable[]::new);
            pending.clear();
        } finally {
            lock.unlock();
        }
        for (Runnable r : queued) {
            r.run();
        }
        registration.complete(null);
        ctx.fireChannelRegistered();
    }

    /**
     * Runs {@code action} on the channel's event loop, after what was asked before it. The
     * server admits (or refuses) each connection on the accepting loop, in accept order as the
     * JDK transport does, which may be before the channel is registered with its own loop.
     */
    private void onLoop(Runnable action) {
        lock.lock();
        try {
            if (!registered) {
                pending.add(action);
                return;
            }
        } finally {
            lock.unlock();
        }
        try {
            channel.eventLoop().execute(action);
        } catch (RejectedExecutionException e) {
            // The event loops are shutting down, and the channel with them.
        }
    }

    /** Whether the caller is the accepting loop, which must never wait (a refusal's write and close). */
    private boolean onAcceptor() {
        return channel.parent() != null && channel.parent().eventLoop().inEventLoop();
    }

    /** Waits, on the connection's thread, until the channel has its event loop. */
    private void awaitRegistered() throws IOException {
        try {
            registration.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the channel was not registered with an event loop", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        Waiter woken = null;
        try {
            if (!buf.isReadable()) {
                return;
            }
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            lock.lock();
            try {
                queue.add(bytes);
                queued += bytes.length;
                PEAK_QUEUED.accumulate(queued);
                if (!paused && queued >= PAUSE_AT) {
                    paused = true;
                    PAUSES.increment();
                    channel.config().setAutoRead(false);
                }
                arrived.signalAll();
                woken = takeWaiter();
            } finally {
                lock.unlock();
            }
        } finally {
            buf.release();
        }
        resume(woken);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            end(null);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The connection's thread sees it as a failed read, as a JDK socket would report it; the
        // channel closes so that nothing half-broken lingers.
        end(cause);
        ctx.close();
    }

    private void end(Throwable cause) {
        Waiter woken;
        lock.lock();
        try {
            ended = true;
            if (failure == null) {
                failure = cause;
            }
            arrived.signalAll();
            woken = takeWaiter();
        } finally {
            lock.unlock();
        }
        resume(woken);
    }

    // ---------------------------------------------------------------- calling a connection back

    /** One {@link #awaitReadable} call: whom to call back, and the timer that calls if no input comes. */
    private static final class Waiter {
        final Runnable resume;
        /** Guarded by the wire's lock; set only while this is the wire's waiter. */
        ScheduledFuture<?> timer;

        Waiter(Runnable resume) {
            this.resume = resume;
        }
    }

    /**
     * Under lock, whether a read would return without waiting; input shut or ended counts, as
     * {@link #read} returns -1 or throws for it at once.
     */
    private boolean readable() {
        return !queue.isEmpty() || ended || inputShut;
    }

    @Override
    public boolean awaitReadable(int timeoutMillis, Runnable resume) {
        Waiter w = new Waiter(resume);
        lock.lock();
        try {
            // Before registration there is no loop to call back from; the connection just reads.
            if (!registered || readable()) {
                return false;
            }
            // A client in conversation sends its next command within a round trip. Waiting that
            // long on the thread we have is cheaper than giving it back and being called back
            // (a timer scheduled and cancelled on the loop, a hand-off to the executor, two
            // thread wake-ups), which cost 40 % more CPU per message in smtp-source runs. An idle
            // connection gives its thread back after this short wait.
            long left = Math.min(SHORT_WAIT_NANOS, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
            while (!readable() && left > 0) {
                try {
                    left = arrived.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    // The read that follows reports the interruption.
                    return false;
                }
            }
            if (readable()) {
                return false;
            }
            if (waiter != null) {
                throw new IllegalStateException("awaitReadable() while an earlier call back is pending");
            }
            waiter = w;
        } finally {
            lock.unlock();
        }
        ScheduledFuture<?> timer;
        try {
            timer = channel.eventLoop().schedule(() -> timeUp(w), timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The event loops are shutting down, closing the channel: a plain read sees its end.
            lock.lock();
            try {
                if (waiter == w) {
                    waiter = null;
                    return false;
                }
            } finally {
                lock.unlock();
            }
            return true;
        }
        lock.lock();
        try {
            if (waiter == w) {
                // Whoever takes the waiter from now on cancels the timer with it.
                w.timer = timer;
                return true;
            }
        } finally {
            lock.unlock();
        }
        // Input came between the two locks and the call back ran: a timer left behind would
        // sit in the loop's queue for the whole command timeout.
        timer.cancel(false);
        return true;
    }

    /** Takes the pending call back, so that it runs once. Holds lock. */
    private Waiter takeWaiter() {
        Waiter w = waiter;
        waiter = null;
        return w;
    }

    /** Runs a call back taken by {@link #takeWaiter()}, without lock, so the callee may use the wire at once. */
    private static void resume(Waiter w) {
        if (w == null) {
            return;
        }
        if (w.timer != null) {
            w.timer.cancel(false);
        }
        w.resume.run();
    }

    /** The timer of {@code w}: calls back if nothing else did first. */
    private void timeUp(Waiter w) {
        lock.lock();
        try {
            if (waiter != w) {
                return;
            }
            waiter = null;
        } finally {
            lock.unlock();
        }
        w.resume.run();
    }

    // ---------------------------------------------------------------- the connection's side

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (queue.isEmpty() || inputShut) {
                if (inputShut) {
                    return -1;
                }
                if (ended) {
                    if (failure != null) {
                        throw new IOException("connection failed: " + failure, failure);
                    }
                    return -1;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("no input within " + timeoutMillis + " ms");
                }
                try {
                    arrived.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading");
                }
            }
            byte[] head = queue.peek();
            int n = Math.min(len, head.length - headOffset);
            System.arraycopy(head, headOffset, b, off, n);
            headOffset += n;
            if (headOffset == head.length) {
                queue.poll();
                headOffset = 0;
            }
            queued -= n;
            if (paused && queued <= RESUME_AT) {
                // Under the lock, so that a pause the event loop decides now cannot be undone by this resume.
                paused = false;
                channel.config().setAutoRead(true);
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Takes what was read ahead and not yet returned, resuming reading if it was paused. Holds lock. */
    private byte[] drain() {
        int size = (int) queued;
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] chunk : queue) {
            int from = chunk == queue.peek() ? headOffset : 0;
            System.arraycopy(chunk, from, all, at, chunk.length - from);
            at += chunk.length - from;
        }
        queue.clear();
        headOffset = 0;
        queued = 0;
        if (paused) {
            paused = false;
            channel.config().setAutoRead(true);
        }
        return all;
    }

    /** Waits for the write, on the connection's thread; from the event loop (a refusal) it only starts it. */
    @Override
    public void write(byte[] b) throws IOException {
        if (onAcceptor()) {
            onLoop(() -> channel.writeAndFlush(Unpooled.wrappedBuffer(b)));
            return;
        }
        awaitRegistered();
        await(channel.writeAndFlush(Unpooled.wrappedBuffer(b)), null);
    }

    @Override
    public SSLSession startTls(byte[] reply, ServerTls tls, int timeoutMillis) throws IOException {
        // The 220 must leave in plaintext and the handshake must see every octet after it: both
        // happen in one event-loop task, with SslHandler's startTls flag letting the first write
        // (the 220) through unencrypted. Plaintext read ahead is dropped (CVE-2011-0411).
        return handshake(tls, timeoutMillis, reply);
    }

    @Override
    public SSLSession implicitTls(ServerTls tls, int timeoutMillis) throws IOException {
        return handshake(tls, timeoutMillis, null);
    }

    private SSLSession handshake(ServerTls settings, int timeoutMillis, byte[] reply) throws IOException {
        SSLEngine engine = settings.context().createSSLEngine(remote.getHostString(), remote.getPort());
        engine.setUseClientMode(false);
        engine.setSSLParameters(settings.parameters());
        SslHandler ssl = new SslHandler(engine, reply != null);
        ssl.setHandshakeTimeoutMillis(timeoutMillis);
        awaitRegistered();
        try {
            channel.eventLoop().execute(() -> {
                byte[] early;
                lock.lock();
                try {
                    early = drain();
                } finally {
                    lock.unlock();
                }
                channel.pipeline().addFirst(TLS, ssl);
                if (reply != null) {
                    channel.writeAndFlush(Unpooled.wrappedBuffer(reply));
                } else if (early.length > 0) {
                    // The start of the handshake, read after a PROXY header or before this thread
                    // came to it: into the SslHandler, from the head of the pipeline.
                    channel.pipeline().fireChannelRead(Unpooled.wrappedBuffer(early));
                    channel.pipeline().fireChannelReadComplete();
                }
            });
        } catch (RejectedExecutionException e) {
            throw new IOException("the event loop is shutting down", e);
        }
        await(ssl.handshakeFuture(), null);
        tls = true;
        return engine.getSession();
    }

    @Override
    public void shutdownOutput() throws IOException {
        if (tls) {
            // As with a JDK SSLSocket: TLS has no half-close, and a TCP FIN under it would cut its close_notify.
            throw new IOException("no half-close under TLS");
        }
        if (onAcceptor()) {
            onLoop(((DuplexChannel) channel)::shutdownOutput);
            return;
        }
        awaitRegistered();
        await(((DuplexChannel) channel).shutdownOutput(), null);
    }

    @Override
    public void shutdownInput() {
        Waiter woken;
        lock.lock();
        try {
            inputShut = true;
            arrived.signalAll();
            woken = takeWaiter();
        } finally {
            lock.unlock();
        }
        resume(woken);
    }

    @Override
    public void close() {
        onLoop(channel::close);
        // The channel's own loop cannot wait for a close it has yet to run (a call back that
        // could not be handed on closes the connection there).
        if (!onAcceptor() && registration.isDone() && !channel.eventLoop().inEventLoop()) {
            try {
                await(channel.closeFuture(), CLOSE_WAIT);
            } catch (IOException e) {
                // The event loop is gone, and the channel with it.
            }
        }
    }

    /**
     * Waits for a Netty future through a CompletableFuture, which parks a virtual thread rather
     * than pinning its carrier in a monitor wait.
     */
    static <T> T await(Future<T> future, Duration atMost) throws IOException {
        CompletableFuture<T> done = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                done.complete(future.getNow());
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        try {
            return atMost == null ? done.get() : done.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("no completion within " + atMost);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }
}
