package dev.smtpkit.server;

import dev.smtpkit.server.internal.proxy.ProxyHeader;
import dev.smtpkit.server.internal.proxy.ProxyProtocolDecoder;
import dev.smtpkit.server.internal.proxy.ProxyProtocolException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What a connection says before its SMTP session when {@code proxyProtocol} is on: the PROXY
 * protocol header (HAProxy's proxy-protocol.txt §2) by which a trusted proxy names the real
 * client. It is read within the command timeout, and the client it names is counted against
 * {@code maxConnectionsPerClient} then, since at accept the server saw only the proxy.
 *
 * <p>A malformed header, none in time, or a peer that is no trusted proxy ends the connection
 * without a reply (§2: the peer is no proxy that speaks the protocol, and anything said to it
 * would be read as coming from us). The implicit-TLS handshake that may follow is the
 * transport's: the driver starts it with the octets read past the header.
 *
 * <p>Not thread-safe, and it need not be: only the driver calls it, always under the driver's
 * lock (from the feeding thread, or the watchdog's deadline check), so it holds no lock of its own.
 */
final class Preamble {

    /** Where the preamble is after a call, for the driver to act on. */
    sealed interface Step permits Pending, Refused, Done {
    }

    /** More octets are needed, before {@link #waitUntil()}. */
    enum Pending implements Step {
        PENDING
    }

    /** The connection ends without a reply; {@code reason} is for the log. */
    record Refused(String reason) implements Step {
    }

    /**
     * The session may start, on {@code early}: what the client sent past the header, in the same
     * reads. {@code header} is empty where the connection has no preamble.
     */
    record Done(byte[] early, Optional<ProxyHeader> header) implements Step {

        /** The real client, where the header names one; else the connection's peer stands. */
        Optional<InetSocketAddress> client() {
            return header.filter(ProxyHeader.Proxied.class::isInstance).map(h -> ((ProxyHeader.Proxied) h).source());
        }
    }

    private static final Done NO_PREAMBLE = new Done(new byte[0], Optional.empty());

    private final Optional<TrustedNetworks> proxies;
    private final InetSocketAddress peer;
    private final long timeoutNanos;
    private final Predicate<InetAddress> admitClient;
    private ProxyProtocolDecoder decoder;
    /** When the header must be whole (the clock's nanoseconds), or 0 while none is awaited. */
    private long waitUntil;
    private boolean overClientLimit;

    /**
     * @param proxies      the peers whose header is read; empty when {@code proxyProtocol} is off
     * @param peer         the connection's own peer, the proxy when there is one
     * @param timeoutNanos how long the whole header may take (the command timeout)
     * @param admitClient  counts the connection against the client the header names; false when
     *                     that client has its maximum already
     */
    Preamble(Optional<TrustedNetworks> proxies, InetSocketAddress peer, long timeoutNanos, Predicate<InetAddress> admitClient) {
        this.proxies = Objects.requireNonNull(proxies, "proxies");
        this.peer = peer;
        this.timeoutNanos = timeoutNanos;
        this.admitClient = admitClient;
    }

    /** The connection opened at {@code now}: its header is awaited, or refused, or there is none to read. */
    Step start(long now) {
        if (proxies.isEmpty()) {
            return NO_PREAMBLE;
        }
        if (!proxies.get().contains(peer)) {
            return new Refused("proxyProtocol is on and the peer is not in its trusted networks");
        }
        decoder = new ProxyProtocolDecoder();
        waitUntil = now + timeoutNanos;
        return Pending.PENDING;
    }

    /** Takes octets of the header, in any split; once it is whole, the rest of {@code bytes} are the session's. */
    Step received(ByteBuffer bytes) {
        if (waitUntil == 0) {
            throw new IllegalStateException("octets for a preamble that awaits none");
        }
        Optional<ProxyHeader> header;
        try {
            header = decoder.decode(bytes);
        } catch (ProxyProtocolException e) {
            waitUntil = 0;
            return new Refused("not a PROXY protocol header (" + e.reason() + ": " + e.getMessage() + ")");
        }
        if (header.isEmpty()) {
            return Pending.PENDING;
        }
        waitUntil = 0;
        decoder = null;
        byte[] early = new byte[bytes.remaining()];
        bytes.get(early);
        Done done = new Done(early, header);
        overClientLimit = !admitClient.test(done.client().orElse(peer).getAddress());
        return done;
    }

    /** The header's deadline, or 0 while none is awaited. */
    long waitUntil() {
        return waitUntil;
    }

    /** The deadline check at {@code now}: refused once the header is late, else still pending. */
    Step check(long now) {
        if (waitUntil == 0 || waitUntil - now > 0) {
            return Pending.PENDING;
        }
        waitUntil = 0;
        return new Refused("no PROXY protocol header within the command timeout");
    }

    /** The client the header named has {@code maxConnectionsPerClient} already: 421 instead of the greeting. */
    boolean overClientLimit() {
        return overClientLimit;
    }
}
