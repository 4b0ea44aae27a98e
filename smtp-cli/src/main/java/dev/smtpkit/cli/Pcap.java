package dev.smtpkit.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the TCP segments of a classic libpcap capture file (the format {@code tcpdump -w}
 * writes; not pcapng), over Ethernet (with 802.1Q tags), Linux cooked capture (SLL and SLL2),
 * BSD loopback (null and loop) and raw IP, IPv4 and IPv6. What is not TCP is skipped; a capture
 * that ends in the middle of a packet ends there, as tcpdump leaves it when killed.
 *
 * <p>Format: https://www.tcpdump.org/manpages/pcap-savefile.5.html and the link types at
 * https://www.tcpdump.org/linktypes.html.
 */
final class Pcap {

    static final int LINKTYPE_NULL = 0;
    static final int LINKTYPE_ETHERNET = 1;
    static final int LINKTYPE_RAW = 101;
    static final int LINKTYPE_LOOP = 108;
    static final int LINKTYPE_LINUX_SLL = 113;
    static final int LINKTYPE_LINUX_SLL2 = 276;

    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int MAGIC_PCAPNG = 0x0a0d0d0a;
    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    /** Larger than any snapshot length libpcap writes (262144), to refuse a corrupt length. */
    private static final int MAX_RECORD = 1 << 20;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88a8;
    private static final int PROTOCOL_TCP = 6;

    /** One TCP segment: when it was captured (nanoseconds since the epoch), its ends and its payload. */
    record Segment(long nanos, String source, String destination, long seq, boolean syn, boolean ack, boolean fin,
                   byte[] payload) {
    }

    private Pcap() {
    }

    /** Returns whether the bytes start like a pcap or pcapng file. */
    static boolean looksLikeCapture(byte[] bytes) {
        if (bytes.length < 4) {
            return false;
        }
        int be = ByteBuffer.wrap(bytes, 0, 4).order(ByteOrder.BIG_ENDIAN).getInt();
        int le = Integer.reverseBytes(be);
        return be == MAGIC_MICROS || le == MAGIC_MICROS || be == MAGIC_NANOS || le == MAGIC_NANOS || be == MAGIC_PCAPNG;
    }

    /**
     * Returns every TCP segment of the capture, in file order.
     *
     * @throws IllegalArgumentException if the bytes are not a classic pcap file or a link type
     *                                  this reader does not know
     */
    static List<Segment> segments(byte[] bytes) {
        if (bytes.length < GLOBAL_HEADER) {
            throw new IllegalArgumentException("not a pcap file: " + bytes.length + " bytes, shorter than its header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int magic = in.getInt(0);
        if (magic == MAGIC_PCAPNG) {
            throw new IllegalArgumentException("a pcapng file; write classic pcap with 'tcpdump -w' or convert it with"
                    + " 'tcpdump -r FILE -w FILE.pcap'");
        }
        if (Integer.reverseBytes(magic) == MAGIC_MICROS || Integer.reverseBytes(magic) == MAGIC_NANOS) {
            in.order(ByteOrder.LITTLE_ENDIAN);
            magic = Integer.reverseBytes(magic);
        }
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            throw new IllegalArgumentException(String.format("not a pcap file: magic number %08x", magic));
        }
        boolean nanos = magic == MAGIC_NANOS;
        int linkType = in.getInt(20) & 0x0fffffff;
        if (linkType != LINKTYPE_NULL && linkType != LINKTYPE_ETHERNET && linkType != LINKTYPE_RAW
                && linkType != LINKTYPE_LOOP && linkType != LINKTYPE_LINUX_SLL && linkType != LINKTYPE_LINUX_SLL2) {
            throw new IllegalArgumentException("link type " + linkType + " is not one this reader knows (Ethernet,"
                    + " Linux cooked, loopback, raw IP)");
        }
        List<Segment> out = new ArrayList<>();
        int at = GLOBAL_HEADER;
        while (at + RECORD_HEADER <= bytes.length) {
            long seconds = in.getInt(at) & 0xffffffffL;
            long fraction = in.getInt(at + 4) & 0xffffffffL;
            int captured = in.getInt(at + 8);
            if (captured < 0 || captured > MAX_RECORD) {
                throw new IllegalArgumentException("corrupt pcap record at offset " + at + ": length " + captured);
            }
            int start = at + RECORD_HEADER;
            if (start + captured > bytes.length) {
                break;
            }
            long time = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);
            link(linkType, ByteBuffer.wrap(bytes, start, captured).slice(), time).ifPresent(out::add);
            at = start + captured;
        }
        return out;
    }

