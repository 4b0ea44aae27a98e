package dev.smtpkit.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLSession;

/**
 * One accepted connection's octets, as the server's per-connection loop uses them: blocking
 * reads with a timeout, blocking writes, and TLS layered in place. This is the whole difference
 * between the transports; the session, the handler calls, AUTH, PROXY, XCLIENT, the counters
 * and the transcript sit above it and are shared.
 *
 * <p>Used by one thread at a time (the connection's, which need not be the same thread from
 * one call to the next), except {@link #shutdownInput()} and {@link #close()}, which the closing
 * thread may call at any moment.
 */
public interface Wire {

    /** The peer's address: the client's, or the proxy's when a PROXY header follows. */
    InetSocketAddress remoteAddress();

    /** The server's address that the peer connected to. */
    InetSocketAddress localAddress();

    /**
     * Reads at least one octet, waiting up to {@code timeoutMillis}. A transport reads ahead of
     * this call by a bounded amount only, so a slow reader holds the client back (TCP flow
     * control) instead of filling memory.
     *
     * @return the number of octets read, or -1 at the end of input
     * @throws SocketTimeoutException if nothing came in time
     * @throws IOException            if the connection failed
     */
    int read(byte[] b, int off, int len, int timeoutMillis) throws IOException;

    /**
     * Offers to call back instead of blocking in {@link #read}, so that a connection waiting for
     * its client holds no thread: {@code resume} runs once, when a read would return at once
     * (input is waiting, it ended or failed, or {@link #shutdownInput()} or {@link #close()} was
     * called) or when {@code timeoutMillis} have passed without input. It runs on a transport
     * thread, which it must not keep (it hands the work on), possibly before this method returns.
     *
     * <p>A transport that cannot call back (the JDK's blocking sockets) keeps this default.
     *
     * @return true if {@code resume} will run; false, without ever running it, if a read would
     *         return at once now or this transport does not call back: then read as usual
     */
    default boolean awaitReadable(int timeoutMillis, Runnable resume) {
        return false;
    }

    /** Writes and flushes, returning once the transport has taken the octets. */
    void write(byte[] b) throws IOException;

    /**
     * STARTTLS (RFC 3207 §4): sends {@code reply} (the 220) in plaintext, then runs the server's
     * handshake. Plaintext read ahead but not yet returned by {@link #read} is discarded, never
     * read as if it came over TLS (RFC 3207 §4.2, CVE-2011-0411).
     *
     * @return the established TLS session
     * @throws IOException if the handshake failed or did not finish within {@code timeoutMillis}
     */
    SSLSession startTls(byte[] reply, ServerTls tls, int timeoutMillis) throws IOException;

    /**
     * Implicit TLS (RFC 8314 §3.3): the handshake starts with the next octet, read ahead or not,
     * as after a PROXY protocol header.
     */
    SSLSession implicitTls(ServerTls tls, int timeoutMillis) throws IOException;

    /** Half-closes: no more output, the peer reads the end; a transport that cannot under TLS throws. */
    void shutdownOutput() throws IOException;

    /** Ends the input: a blocked or later {@link #read} returns -1. Callable from any thread. */
    void shutdownInput() throws IOException;

    /** Closes the connection now; pending reads and writes fail. Callable from any thread; never throws. */
    void close();
}
