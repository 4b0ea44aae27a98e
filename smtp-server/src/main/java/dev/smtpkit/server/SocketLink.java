package dev.smtpkit.server;

import dev.smtpkit.server.internal.Driver;
import dev.smtpkit.server.internal.Link;
import dev.smtpkit.server.internal.ServerTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK transport's connection: one thread (virtual where the runtime has them) that reads a
 * blocking socket into the driver, with an SSLSocket layered over it for TLS. The driver runs
 * application calls on this thread too, and a handler reading a message pulls the next octets
 * through {@link #pullOnce()}.
 *
 * <p>No read-ahead of its own (reads go straight from the socket to the driver), so there is
 * never plaintext to discard at STARTTLS, and nothing to hand to an implicit-TLS handshake.
 */
final class SocketLink implements Link, SessionDriver.Pull, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);
    /**
     * The read buffer starts small and doubles each time a read fills it, up to the largest:
     * an idle connection or one that only exchanges commands holds 1 KiB, one that streams a
     * message soon reads 16 KiB at a time. The session copies what it is given into a buffer of
     * its own, so a larger maximum would cost every busy connection twice.
     */
    private static final int FIRST_READ_BUFFER = 1024;
    private static final int LARGEST_READ_BUFFER = 16 * 1024;
    /** Reading while no deadline is set (not expected): a bounded wait rather than a spin. */
    private static final int IDLE_READ_MILLIS = 1000;
    /** How long a closing connection reads what the client still sends, so the kernel does not reset it over our last reply. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int LINGER_OCTETS = 64 * 1024;

    private final Socket socket;
    private final Executor executor;
    /**
     * A wait for input at least this long (ten watchdog periods, 10 s by default) is read without
     * a timeout and ended by the server's watchdog ({@link #watch}), at most one period late. A
     * socket that never had a read timeout stays in blocking mode, where the JDK reads in one
     * system call; a timed read switches it to non-blocking for good, and each read then costs
     * three (a read that finds nothing, a poll, the read). Shorter waits, a deadline close at
     * hand, keep their exact timeout.
     */
    private final long watchedWaitNanos;
    private Driver driver;
    // Confined to the reading thread (the connection's, or a handler's pulling a message).
    private Socket channel;
    private InputStream in;
    private OutputStream out;
    private byte[] buffer = new byte[FIRST_READ_BUFFER];
    /** The read timeout last set on {@link #channel}; -1 when not known. */
    private int soTimeout = -1;
    /** The deadline of the untimed read under way ({@link System#nanoTime()}, never 0), or 0. */
    private volatile long readDeadline;
    /** Set by the watchdog when it ended an untimed read at its deadline. */
    private volatile boolean readCut;
    private volatile boolean tls;
    private volatile boolean lingering;
    /** When the write under way began ({@link System#nanoTime()}, never 0), or 0 while none is. */
    private volatile long writeStarted;

    SocketLink(Socket socket, Executor executor, long watchedWaitNanos) throws IOException {
        this.socket = socket;
        this.executor = executor;
        this.watchedWaitNanos = watchedWaitNanos;
        this.channel = socket;
        // Replies are small and pipelined exchanges wait on each one: Nagle's algorithm with the
        // peer's delayed ACK would stall every turn by up to 200 ms.
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void start(Driver driver) {
        this.driver = driver;
        executor.execute(this);
    }

    /** The connection's thread: feeds the driver until it wants no more, lingers, closes. */
    @Override
    public void run() {
        Thread thread = Thread.currentThread();
        String threadName = thread.getName();
        // Named for the session, on pool and virtual threads alike, so thread dumps and leak checks can tell.
        thread.setName(Threads.PREFIX + "session-" + driver.id());
        try {
            driver.start();
            while (driver.wantsInput() && !socket.isClosed()) {
                pullOnce();
            }
            if (lingering) {
                linger();
            }
        } catch (RuntimeException | Error e) {
            LOG.error("{} {}: session failed", driver.id(), Transcript.address(remoteAddress()), e);
        } finally {
            close();
            driver.closed();
            // The thread goes back to its pool under its own name.
            thread.setName(threadName);
        }
    }

    @Override
    public void pullOnce() {
        long nanos = driver.waitNanos();
        if (nanos == 0) {
            driver.deadlineCheck();
            return;
        }
        // Under TLS the SSLSocket keeps its own reads, and a cut input would be a TLS error: timed reads only.
        boolean watched = nanos >= watchedWaitNanos && !tls;
        int millis = watched ? 0
                : nanos < 0 ? IDLE_READ_MILLIS : (int) Math.max(1, Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
        int n;
        try {
            if (millis != soTimeout) {
                channel.setSoTimeout(millis);
                soTimeout = millis;
            }
            if (watched) {
                readDeadline = (System.nanoTime() + nanos) | 1;
            }
            n = in.read(buffer, 0, Math.min(buffer.length, driver.readLimit()));
        } catch (SocketTimeoutException e) {
            driver.deadlineCheck();
            return;
        } catch (IOException e) {
            driver.inputEnded(socket.isClosed() ? null : e);
            return;
        } finally {
            readDeadline = 0;
        }
        if (n < 0 && readCut) {
            // The watchdog ended the read at its deadline, which the driver now finds passed. Once
            // only: if octets came at that very moment and moved the deadline, the next read sees
            // the input ended, as if the client had left at its deadline.
            readCut = false;
            driver.deadlineCheck();
            return;
        }
        if (n < 0) {
            driver.inputEnded(null);
            return;
        }
        driver.received(ByteBuffer.wrap(buffer, 0, n));
        if (n == buffer.length && buffer.length < LARGEST_READ_BUFFER) {
            buffer = new byte[buffer.length * 2];
        }
    }

    @Override
    public void refuse(byte[] reply) {
        try {
            out.write(reply);
            out.flush();
            socket.shutdownOutput();
        } catch (IOException e) {
            LOG.debug("could not send the refusal to {}: {}", Transcript.address(remoteAddress()), e.toString(), e);
        } finally {
            close();
        }
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        writeStarted = System.nanoTime() | 1;
        try {
            out.write(bytes);
            out.flush();
        } finally {
            writeStarted = 0;
        }
    }

    @Override
    public long writeBlockedSince() {
        return writeStarted;
    }

    @Override
    public void pauseInput() {
        // Reads are pulled: nothing is read while the driver does not ask.
    }

    @Override
    public void resumeInput() {
    }

    @Override
    public void startTls(byte[] reply, byte[] early, ServerTls tls, int timeoutMillis) {
        // A read timeout bounds each read, and a ClientHello trickled an octet at a time would
        // restart it forever (slowloris): the whole handshake gets the timeout, by closing the
        // connection under it when that runs out.
        CompletableFuture<Void> handshake = new CompletableFuture<>();
        handshake.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS).whenComplete((done, late) -> {
            if (late instanceof TimeoutException) {
                close();
            }
        });
        SSLSession established;
        try {
            if (reply != null) {
                write(reply);
            }
            SSLSocket layered = (SSLSocket) tls.context().getSocketFactory().createSocket(socket,
                    socket.getInetAddress().getHostAddress(), socket.getPort(), true);
            layered.setUseClientMode(false);
            layered.setSSLParameters(tls.parameters());
            layered.setSoTimeout(timeoutMillis);
            layered.startHandshake();
            channel = layered;
            soTimeout = -1;
            in = layered.getInputStream();
            out = layered.getOutputStream();
            this.tls = true;
            established = layered.getSession();
        } catch (IOException e) {
            driver.tlsFailed(handshake.isCompletedExceptionally() ? new SocketTimeoutException("no handshake in time") : e);
            return;
        } finally {
            handshake.complete(null);
        }
        driver.tlsEstablished(established);
    }

    @Override
    public void finish() {
        if (tls) {
            // TLS has no half-close (an SSLSocket refuses it), and a TCP FIN under it would cut its close_notify.
            close();
            return;
        }
        try {
            socket.shutdownOutput();
            lingering = true;
        } catch (IOException e) {
            close();
        }
    }

    /**
     * Closes at once when nothing came after the QUIT: the 221 and then the FIN go out in order,
     * and an empty input gives the kernel no reason to reset. Lingering would read until the
     * client's end, and a client that ends with a reset, as smtp-source does, costs a
     * SocketException a connection there.
     */
    @Override
    public void finishAfterQuit() {
        try {
            if (!tls && in.available() == 0) {
                close();
                return;
            }
        } catch (IOException e) {
            close();
            return;
        }
        finish();
    }

    /**
     * Reads what the client still sends for a moment (each read may wait {@link #LINGER_NANOS}),
     * so that the kernel does not reset the connection over our last reply.
     */
    private void linger() {
        int lingered = 0;
        long deadline = System.nanoTime() + LINGER_NANOS;
        try {
            while (lingered < LINGER_OCTETS) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                socket.setSoTimeout((int) Math.max(1, (left + 999_999) / 1_000_000));
                int n = socket.getInputStream().read(buffer);
                if (n <= 0) {
                    return;
                }
                lingered += n;
                deadline = System.nanoTime() + LINGER_NANOS;
            }
        } catch (IOException | RuntimeException e) {
            // The connection is being closed anyway.
        }
    }

    @Override
    public void watch(long now) {
        long deadline = readDeadline;
        if (deadline != 0 && now - deadline >= 0 && !readCut) {
            readCut = true;
            shutdownInput();
        }
    }

    @Override
    public void shutdownInput() {
        try {
            socket.shutdownInput();
        } catch (IOException e) {
            close();
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing more to do for a socket that will not close.
        }
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }
}
