package dev.smtpkit.server;

import dev.smtpkit.server.internal.proxy.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The networks whose peers may speak for others, for {@link SmtpServer.Builder#proxyProtocol}
 * and {@link SmtpServer.Builder#xclient}: send a PROXY protocol header, or use XCLIENT. Each is in
 * CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6), such as {@code 10.0.0.0/8} or
 * {@code ::1/128}; a bare address is the network of just that address.
 * A server must read either only from these peers, or any client could claim any address and
 * slip past address-based rules. Empty by default, trusting no one.
 *
 * <pre>{@code
 * TrustedNetworks proxies = TrustedNetworks.parse("10.0.0.0/8, ::1/128");
 * if (proxies.contains(socket.getRemoteSocketAddress())) { ... decode the PROXY header ... }
 * }</pre>
 */
public final class TrustedNetworks {

    private static final TrustedNetworks NONE = new TrustedNetworks(List.of());

    private final List<Cidr> networks;

    private TrustedNetworks(List<Cidr> networks) {
        this.networks = List.copyOf(networks);
    }

    /** Trusts no one. */
    public static TrustedNetworks none() {
        return NONE;
    }

    /**
     * Reads networks separated by commas or white space, such as {@code "10.0.0.0/8, ::1"}.
     *
     * Duplicates are dropped, and no name is looked up.
     *
     * @throws IllegalArgumentException naming the first entry that is not a network, or one with
     *                                  bits set past its prefix (the message gives the network
     *                                  probably meant)
     */
    public static TrustedNetworks parse(String networks) {
        Objects.requireNonNull(networks, "networks");
        return new TrustedNetworks(Arrays.stream(networks.split("[,\\s]+")).filter(s -> !s.isEmpty())
                .map(Cidr::parse).distinct().toList());
    }

    /** Whether the address is in one of the networks. */
    public boolean contains(InetAddress address) {
        Objects.requireNonNull(address, "address");
        for (Cidr c : networks) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a peer's socket address is in one of the networks; false for a socket without an IP address. */
    public boolean contains(SocketAddress peer) {
        Objects.requireNonNull(peer, "peer");
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null && contains(inet.getAddress());
    }

    /** The networks in CIDR notation, in the order given: {@code 192.168.1.7/32} for a bare address. */
    public List<String> networks() {
        return networks.stream().map(Cidr::toString).toList();
    }

    /** The networks as {@link #parse} reads them. */
    @Override
    public String toString() {
        return networks.stream().map(Cidr::toString).collect(Collectors.joining(", "));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrustedNetworks t && t.networks.equals(networks);
    }

    @Override
    public int hashCode() {
        return networks.hashCode();
    }
}
