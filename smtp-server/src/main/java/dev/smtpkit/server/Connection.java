package dev.smtpkit.server;

import dev.smtpkit.core.server.ServerSession;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * One client connection as the application sees it: who is connected, the name it gave in
 * HELO or EHLO (RFC 5321 §4.1.1.1), and whether TLS (RFC 3207) and AUTH (RFC 4954) are in force.
 *
 * <p>A live view: the server updates it as the session goes on, so a handler reads the state at
 * the moment of its call. It is safe to read from any thread.
 */
public final class Connection {

    private final String id;
    private final InetSocketAddress remoteAddress;
    private final InetSocketAddress localAddress;
    private final Runnable drop;
    // Written by the connection's thread, read by the handler on any thread.
    private volatile String helloName = "";
    private volatile boolean tls;
    private volatile String authenticatedIdentity;

    Connection(String id, InetSocketAddress remoteAddress, InetSocketAddress localAddress, Runnable drop) {
        this.id = Objects.requireNonNull(id, "id");
        this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
        this.localAddress = Objects.requireNonNull(localAddress, "localAddress");
        this.drop = Objects.requireNonNull(drop, "drop");
    }

    /** The session id that the server's logs and wire transcript use for this connection. */
    public String id() {
        return id;
    }

    /** The client's address and port. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** The server's address and port that the client connected to. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The name the client gave in its last accepted HELO or EHLO; empty before one (or if it gave none). */
    public String helloName() {
        return helloName;
    }

    /** Whether the connection is protected by TLS. */
    public boolean isTls() {
        return tls;
    }

    /** The identity established by AUTH (RFC 4954), if the client authenticated. */
    public Optional<String> authenticatedIdentity() {
        return Optional.ofNullable(authenticatedIdentity);
    }

    /**
     * Closes the connection at once, without a reply, as a broken network or a crashed server
     * would: for test servers that show how a client copes, and for clients that must not get
     * another word. The reply the handler is deciding is not sent, whatever the handler then
     * returns; an open transaction is abandoned ({@link SessionHandler#reset()}, then
     * {@link SessionHandler#close()}). Safe from any thread; does nothing on a closed connection.
     */
    public void drop() {
        drop.run();
    }

    /** Copies what the session knows; called by the connection's thread after each event. */
    void update(ServerSession session) {
        helloName = session.helloDomain();
        tls = session.isTls();
        authenticatedIdentity = session.authenticatedIdentity().orElse(null);
    }

    @Override
    public String toString() {
        return "Connection[" + id + " from " + remoteAddress + (helloName.isEmpty() ? "" : " (" + helloName + ")")
                + (tls ? ", TLS" : "") + "]";
    }
}
