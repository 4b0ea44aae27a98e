package dev.smtpkit.server;

import dev.smtpkit.core.server.ServerSession;
import dev.smtpkit.server.internal.proxy.Xclient;
import dev.smtpkit.server.internal.proxy.XclientValue;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One client connection as the application sees it: who is connected, the name it gave in
 * HELO or EHLO (RFC 5321 §4.1.1.1), and whether TLS (RFC 3207, RFC 8314) and AUTH (RFC 4954)
 * are in force.
 *
 * <p>Behind a trusted proxy the client is the one the proxy names, in a PROXY protocol header
 * or with XCLIENT: {@link #remoteAddress()} is then that client, and {@link #proxyAddress()} the
 * peer that actually connected.
 *
 * <p>A live view: the server updates it as the session goes on, so a handler reads the state at
 * the moment of its call. It is safe to read from any thread.
 */
public final class Connection {

    private final String id;
    private final InetSocketAddress peerAddress;
    private final InetSocketAddress localAddress;
    private final Runnable drop;
    private final MemoryBudget memory;
    // Written by the connection's thread, read by the handler on any thread.
    private volatile InetSocketAddress remoteAddress;
    private volatile String helloName = "";
    private volatile boolean tls;
    private volatile TlsInfo tlsInfo;
    private volatile String authenticatedIdentity;
    private volatile Xclient xclient;
    private volatile boolean proxied;

    Connection(String id, InetSocketAddress peerAddress, InetSocketAddress localAddress, Runnable drop, MemoryBudget memory) {
        this.id = Objects.requireNonNull(id, "id");
        this.peerAddress = Objects.requireNonNull(peerAddress, "peerAddress");
        this.remoteAddress = peerAddress;
        this.localAddress = Objects.requireNonNull(localAddress, "localAddress");
        this.drop = Objects.requireNonNull(drop, "drop");
        this.memory = Objects.requireNonNull(memory, "memory");
    }

    /** The server's budget for messages read whole into memory ({@link MessageHandler#asFactory()}). */
    MemoryBudget memory() {
        return memory;
    }

    /** The session id that the server's logs and wire transcript use for this connection. */
    public String id() {
        return id;
    }

    /** The client's address and port: the peer's, or the one a trusted proxy gave for it (PROXY protocol, XCLIENT). */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** The trusted proxy that connected on the client's behalf, when a PROXY header or XCLIENT named another client. */
    public Optional<InetSocketAddress> proxyAddress() {
        return proxied ? Optional.of(peerAddress) : Optional.empty();
    }

    /** The server's address and port that the client connected to. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * The name the client gave in its last accepted HELO or EHLO, or, until it gives one after
     * XCLIENT, the HELO name XCLIENT passed on; empty before either (or if it gave none).
     */
    public String helloName() {
        return helloName;
    }

    /** Whether the connection is protected by TLS. */
    public boolean isTls() {
        return tls;
    }

    /** What the TLS handshake negotiated, once TLS is in force. */
    public Optional<TlsInfo> tls() {
        return Optional.ofNullable(tlsInfo);
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

    /**
     * What the last XCLIENT a trusted client sent said about the real client (Postfix's
     * XCLIENT_README), by attribute in the order NAME, ADDR, PORT, PROTO, HELO, LOGIN, DESTADDR,
     * DESTPORT: each value decoded from xtext (RFC 3461 §4; an IPv6 address after {@code IPV6:}),
     * or {@code [UNAVAILABLE]} or {@code [TEMPUNAVAIL]} as sent. Empty without XCLIENT. ADDR and
     * PORT are in {@link #remoteAddress()} as well, and HELO in {@link #helloName()} until the
     * client says HELO itself.
     */
    public Map<String, String> xclientAttributes() {
        Xclient x = xclient;
        return x == null ? Map.of() : x.attributes();
    }

    /** Copies what the session knows; called by the connection's thread after each event. */
    void update(ServerSession session) {
        String hello = session.helloDomain();
        if (hello.isEmpty() && xclient != null) {
            hello = known(xclient.helo()).orElse("");
        }
        helloName = hello;
        tls = session.isTls();
        authenticatedIdentity = session.authenticatedIdentity().orElse(null);
    }

    void tlsEstablished(TlsInfo info) {
        tlsInfo = Objects.requireNonNull(info, "info");
    }

    /** The client a PROXY protocol header named. */
    void proxied(InetSocketAddress client) {
        remoteAddress = Objects.requireNonNull(client, "client");
        proxied = true;
    }

    /** What an accepted XCLIENT said: ADDR and PORT replace the client's address; an unavailable one is kept. */
    void xclient(Xclient command) {
        xclient = Objects.requireNonNull(command, "command");
        proxied = true;
        Optional<java.net.InetAddress> address = known(command.address());
        if (address.isPresent()) {
            // XCLIENT_README: a port not given is not known; 0 says so rather than keep the proxy's.
            remoteAddress = new InetSocketAddress(address.get(), known(command.port()).orElse(0));
        } else {
            known(command.port()).ifPresent(p -> remoteAddress = new InetSocketAddress(remoteAddress.getAddress(), p));
        }
    }

    private static <T> Optional<T> known(Optional<XclientValue<T>> value) {
        return value.filter(v -> v instanceof XclientValue.Known).map(v -> ((XclientValue.Known<T>) v).value());
    }

    @Override
    public String toString() {
        return "Connection[" + id + " from " + remoteAddress + proxyAddress().map(p -> " via " + p).orElse("")
                + (helloName.isEmpty() ? "" : " (" + helloName + ")") + (tls ? ", TLS" : "") + "]";
    }
}
