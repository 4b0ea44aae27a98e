package dev.smtpkit.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One accepted connection as the server's {@link Driver} uses it: the transport's half of the
 * seam. Input is pushed to the driver (a Netty event loop, or the JDK transport's thread reading
 * its socket), and the driver answers through this.
 *
 * <p>Called with the driver's lock held, from the thread that feeds it, except
 * {@link #refuse}, {@link #close()}, {@link #shutdownInput()} and {@link #execute}, which any
 * thread may call at any moment.
 */
public interface Link {

    /** The peer's address: the client's, or the proxy's when a PROXY header follows. */
    InetSocketAddress remoteAddress();

    /** The server's address that the peer connected to. */
    InetSocketAddress localAddress();

    /**
     * Starts feeding {@code driver}: {@link Driver#start()} first, then what the client sends.
     * Called once, by the accepting thread, which must not wait for it.
     */
    void start(Driver driver);

    /**
     * Turns the connection away before any driver: writes {@code reply}, half-closes and closes,
     * without waiting (a short reply always fits the socket's send buffer).
     */
    void refuse(byte[] reply);

    /**
     * Sends {@code bytes}: the JDK transport returns once the kernel took them; Netty queues and
     * flushes them, stopping the input while the client does not read (a bounded outbound buffer).
     *
     * @throws IOException if the connection is known to be broken
     */
    void write(byte[] bytes) throws IOException;

    /** When the write under way began ({@link System#nanoTime()}, never 0), or 0 while the client takes every reply. */
    long writeBlockedSince();

    /** Stops reading until {@link #resumeInput()}, so TCP flow control holds the client back. A no-op where reads are pulled. */
    void pauseInput();

    void resumeInput();

    /**
     * Starts TLS: for STARTTLS (RFC 3207 §4) {@code reply} (the 220) goes out in plaintext first
     * and plaintext read ahead is dropped (CVE-2011-0411); for implicit TLS (RFC 8314 §3.3)
     * {@code reply} is null and {@code early} (octets read after a PROXY header) starts the
     * handshake. The handshake must end within {@code timeoutMillis}. Ends with
     * {@link Driver#tlsEstablished} or {@link Driver#tlsFailed}, possibly before this returns.
     */
    void startTls(byte[] reply, byte[] early, ServerTls tls, int timeoutMillis);

    /**
     * The session is over: half-close and read what the client still sends for a moment, so the
     * kernel does not reset the connection over the last reply (not under TLS, which has no
     * half-close), then close. The transport calls {@link Driver#closed()} once closed.
     */
    void finish();

    /**
     * {@link #finish()} after a QUIT with nothing sent after it: the client waits only for the
     * 221 and the end, so nothing is left in the input whose arrival would make the kernel reset
     * the connection, and a transport may close at once instead of lingering.
     */
    default void finishAfterQuit() {
        finish();
    }

    /**
     * The server's watchdog looks in, every tenth of a second to a second: a transport that left
     * a long wait for input to it (a read without a timeout) ends the wait here once its
     * deadline has passed. Called on the watchdog's thread; must not block.
     *
     * @param now {@link System#nanoTime()}
     */
    default void watch(long now) {
    }

    /** Ends the input now: a wait for input returns as at the end of input. Any thread. */
    void shutdownInput();

    /** Closes the connection now; pending writes are lost. Any thread; never throws. */
    void close();

    /**
     * Runs {@code task} where the driver is fed: on the connection's event loop, or at once on
     * the calling thread where the transport has no loop (the task then takes the driver's lock
     * itself, as every driver entry does).
     */
    void execute(Runnable task);
}
