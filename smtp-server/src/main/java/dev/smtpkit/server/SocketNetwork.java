package dev.smtpkit.server;

import dev.smtpkit.server.internal.Network;
import dev.smtpkit.server.internal.Link;
import java.util.concurrent.Executor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JDK transport's listening side: a ServerSocket and one accepting thread per port. */
final class SocketNetwork implements Network {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);
    private static final long ACCEPT_BACKOFF_MILLIS = 100;

    /** Runs each connection's thread. */
    private final Executor executor;

    /** The shortest wait for input that a connection leaves to the watchdog (see SocketLink). */
    private final long watchedWaitNanos;

    SocketNetwork(Executor executor, long watchedWaitNanos) {
        this.executor = executor;
        this.watchedWaitNanos = watchedWaitNanos;
    }

    @Override
    public Listener listen(InetSocketAddress address, int backlog, Consumer<Link> accepted) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(address, backlog);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        Thread acceptor = new Thread(() -> acceptLoop(socket, accepted, executor), Threads.PREFIX + "acceptor-" + socket.getLocalPort());
        acceptor.start();
        return new Listener() {
            @Override
            public int port() {
                return socket.getLocalPort();
            }

            @Override
            public InetSocketAddress localAddress() {
                return (InetSocketAddress) socket.getLocalSocketAddress();
            }

            @Override
            public void close() {
                try {
                    socket.close();
                } catch (IOException e) {
                    LOG.warn("closing the listening socket {} failed", socket.getLocalSocketAddress(), e);
                }
                boolean interrupted = false;
                while (acceptor.isAlive()) {
                    try {
                        acceptor.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /**
     * Accepts until the listener is closed. Nothing that goes wrong with one connection may end
     * the loop: an {@link Error} (out of memory, or of native threads) in accept or admission is
     * logged, the connection closed, and the loop backs off and goes on, so a listener never
     * stops accepting while the process looks alive.
     */
    private void acceptLoop(ServerSocket listener, Consumer<Link> accepted, Executor executor) {
        while (!listener.isClosed()) {
            Socket socket = null;
            try {
                socket = listener.accept();
                accepted.accept(new SocketLink(socket, executor, watchedWaitNanos));
            } catch (Throwable e) {
                if (listener.isClosed()) {
                    return;
                }
                closeQuietly(socket);
                if (e instanceof IOException && socket != null) {
                    // The connection failed at once (reset before we set it up): only that one is lost.
                    LOG.debug("dropped a connection that failed at once: {}", e.toString());
                    continue;
                }
                // Out of file descriptors, memory or threads: do not spin while it lasts.
                LOG.error("accepting on {} failed; going on after a pause", listener.getLocalSocketAddress(), e);
                if (!pause()) {
                    return;
                }
            }
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(ACCEPT_BACKOFF_MILLIS);
            return true;
        } catch (InterruptedException interrupted) {
            return false;
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException | RuntimeException suppressed) {
            // Nothing more to do.
        }
    }

    @Override
    public void close() {
        // The accepting threads ended with their listeners; connection threads are the server's.
    }
}
