package dev.smtpkit.server.internal.proxy;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An IP network in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6), such as
 * {@code 10.0.0.0/8} or {@code ::1/128}. A bare address is the network of just that address.
 *
 * <pre>{@code
 * Cidr lan = Cidr.parse("192.168.0.0/16");
 * lan.contains(InetAddress.getByName("192.168.4.2")); // true
 * }</pre>
 */
public final class Cidr {

    private final byte[] network;
    private final int prefixLength;

    private Cidr(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address/prefix} or a bare address, without any name lookup.
     *
     * @throws IllegalArgumentException for a malformed address or prefix, or an address with
     *                                  bits set past the prefix (probably a typo: the message
     *                                  gives the network meant)
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim();
        int slash = t.indexOf('/');
        String addressText = slash < 0 ? t : t.substring(0, slash);
        Optional<byte[]> address = IpLiteral.any(addressText);
        if (address.isEmpty()) {
            throw new IllegalArgumentException("not an IPv4 or IPv6 network (RFC 4632 §3.1, RFC 4291 §2.3): '" + text + "'");
        }
        int bits = address.get().length * 8;
        int prefix = slash < 0 ? bits : IpLiteral.decimal(t.substring(slash + 1), 3);
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix length must be 0 to " + bits + ": '" + text + "'");
        }
        byte[] masked = mask(address.get(), prefix);
        if (!Arrays.equals(masked, address.get())) {
            throw new IllegalArgumentException("'" + text + "' has bits set past its prefix; did you mean "
                    + IpLiteral.format(masked) + "/" + prefix + "?");
        }
        return new Cidr(masked, prefix);
    }

    /**
     * Whether the address is in this network. An IPv4 address also matches an IPv6 network
     * holding its IPv4-mapped form ({@code ::ffff:a.b.c.d}, RFC 4291 §2.5.5.2).
     */
    public boolean contains(InetAddress address) {
        Objects.requireNonNull(address, "address");
        byte[] a = address.getAddress();
        if (a.length == 4 && network.length == 16) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(a, 0, mapped, 12, 4);
            a = mapped;
        }
        return a.length == network.length && Arrays.equals(mask(a, prefixLength), network);
    }

    /** Whether this is an IPv4 network. */
    public boolean isIpv4() {
        return network.length == 4;
    }

    /** The prefix length in bits. */
    public int prefixLength() {
        return prefixLength;
    }

    /** The network address. */
    public InetAddress network() {
        try {
            return InetAddress.getByAddress(network);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("4 or 16 octets are always an address", e);
        }
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefixLength;
    }

    /** The canonical form, {@code 10.0.0.0/8} or {@code 2001:db8::/32} (RFC 5952 §4), which {@link #parse} reads back. */
    @Override
    public String toString() {
        return IpLiteral.format(network) + "/" + prefixLength;
    }
}
