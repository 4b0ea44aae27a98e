package dev.smtpkit.server.netty.internal;

import dev.smtpkit.server.internal.Driver;
import dev.smtpkit.server.internal.Link;
import dev.smtpkit.server.internal.ServerTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;

/**
 * One Netty channel feeding its session's driver on the channel's event loop: octets in, replies
 * out, no thread of its own. A wait for input is a timer on the loop, armed for the driver's
 * deadline; the application's calls run on the server's executor (the driver sees to that).
 *
 * <p>Back-pressure: the driver stops the input ({@code autoRead} off) while a handler's message
 * pipe is full or commands pile up behind a decision, and the input stops too while the channel
 * is not writable (the client does not read its replies), so that neither direction buffers
 * more than a bounded amount. A reply that waits longer than the write timeout closes the
 * connection ({@link #writeBlockedSince()}, asked by the server's watchdog).
 */
public final class NettyLink extends ChannelInboundHandlerAdapter implements Link {

    public static final String NAME = "smtpkit";
    private static final String TLS = "tls";
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int LINGER_OCTETS = 64 * 1024;
    /** The largest scratch buffer an event loop keeps: Netty's largest socket read. */
    private static final int MAX_SCRATCH = 64 * 1024;
    /** Each event loop's buffer for what one read brought ({@link #onHeap}); as large as its largest read. */
    private static final FastThreadLocal<ByteBuffer> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer initialValue() {
            return ByteBuffer.allocate(2048);
        }
    };

    private final Channel channel;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    /** Since when the channel has not been writable ({@link System#nanoTime()}, never 0), or 0. */
    private volatile long unwritableSince;

    // Confined to the event loop.
    private Driver driver;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private boolean pausedByDriver;
    private boolean tls;
    private boolean lingering;
    private long lingerDeadline;
    private int lingered;

    public NettyLink(Channel channel) {
        this.channel = channel;
        this.remote = (InetSocketAddress) channel.remoteAddress();
        this.local = (InetSocketAddress) channel.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    // ---------------------------------------------------------------- from the server

    /** On the accepting loop; the channel is registered (or being registered) with its own. */
    @Override
    public void start(Driver d) {
        execute(() -> {
            driver = d;
            d.start();
            if (!channel.isActive() && driver != null) {
                // Closed before the driver started (a reset right after the accept): channelInactive came and went.
                driver = null;
                d.closed();
                return;
            }
            updateAutoRead();
        });
    }

    @Override
    public void refuse(byte[] reply) {
        try {
            channel.writeAndFlush(Unpooled.wrappedBuffer(reply)).addListener((ChannelFutureListener) written -> {
                if (channel instanceof DuplexChannel duplex) {
                    duplex.shutdownOutput().addListener(shut -> channel.close());
                } else {
                    channel.close();
                }
            });
        } catch (RuntimeException e) {
            // Not registered with a loop after all: nothing to write with.
            channel.close();
        }
    }

    @Override
    public void execute(Runnable task) {
        try {
            channel.eventLoop().execute(() -> {
                task.run();
                armTimer();
            });
        } catch (RejectedExecutionException | IllegalStateException e) {
            // The event loops are shutting down, and the channel with them.
        }
    }

    // ---------------------------------------------------------------- the event loop's events

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            int n = buf.readableBytes();
            if (driver == null || n == 0) {
                return;
            }
            if (lingering) {
                lingered += n;
                lingerDeadline = System.nanoTime() + LINGER_NANOS;
                if (lingered >= LINGER_OCTETS) {
                    channel.close();
                }
                return;
            }
            driver.received(onHeap(buf, n));
        } finally {
            buf.release();
        }
        armTimer();
    }

    /**
     * The read's octets in the event loop's scratch buffer, valid until the next read on this
     * loop: the driver copies what it keeps before {@code received} returns. A view of Netty's
     * direct buffer instead cost an object a read, and the session then parsed off-heap memory.
     */
    static ByteBuffer onHeap(ByteBuf buf, int n) {
        if (n > MAX_SCRATCH) {
            // Not from a socket read (Netty's are at most 64 KiB): an aggregating handler of the
            // application's in front. Kept in no thread's scratch for good.
            byte[] bytes = new byte[n];
            buf.getBytes(buf.readerIndex(), bytes);
            return ByteBuffer.wrap(bytes);
        }
        ByteBuffer scratch = SCRATCH.get();
        if (scratch.capacity() < n) {
            scratch = ByteBuffer.allocate(Math.min(MAX_SCRATCH, Math.max(n, scratch.capacity() * 2)));
            SCRATCH.set(scratch);
        }
        scratch.clear().limit(n);
        buf.getBytes(buf.readerIndex(), scratch.array(), 0, n);
        return scratch;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && driver != null) {
            if (lingering) {
                channel.close();
            } else {
                driver.inputEnded(null);
                armTimer();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        unwritableSince = channel.isWritable() ? 0 : System.nanoTime() | 1;
        updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        if (driver != null) {
            Driver d = driver;
            driver = null;
            d.closed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The driver sees it as a failed read, as a JDK socket would report it; the channel closes
        // so that nothing half-broken lingers.
        if (driver != null && !lingering) {
            driver.inputEnded(cause instanceof IOException io ? io : new IOException(cause.toString(), cause));
        }
        ctx.close();
    }

    // ---------------------------------------------------------------- deadlines

    /** Makes sure a timer fires by the driver's deadline for input (or the linger's end). */
    private void armTimer() {
        long wait;
        if (lingering) {
            wait = Math.max(0, lingerDeadline - System.nanoTime());
        } else if (driver == null || (wait = driver.waitNanos()) < 0) {
            // Not waiting for input: a timer still set fires, finds nothing due and stops.
            return;
        }
        long at = System.nanoTime() + wait;
        if (timer != null && timerAt - at <= 0) {
            // The timer set fires first and looks again then.
            return;
        }
        cancelTimer();
        timerAt = at;
        try {
            timer = channel.eventLoop().schedule(this::timeUp, wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The event loops are shutting down, and the channel with them.
        }
    }

    private void timeUp() {
        timer = null;
        if (lingering) {
            if (System.nanoTime() - lingerDeadline >= 0) {
                channel.close();
                return;
            }
        } else if (driver != null) {
            driver.deadlineCheck();
        }
        armTimer();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    // ---------------------------------------------------------------- from the driver

    @Override
    public void write(byte[] bytes) throws IOException {
        if (!channel.isActive()) {
            throw new IOException("the connection is closed");
        }
        // Straight into the transport's own (direct) buffer: a wrapped heap array is copied into
        // one anyway, through three wrapper objects a reply (600 of the 4,250 octets allocated a
        // 1 KiB message on reused connections, benchmarks/ SmtpkitServer).
        ByteBuf out = channel.alloc().ioBuffer(bytes.length);
        out.writeBytes(bytes);
        // Failures reach exceptionCaught, which ends the input.
        channel.writeAndFlush(out, channel.voidPromise());
    }

    @Override
    public long writeBlockedSince() {
        return unwritableSince;
    }

    @Override
    public void pauseInput() {
        pausedByDriver = true;
        updateAutoRead();
    }

    @Override
    public void resumeInput() {
        pausedByDriver = false;
        updateAutoRead();
    }

    private void updateAutoRead() {
        boolean read = driver != null && (lingering || (!pausedByDriver && unwritableSince == 0));
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    @Override
    public void startTls(byte[] reply, byte[] early, ServerTls settings, int timeoutMillis) {
        // The 220 must leave in plaintext and the handshake must see every octet after it: the
        // SslHandler goes in now, on the loop, before the next read, and its startTls flag lets
        // the first write (the 220) through unencrypted.
        SSLEngine engine = settings.context().createSSLEngine(remote.getHostString(), remote.getPort());
        engine.setUseClientMode(false);
        engine.setSSLParameters(settings.parameters());
        // The handshake's computations (the ClientHello's processing, the signature) run on the executor: on
        // the loop each took it from every other connection for a millisecond or more.
        SslHandler ssl = new SslHandler(engine, reply != null, settings.tasks());
        ssl.setHandshakeTimeoutMillis(timeoutMillis);
        Driver d = driver;
        ssl.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                d.tlsEstablished(engine.getSession());
            } else {
                Throwable cause = done.cause();
                d.tlsFailed(cause instanceof SslHandshakeTimeoutException
                        ? new SocketTimeoutException("no handshake in time")
                        : cause instanceof IOException io ? io : new IOException(cause.toString(), cause));
            }
            armTimer();
        });
        channel.pipeline().addFirst(TLS, ssl);
        tls = true;
        if (reply != null) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(reply), channel.voidPromise());
        } else if (early != null && early.length > 0) {
            // The start of the handshake, read after a PROXY header: into the SslHandler, from the head of the pipeline.
            channel.pipeline().fireChannelRead(Unpooled.wrappedBuffer(early));
            channel.pipeline().fireChannelReadComplete();
        }
    }

    @Override
    public void finish() {
        if (tls || !channel.isActive() || !(channel instanceof DuplexChannel)) {
            // As with a JDK SSLSocket: TLS has no half-close, and a TCP FIN under it would cut its close_notify.
            channel.close();
            return;
        }
        lingering = true;
        lingerDeadline = System.nanoTime() + LINGER_NANOS;
        // After every reply queued before it has gone out: a half-close fails what is still queued.
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> {
            if (!written.isSuccess()) {
                channel.close();
                return;
            }
            DuplexChannel duplex = (DuplexChannel) channel;
            duplex.shutdownOutput().addListener(shut -> {
                // The client's end came already: nothing left to linger for.
                if (!shut.isSuccess() || duplex.isInputShutdown()) {
                    channel.close();
                }
            });
        });
        updateAutoRead();
        armTimer();
    }

    /**
     * Everything the client sent was read and answered, the 221 last: the channel closes once
     * that is out, as the JDK transport's does. The half-close of {@link #finish()} cost a
     * shutdown call and an exception with its stack trace a connection (Netty fails what is still
     * queued with one), 4 % of the samples with a new connection a message.
     */
    @Override
    public void finishAfterQuit() {
        if (tls || !channel.isActive()) {
            finish();
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void shutdownInput() {
        // The driver is fed on the loop: nothing blocks in a read that this would have to end.
    }

    @Override
    public void close() {
        channel.close();
    }
}
