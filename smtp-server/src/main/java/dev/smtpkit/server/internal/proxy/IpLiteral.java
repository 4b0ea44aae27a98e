package dev.smtpkit.server.internal.proxy;

import java.util.Optional;

/**
 * Strict text forms of IP addresses, read without a name lookup: {@code InetAddress.getByName}
 * would ask DNS for anything it cannot read, which a proxy header or an XCLIENT attribute must
 * never cause.
 *
 * <p>Not smtp-core's RFC 5321 address-literal check ({@code Grammar.isIpv6}, {@code isIpv4}),
 * on purpose: this follows RFC 4291 (a "::" may stand for one group) and refuses an IPv4 number
 * with a leading zero, which RFC 5321's Snum allows, because here the text becomes the address a
 * handler and the access rules act on.
 */
final class IpLiteral {

    /** The longest IPv6 text, {@code ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255} (RFC 4291 §2.2). */
    private static final int MAX_V6_TEXT = 45;

    private IpLiteral() {
    }

    /** IPv4 dotted decimal (RFC 791 text form): four numbers 0-255 without leading zeros, which some readers take as octal. */
    static Optional<byte[]> v4(String s) {
        if (s.length() < 7 || s.length() > 15) {
            return Optional.empty();
        }
        byte[] out = new byte[4];
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        for (int i = 0; i < 4; i++) {
            int v = decimal(parts[i], 3);
            if (v < 0 || v > 255) {
                return Optional.empty();
            }
            out[i] = (byte) v;
        }
        return Optional.of(out);
    }

    /** IPv6 text of RFC 4291 §2.2: eight groups, one {@code ::}, an optional dotted IPv4 tail; no zone. */
    static Optional<byte[]> v6(String s) {
        if (s.length() < 2 || s.length() > MAX_V6_TEXT) {
            return Optional.empty();
        }
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return Optional.empty();
        }
        int[] head = groups(dc < 0 ? s : s.substring(0, dc), dc < 0);
        int[] tail = dc < 0 ? new int[0] : groups(s.substring(dc + 2), true);
        if (head == null || tail == null) {
            return Optional.empty();
        }
        int total = head.length + tail.length;
        if ((dc < 0 && total != 8) || (dc >= 0 && total > 7)) {
            return Optional.empty();
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.length; i++) {
            out[2 * i] = (byte) (head[i] >> 8);
            out[2 * i + 1] = (byte) head[i];
        }
        for (int i = 0; i < tail.length; i++) {
            int g = 8 - tail.length + i;
            out[2 * g] = (byte) (tail[i] >> 8);
            out[2 * g + 1] = (byte) tail[i];
        }
        return Optional.of(out);
    }

    /** IPv4 or IPv6 text. */
    static Optional<byte[]> any(String s) {
        return s.indexOf(':') >= 0 ? v6(s) : v4(s);
    }

    /** RFC 5952 §4 text: lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}. */
    static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** Groups separated by colons; the last may be dotted IPv4 when allowed. Null when malformed. */
    private static int[] groups(String part, boolean v4Last) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] pieces = part.split(":", -1);
        boolean v4 = v4Last && pieces[pieces.length - 1].indexOf('.') >= 0;
        int[] out = new int[pieces.length + (v4 ? 1 : 0)];
        for (int i = 0; i < pieces.length; i++) {
            String p = pieces[i];
            if (v4 && i == pieces.length - 1) {
                Optional<byte[]> b = v4(p);
                if (b.isEmpty()) {
                    return null;
                }
                out[i] = ((b.get()[0] & 0xff) << 8) | (b.get()[1] & 0xff);
                out[i + 1] = ((b.get()[2] & 0xff) << 8) | (b.get()[3] & 0xff);
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = Character.digit(p.charAt(k), 16);
                if (d < 0 || p.charAt(k) > 'f') {
                    return null;
                }
                v = v * 16 + d;
            }
            out[i] = v;
        }
        return out;
    }

    /** A decimal number of 1 to maxDigits ASCII digits without a leading zero, or -1. */
    static int decimal(String s, int maxDigits) {
        if (s.isEmpty() || s.length() > maxDigits || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
