package dev.smtpkit.server.internal.proxy;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A decoded PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2): either the
 * client's real addresses, or word that the connection's own addresses stand.
 *
 * <pre>{@code
 * InetSocketAddress client = header instanceof ProxyHeader.Proxied p ? p.source() : socket.getRemoteSocketAddress();
 * }</pre>
 */
public sealed interface ProxyHeader {

    /** 1 for the text form, 2 for the binary form. */
    int version();

    /**
     * The proxy relayed a TCP connection from {@code source} to {@code destination}.
     *
     * @param version     1 or 2
     * @param source      the client's address and port
     * @param destination the address and port the client connected to, at the proxy
     */
    record Proxied(int version, InetSocketAddress source, InetSocketAddress destination) implements ProxyHeader {
        public Proxied {
            checkVersion(version);
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(destination, "destination");
        }
    }

    /**
     * No client address is given: keep the connection's own peer address.
     *
     * @param version 1 or 2
     * @param cause   why
     */
    record Unproxied(int version, Cause cause) implements ProxyHeader {
        public Unproxied {
            checkVersion(version);
            Objects.requireNonNull(cause, "cause");
        }
    }

    /** Why a header carries no client address. */
    enum Cause {
        /** Version 1 {@code PROXY UNKNOWN}: the proxy could not tell (§2.1). */
        UNKNOWN,
        /** Version 2 LOCAL command: the proxy itself connected, e.g. for a health check (§2.2). */
        LOCAL,
        /** Version 2 AF_UNSPEC: a protocol the proxy does not describe (§2.2). */
        UNSPECIFIED,
        /** Version 2 AF_UNIX: the client came over a local socket, which has no IP address (§2.2). */
        UNIX
    }

    private static void checkVersion(int version) {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("PROXY protocol version is 1 or 2: " + version);
        }
    }
}
