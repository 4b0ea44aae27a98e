package dev.smtpkit.server.netty.internal;

import dev.smtpkit.server.internal.Network;
import dev.smtpkit.server.internal.Link;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport's listening side: one event loop accepts, a few more ({@link #loopCount})
 * read, write, run TLS and drive the SMTP session of every connection ({@link NettyLink}).
 * Application handlers do not run here: the session's driver calls them on the server's executor.
 */
public final class NettyNetwork implements Network {

    /** What every thread a server starts is named with (the server's {@code Threads.PREFIX}), so leak checks see these too. */
    private static final String PREFIX = "smtpkit-netty-";
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger("dev.smtpkit.server.SmtpServer");

    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final EventLoopGroup acceptors;
    private final EventLoopGroup loops;
    private final int loopCount;
    /** Linux's epoll when Netty's native transport is on the class path and loads, else the JDK's NIO. */
    private final boolean epoll;

    private NettyNetwork(int loopCount) {
        epoll = NativeEpoll.available();
        acceptors = new MultiThreadIoEventLoopGroup(1, new Named("accept"), ioHandlers());
        this.loopCount = loopCount;
        loops = new MultiThreadIoEventLoopGroup(loopCount, new Named("io"), ioHandlers());
        LOG.debug("Netty transport on {}", epoll ? "epoll" : "NIO");
    }

    /**
     * One event loop for every two cores, at least one. The loops only move bytes and run the
     * protocol; the handlers run on the executor, whose threads want the other cores. A loop with
     * too little to do sleeps in {@code epoll_wait} and is woken for almost every message, and on
     * the two-core machines of BENCHMARKS.md a sleep and a wake cost more CPU than the message's
     * protocol work: one loop instead of two took the CPU a 1 KiB message from 32-37 to 26-27 µs
     * and the throughput from 27,000-32,000 to 37,000-38,000 msgs/s. Messages of several
     * megabytes from clients in parallel are the exception: one loop reads them all, and two went
     * some 20 % faster at 10 MiB ({@code SmtpServer.Builder.eventLoops}).
     */
    static int loopCount(int cores) {
        return Math.max(1, cores / 2);
    }

    private IoHandlerFactory ioHandlers() {
        return epoll ? NativeEpoll.ioHandlers() : NioIoHandler.newFactory();
    }

    /** How many event loops serve the connections; for tests. */
    int loops() {
        return loopCount;
    }

    /** Whether this network runs on Linux's native epoll rather than NIO; for logs and tests. */
    public boolean usesEpoll() {
        return epoll;
    }

    /**
     * The one way in from the server, called only when {@code Transport.NETTY} was chosen.
     *
     * @param loops the application's count of event loops, or empty for {@link #loopCount}'s
     */
    public static Network create(Optional<Integer> loops) {
        return new NettyNetwork(loops.orElseGet(() -> loopCount(Runtime.getRuntime().availableProcessors())));
    }

    @Override
    public Listener listen(InetSocketAddress address, int backlog, Consumer<Link> accepted) throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptors, loops)
                .channel(epoll ? NativeEpoll.serverChannel() : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Replies are small and pipelined exchanges wait on each one: no Nagle delay.
                .childOption(ChannelOption.TCP_NODELAY, true)
                // A client may half-close after QUIT and still read our 221, as over a JDK socket.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // Nothing is read before the server admitted the connection and its driver started.
                .childOption(ChannelOption.AUTO_READ, false)
                // The link is added and the connection admitted on the accepting loop, in accept
                // order (see Admission); the child's own pipeline needs nothing more.
                .handler(new Admission(accepted))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Everything was set up by Admission.
                    }
                });
        ChannelFuture binding = bootstrap.bind(address);
        await(binding, SHUTDOWN_WAIT);
        Channel server = binding.channel();
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        return new Listener() {
            @Override
            public int port() {
                return bound.getPort();
            }

            @Override
            public InetSocketAddress localAddress() {
                return bound;
            }

            @Override
            public void close() {
                try {
                    await(server.close(), SHUTDOWN_WAIT);
                } catch (IOException e) {
                    // Closing a listening channel fails only if it is closed already.
                }
            }
        };
    }

    /**
     * Shuts the event loops down at once (no quiet period: every connection is closed by now) and
     * waits until their threads have exited, not only their tasks, so that "no thread left
     * behind" after the server's close() holds here too.
     */
    @Override
    public void close() {
        acceptors.shutdownGracefully(0, SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        loops.shutdownGracefully(0, SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + SHUTDOWN_WAIT.toNanos() * 2;
        acceptors.terminationFuture().awaitUninterruptibly(SHUTDOWN_WAIT.toMillis());
        loops.terminationFuture().awaitUninterruptibly(SHUTDOWN_WAIT.toMillis());
        boolean interrupted = false;
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * On the listening channel, before Netty hands each accepted channel to an I/O loop: gives it
     * its link and lets the server admit it, one at a time in accept order. Connections then run
     * on several loops at once, but which one a limit refuses is decided as on the JDK
     * transport's single accepting thread.
     */
    private static final class Admission extends ChannelInboundHandlerAdapter {
        private final Consumer<Link> accepted;

        Admission(Consumer<Link> accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            try {
                NettyLink link = new NettyLink(child);
                child.pipeline().addLast(NettyLink.NAME, link);
                // Registers the child with an I/O loop; what the server does with it runs there after.
                ctx.fireChannelRead(msg);
                accepted.accept(link);
            } catch (Throwable e) {
                // One connection's failure (an OutOfMemoryError included) costs that connection
                // only: the listening channel goes on accepting.
                LOG.error("admitting a connection from {} failed; closing it", child.remoteAddress(), e);
                child.close();
            }
        }
    }

    /** Waits for a Netty future, at most {@code atMost}. */
    private static void await(io.netty.util.concurrent.Future<?> future, Duration atMost) throws IOException {
        if (!future.awaitUninterruptibly(atMost.toMillis())) {
            throw new IOException("not done within " + atMost);
        }
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            throw cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
        }
    }

    /**
     * The only place that names Netty's epoll classes: loaded only once {@link #available()} said
     * yes, so the transport works unchanged without {@code netty-transport-native-epoll}, an
     * optional dependency (fewer system calls and no selector wake-ups per read on Linux).
     */
    private static final class NativeEpoll {
        static boolean available() {
            try {
                return io.netty.channel.epoll.Epoll.isAvailable();
            } catch (LinkageError absent) {
                return false;
            }
        }

        static IoHandlerFactory ioHandlers() {
            return io.netty.channel.epoll.EpollIoHandler.newFactory();
        }

        static Class<? extends ServerChannel> serverChannel() {
            return io.netty.channel.epoll.EpollServerSocketChannel.class;
        }
    }

    /** Daemon threads named {@code smtpkit-netty-<role>-…}, remembered so close() can wait for them. */
    private final class Named extends DefaultThreadFactory {
        Named(String role) {
            super(PREFIX + role, true);
        }

        @Override
        protected Thread newThread(Runnable r, String name) {
            Thread t = super.newThread(r, name);
            threads.add(t);
            return t;
        }
    }
}
