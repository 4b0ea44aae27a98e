package dev.smtpkit.server.internal.proxy;

import dev.smtpkit.server.internal.proxy.ProxyProtocolException.Reason;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A sans-IO decoder for the PROXY protocol header that HAProxy, nginx, Envoy and cloud load
 * balancers put before the client's bytes (HAProxy's proxy-protocol.txt: version 1 text §2.1,
 * version 2 binary §2.2).
 *
 * <pre>{@code
 * ProxyProtocolDecoder proxy = new ProxyProtocolDecoder();
 * Optional<ProxyHeader> header = proxy.decode(buffer); // empty: read more and call again
 * // once present, buffer's remaining bytes are the SMTP stream: hand them to the session
 * }</pre>
 *
 * <p>Feed it the connection's first bytes in any split. It takes from the buffer exactly the
 * octets of the header and no more, so what remains is the client's stream, untouched. Memory
 * is bounded: a version 1 line is at most 107 octets (§2.1), version 2 addresses at most 216, and
 * version 2 TLVs (§2.2.7) are skipped as they pass, never stored. Anything else is a
 * {@link ProxyProtocolException}; the server then closes the connection without a reply. Accept
 * a header only from a peer in {@link dev.smtpkit.server.TrustedNetworks}: anyone else could claim any address.
 */
public final class ProxyProtocolDecoder {

    /** §2.1: "a receiver must never read more than 107 bytes" for a version 1 line, CRLF included. */
    public static final int MAX_V1_LENGTH = 107;

    /** §2.2: the twelve octets that start a version 2 header. */
    private static final byte[] V2_SIGNATURE = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final int V2_FIXED = 16;
    /** §2.2: the largest address block, two AF_UNIX paths of 108 octets. */
    private static final int V2_MAX_ADDRESSES = 216;

    private enum State { START, V1, V2_FIXED, V2_ADDRESSES, V2_SKIP, DONE, FAILED }

    private final byte[] buffer = new byte[V2_FIXED + V2_MAX_ADDRESSES];
    private State state = State.START;
    private int filled;
    private int addressLength;
    private int toSkip;
    private ProxyHeader header;

    /** A decoder for one connection, accepting versions 1 and 2. */
    public ProxyProtocolDecoder() {
    }

    /**
     * Takes header octets from {@code in}, leaving its position just after the last one used.
     *
     * @return the header once it is complete; empty when more input is needed (all of
     *         {@code in} was used)
     * @throws ProxyProtocolException when the octets are not a valid header
     * @throws IllegalStateException  when the header was already returned, or an error thrown
     */
    public Optional<ProxyHeader> decode(ByteBuffer in) {
        Objects.requireNonNull(in, "in");
        if (state == State.DONE || state == State.FAILED) {
            throw new IllegalStateException("decode() after the PROXY header was " + (state == State.DONE ? "decoded" : "refused"));
        }
        try {
            while (in.hasRemaining() && state != State.DONE) {
                switch (state) {
                    case START -> start(in.get(in.position()));
                    case V1 -> v1(in.get());
                    case V2_FIXED -> v2Fixed(in.get());
                    case V2_ADDRESSES -> v2Address(in.get());
                    case V2_SKIP -> {
                        int n = Math.min(toSkip, in.remaining());
                        in.position(in.position() + n);
                        toSkip -= n;
                        if (toSkip == 0) {
                            state = State.DONE;
                        }
                    }
                    default -> throw new IllegalStateException(state.toString());
                }
            }
        } catch (ProxyProtocolException e) {
            state = State.FAILED;
            throw e;
        }
        return state == State.DONE ? Optional.of(header) : Optional.empty();
    }

    /**
     * Reports that the connection ended.
     *
     * @throws ProxyProtocolException {@link Reason#TRUNCATED} unless the header was complete
     */
    public void endOfInput() {
        if (state != State.DONE && state != State.FAILED) {
            state = State.FAILED;
            throw new ProxyProtocolException(Reason.TRUNCATED, "the connection ended after " + filled
                    + " octets, inside the PROXY header");
        }
    }

    /** Whether the header has been decoded. */
    public boolean isComplete() {
        return state == State.DONE;
    }

    private void start(byte first) {
        if (first == V1_PREFIX[0]) {
            state = State.V1;
        } else if (first == V2_SIGNATURE[0]) {
            state = State.V2_FIXED;
        } else {
            throw fail(Reason.BAD_SIGNATURE, "the connection does not start with a PROXY header");
        }
    }

    // ---------------------------------------------------------------- version 1

    private void v1(byte b) {
        if (filled < V1_PREFIX.length && b != V1_PREFIX[filled]) {
            throw fail(Reason.BAD_SIGNATURE, "the connection does not start with 'PROXY '");
        }
        buffer[filled++] = b;
        if (b == '\n') {
            if (filled < 2 || buffer[filled - 2] != '\r') {
                throw fail(Reason.MALFORMED, "version 1 line ends with LF without CR (§2.1)");
            }
            header = parseV1(new String(buffer, 0, filled - 2, StandardCharsets.US_ASCII));
            state = State.DONE;
            return;
        }
        if (filled >= 2 && buffer[filled - 2] == '\r') {
            throw fail(Reason.MALFORMED, "version 1 line has CR without LF (§2.1)");
        }
        if (b != '\r' && (b < 0x20 || b > 0x7e)) {
            throw fail(Reason.MALFORMED, "version 1 line holds a byte that is not printable US-ASCII (§2.1)");
        }
        if (filled == MAX_V1_LENGTH) {
            throw fail(Reason.TOO_LONG, "version 1 line has no CRLF within " + MAX_V1_LENGTH
                    + " octets (ProxyProtocolDecoder.MAX_V1_LENGTH, §2.1)");
        }
    }

