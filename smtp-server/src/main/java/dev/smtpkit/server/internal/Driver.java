package dev.smtpkit.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLSession;

/**
 * The server's side of the transport seam: one connection's SMTP session, driven by events.
 * A {@link Link} calls these from the one thread that feeds the connection at a time; each takes
 * the driver's lock itself.
 */
public interface Driver {

    /** The connection's id in logs and transcripts, for naming the threads that serve it. */
    String id();

    /** The connection is ready: reads the PROXY header if one is due, else greets. */
    void start();

    /** Octets from the client, read from the buffer's position to its limit; the driver copies what it keeps. */
    void received(ByteBuffer bytes);

    /** The client closed its side, or the connection failed ({@code failure} not null). */
    void inputEnded(IOException failure);

    /**
     * How long the driver will wait for input from now, in nanoseconds: 0 once the deadline has
     * passed ({@link #deadlineCheck()} then acts), -1 while it waits for no input (a handler
     * decides, or the session is over).
     */
    long waitNanos();

    /** Acts on a deadline for input that has passed (421 4.4.2, or a close before a session); else nothing. */
    void deadlineCheck();

    /**
     * The most octets the next read may take: 1 while a PROXY header is read before an
     * implicit-TLS handshake that must find every later octet in the socket.
     */
    int readLimit();

    /** Whether the driver still wants to be fed: false once the session closed or the connection ends. */
    boolean wantsInput();

    void tlsEstablished(SSLSession session);

    void tlsFailed(IOException failure);

    /** The connection is closed, whoever closed it; the last call. */
    void closed();
}
