package dev.smtpkit.server.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The networks whose peers may speak for others: send a PROXY protocol header, or use XCLIENT.
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

    /** Trusts the given networks. */
    public static TrustedNetworks of(List<Cidr> networks) {
        Objects.requireNonNull(networks, "networks");
        return new TrustedNetworks(networks.stream().distinct().toList());
    }

    /**
     * Reads networks separated by commas or white space, such as {@code "10.0.0.0/8, ::1"}.
     *
     * @throws IllegalArgumentException naming the first entry that is not a network
     */
    public static TrustedNetworks parse(String networks) {
        Objects.requireNonNull(networks, "networks");
        return of(Arrays.stream(networks.split("[,\\s]+")).filter(s -> !s.isEmpty()).map(Cidr::parse).toList());
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

    /** The networks, in the order given. */
    public List<Cidr> networks() {
        return networks;
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