    private static ProxyHeader parseV1(String line) {
        String[] f = line.split(" ", -1);
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            // §2.1: after UNKNOWN the receiver ignores everything up to CRLF.
            return new ProxyHeader.Unproxied(1, ProxyHeader.Cause.UNKNOWN);
        }
        if (f.length < 2 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
            throw fail(Reason.BAD_PROTOCOL, "version 1 protocol must be TCP4, TCP6 or UNKNOWN (§2.1)");
        }
        if (f.length != 6) {
            throw fail(Reason.MALFORMED, "version 1 line must be 'PROXY " + f[1] + " src dst sport dport', single spaces (§2.1)");
        }
        boolean v4 = f[1].equals("TCP4");
        InetAddress src = address(v4, f[2]);
        InetAddress dst = address(v4, f[3]);
        return new ProxyHeader.Proxied(1, new InetSocketAddress(src, port(f[4])), new InetSocketAddress(dst, port(f[5])));
    }

    private static InetAddress address(boolean v4, String text) {
        Optional<byte[]> bytes = v4 ? IpLiteral.v4(text) : IpLiteral.v6(text);
        if (bytes.isEmpty()) {
            throw fail(Reason.BAD_ADDRESS, "version 1 address is not an " + (v4 ? "IPv4" : "IPv6") + " literal (§2.1)");
        }
        return inet(bytes.get());
    }

    private static int port(String text) {
        int p = IpLiteral.decimal(text, 5);
        if (p < 0 || p > 65535) {
            throw fail(Reason.BAD_PORT, "version 1 port must be 0 to 65535 without leading zeros (§2.1)");
        }
        return p;
    }

    // ---------------------------------------------------------------- version 2

    private void v2Fixed(byte b) {
        if (filled < V2_SIGNATURE.length && b != V2_SIGNATURE[filled]) {
            throw fail(Reason.BAD_SIGNATURE, "the connection does not start with the version 2 signature (§2.2)");
        }
        buffer[filled++] = b;
        if (filled < V2_FIXED) {
            return;
        }
        int versionCommand = buffer[12] & 0xff;
        int familyProtocol = buffer[13] & 0xff;
        int length = ((buffer[14] & 0xff) << 8) | (buffer[15] & 0xff);
        if (versionCommand >> 4 != 2) {
            throw fail(Reason.BAD_VERSION, "version 2 header has version " + (versionCommand >> 4) + " (§2.2)");
        }
        int command = versionCommand & 0x0f;
        if (command > 1) {
            throw fail(Reason.BAD_COMMAND, "version 2 command is " + command + ", not LOCAL (0) or PROXY (1) (§2.2)");
        }
        int needed = switch (familyProtocol) {
            case 0x00 -> 0;
            case 0x11, 0x12 -> 12;
            case 0x21, 0x22 -> 36;
            case 0x31, 0x32 -> 216;
            default -> throw fail(Reason.BAD_FAMILY, String.format("version 2 family and protocol 0x%02x is not in §2.2's table",
                    familyProtocol));
        };
        if (command == 0) {
            // LOCAL: the proxy speaks for itself; whatever follows is skipped (§2.2).
            header = new ProxyHeader.Unproxied(2, ProxyHeader.Cause.LOCAL);
            addressLength = 0;
        } else if ((familyProtocol & 0x0f) == 0x02) {
            throw fail(Reason.UNSUPPORTED_TRANSPORT, "version 2 header describes a datagram connection, which cannot carry SMTP");
        } else if (length < needed) {
            throw fail(Reason.WRONG_LENGTH, "version 2 length " + length + " is shorter than the " + needed
                    + " octets of its addresses (§2.2)");
        } else if (familyProtocol == 0x00) {
            header = new ProxyHeader.Unproxied(2, ProxyHeader.Cause.UNSPECIFIED);
            addressLength = 0;
        } else {
            addressLength = needed;
        }
        toSkip = length - addressLength;
        filled = 0;
        state = addressLength > 0 ? State.V2_ADDRESSES : toSkip > 0 ? State.V2_SKIP : State.DONE;
    }

    private void v2Address(byte b) {
        buffer[V2_FIXED + filled++] = b;
        if (filled < addressLength) {
            return;
        }
        int at = V2_FIXED;
        if (addressLength == 216) {
            header = new ProxyHeader.Unproxied(2, ProxyHeader.Cause.UNIX);
        } else {
            int size = addressLength == 12 ? 4 : 16;
            byte[] src = java.util.Arrays.copyOfRange(buffer, at, at + size);
            byte[] dst = java.util.Arrays.copyOfRange(buffer, at + size, at + 2 * size);
            int ports = at + 2 * size;
            int srcPort = ((buffer[ports] & 0xff) << 8) | (buffer[ports + 1] & 0xff);
            int dstPort = ((buffer[ports + 2] & 0xff) << 8) | (buffer[ports + 3] & 0xff);
            header = new ProxyHeader.Proxied(2, new InetSocketAddress(inet(src), srcPort), new InetSocketAddress(inet(dst), dstPort));
        }
        state = toSkip > 0 ? State.V2_SKIP : State.DONE;
    }

    private static InetAddress inet(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 octets is always accepted", e);
        }
    }

    private static ProxyProtocolException fail(Reason reason, String message) {
        return new ProxyProtocolException(reason, message);
    }

    @Override
    public String toString() {
        return "ProxyProtocolDecoder[" + state + "]";
    }
}
