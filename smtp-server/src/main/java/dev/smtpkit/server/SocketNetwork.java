package dev.smtpkit.server;

import dev.smtpkit.server.internal.Network;
import dev.smtpkit.server.internal.Wire;
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

    @Override
    public Listener listen(InetSocketAddress address, int backlog, Consumer<Wire> accepted) throws IOException {
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
        Thread acceptor = new Thread(() -> acceptLoop(socket, accepted), Threads.PREFIX + "acceptor-" + socket.getLocalPort());
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

    private static void acceptLoop(ServerSocket listener, Consumer<Wire> accepted) {
        while (true) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
                // Out of file descriptors, typically: do not spin while it lasts.
                LOG.warn("accept failed on {}", listener.getLocalSocketAddress(), e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            SocketWire wire;
            try {
                wire = new SocketWire(socket);
            } catch (IOException e) {
                LOG.debug("dropped a connection that failed at once: {}", e.toString());
                try {
                    socket.close();
                } catch (IOException suppressed) {
                    // Nothing more to do.
                }
                continue;
            }
            accepted.accept(wire);
        }
    }

    @Override
    public void close() {
        // The accepting threads ended with their listeners; connection threads are the server's.
    }
}
