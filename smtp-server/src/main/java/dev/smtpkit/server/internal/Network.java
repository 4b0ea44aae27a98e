package dev.smtpkit.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * A transport's listening side and the threads it owns. {@link dev.smtpkit.server.SmtpServer}
 * makes one per start and closes it last, after every connection ended.
 */
public interface Network extends AutoCloseable {

    /**
     * Listens on {@code address}, handing each accepted connection to {@code accepted} on a
     * thread of the transport, which it must not keep: it may write a short refusal, never wait.
     */
    Listener listen(InetSocketAddress address, int backlog, Consumer<Link> accepted) throws IOException;

    /** Ends the transport's own threads and waits for them; called once every connection closed. */
    @Override
    void close();

    /** One listening socket. */
    interface Listener {
        /** The port bound, the actual one when 0 was asked for. */
        int port();

        InetSocketAddress localAddress();

        /** Stops accepting and waits until the accepting side stopped handing out connections. */
        void close();
    }
}