    private static Optional<Segment> link(int linkType, ByteBuffer frame, long time) {
        int limit = frame.limit();
        switch (linkType) {
            case LINKTYPE_ETHERNET -> {
                int offset = 12;
                if (limit < offset + 2) {
                    return Optional.empty();
                }
                int type = frame.getShort(offset) & 0xffff;
                while ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) && limit >= offset + 6) {
                    offset += 4;
                    type = frame.getShort(offset) & 0xffff;
                }
                return ethertype(type, frame, offset + 2, time);
            }
            case LINKTYPE_LINUX_SLL -> {
                return limit < 16 ? Optional.empty() : ethertype(frame.getShort(14) & 0xffff, frame, 16, time);
            }
            case LINKTYPE_LINUX_SLL2 -> {
                return limit < 20 ? Optional.empty() : ethertype(frame.getShort(0) & 0xffff, frame, 20, time);
            }
            case LINKTYPE_NULL, LINKTYPE_LOOP -> {
                if (limit < 4) {
                    return Optional.empty();
                }
                // The address family, in the byte order of the machine that captured (null) or in
                // network order (loop): 2 is IPv4 everywhere; IPv6 is 10, 24, 28 or 30 by system.
                int family = frame.getInt(0);
                if ((family & 0xffff0000) != 0) {
                    family = Integer.reverseBytes(family);
                }
                return family == 2 ? ip(frame, 4, time)
                        : family == 10 || family == 24 || family == 28 || family == 30 ? ip(frame, 4, time)
                        : Optional.empty();
            }
            default -> {
                return ip(frame, 0, time);
            }
        }
    }

    private static Optional<Segment> ethertype(int type, ByteBuffer frame, int offset, long time) {
        return type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6 ? ip(frame, offset, time) : Optional.empty();
    }

    private static Optional<Segment> ip(ByteBuffer frame, int offset, long time) {
        int limit = frame.limit();
        if (limit < offset + 1) {
            return Optional.empty();
        }
        int version = (frame.get(offset) & 0xff) >> 4;
        if (version == 4) {
            if (limit < offset + 20) {
                return Optional.empty();
            }
            int headerLength = (frame.get(offset) & 0x0f) * 4;
            int total = frame.getShort(offset + 2) & 0xffff;
            int fragment = frame.getShort(offset + 6) & 0x3fff;
            if (fragment != 0 || (frame.get(offset + 9) & 0xff) != PROTOCOL_TCP || headerLength < 20) {
                // Fragments are rare for SMTP (TCP segments fit the path MTU); they are skipped.
                return Optional.empty();
            }
            // Ethernet pads short frames: the IP total length says where the packet ends.
            int end = Math.min(limit, offset + total);
            String src = ipv4(frame, offset + 12);
            String dst = ipv4(frame, offset + 16);
            return tcp(frame, offset + headerLength, end, src, dst, time);
        }
        if (version == 6) {
            if (limit < offset + 40) {
                return Optional.empty();
            }
            int payload = frame.getShort(offset + 4) & 0xffff;
            int next = frame.get(offset + 6) & 0xff;
            int at = offset + 40;
            int end = Math.min(limit, at + payload);
            // Hop-by-hop, routing and destination options headers may come before TCP.
            while ((next == 0 || next == 43 || next == 60) && at + 8 <= end) {
                next = frame.get(at) & 0xff;
                at += ((frame.get(at + 1) & 0xff) + 1) * 8;
            }
            if (next != PROTOCOL_TCP) {
                return Optional.empty();
            }
            return tcp(frame, at, end, "[" + ipv6(frame, offset + 8) + "]", "[" + ipv6(frame, offset + 24) + "]", time);
        }
        return Optional.empty();
    }

    private static Optional<Segment> tcp(ByteBuffer frame, int at, int end, String src, String dst, long time) {
        if (end < at + 20) {
            return Optional.empty();
        }
        int sport = frame.getShort(at) & 0xffff;
        int dport = frame.getShort(at + 2) & 0xffff;
        long seq = frame.getInt(at + 4) & 0xffffffffL;
        int dataOffset = ((frame.get(at + 12) & 0xff) >> 4) * 4;
        int flags = frame.get(at + 13) & 0xff;
        if (dataOffset < 20 || at + dataOffset > end) {
            return Optional.empty();
        }
        byte[] payload = new byte[end - at - dataOffset];
        frame.get(at + dataOffset, payload);
        return Optional.of(new Segment(time, src + ":" + sport, dst + ":" + dport, seq, (flags & 0x02) != 0,
                (flags & 0x10) != 0, (flags & 0x01) != 0, payload));
    }

    private static String ipv4(ByteBuffer b, int at) {
        return (b.get(at) & 0xff) + "." + (b.get(at + 1) & 0xff) + "." + (b.get(at + 2) & 0xff) + "." + (b.get(at + 3) & 0xff);
    }

    private static String ipv6(ByteBuffer b, int at) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            sb.append(i == 0 ? "" : ":").append(Integer.toHexString(b.getShort(at + 2 * i) & 0xffff));
        }
        return sb.toString();
    }
}
