package dev.smtpkit.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes classic pcap files byte by byte, as libpcap does, so that tests can give the reader
 * captures of any link type, byte order and packet order without tcpdump.
 */
final class PcapBytes {

    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int PSH = 0x08;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteOrder order;
    private final boolean nanos;
    private final int linkType;
    private long micros = 1_700_000_000_000_000L;

    PcapBytes(int linkType, ByteOrder order, boolean nanos) {
        this.linkType = linkType;
        this.order = order;
        this.nanos = nanos;
        ByteBuffer h = ByteBuffer.allocate(24).order(order);
        h.putInt(nanos ? 0xa1b23c4d : 0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(262144).putInt(linkType);
        out.writeBytes(h.array());
    }

    static PcapBytes ethernet() {
        return new PcapBytes(Pcap.LINKTYPE_ETHERNET, ByteOrder.LITTLE_ENDIAN, false);
    }

    /** One TCP segment over IPv4 between a.b.c.d:port pairs, 1 ms after the one before. */
    PcapBytes tcp(String src, int sport, String dst, int dport, long seq, int flags, String payload) {
        return tcp(src, sport, dst, dport, seq, flags, payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    PcapBytes tcp(String src, int sport, String dst, int dport, long seq, int flags, byte[] payload) {
        ByteBuffer tcp = ByteBuffer.allocate(20 + payload.length);
        tcp.putShort((short) sport).putShort((short) dport).putInt((int) seq).putInt(0)
                .put((byte) (5 << 4)).put((byte) flags).putShort((short) 65535).putInt(0).put(payload);
        ByteBuffer ip = ByteBuffer.allocate(20 + tcp.capacity());
        ip.put((byte) 0x45).put((byte) 0).putShort((short) ip.capacity()).putInt(0x00004000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).put(address(src)).put(address(dst)).put(tcp.array());
        return frame(0x0800, ip.array());
    }

    /** One TCP segment over IPv6. */
    PcapBytes tcp6(int sport, int dport, long seq, int flags, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer tcp = ByteBuffer.allocate(20 + data.length);
        tcp.putShort((short) sport).putShort((short) dport).putInt((int) seq).putInt(0)
                .put((byte) (5 << 4)).put((byte) flags).putShort((short) 65535).putInt(0).put(data);
        ByteBuffer ip = ByteBuffer.allocate(40 + tcp.capacity());
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        ip.putInt(0x60000000).putShort((short) tcp.capacity()).put((byte) 6).put((byte) 64).put(loopback).put(loopback)
                .put(tcp.array());
        return frame(0x86dd, ip.array());
    }

    private PcapBytes frame(int ethertype, byte[] ip) {
        ByteBuffer f;
        switch (linkType) {
            case Pcap.LINKTYPE_ETHERNET -> {
                f = ByteBuffer.allocate(14 + ip.length + 6);
                f.put(new byte[12]).putShort((short) ethertype).put(ip).put(new byte[6]);
            }
            case Pcap.LINKTYPE_LINUX_SLL -> {
                f = ByteBuffer.allocate(16 + ip.length);
                f.putShort((short) 0).putShort((short) 772).putShort((short) 6).put(new byte[8])
                        .putShort((short) ethertype).put(ip);
            }
            case Pcap.LINKTYPE_NULL -> {
                f = ByteBuffer.allocate(4 + ip.length);
                // The capturing machine's byte order: little-endian here.
                f.order(ByteOrder.LITTLE_ENDIAN).putInt(ethertype == 0x0800 ? 2 : 30).order(ByteOrder.BIG_ENDIAN).put(ip);
            }
            default -> throw new IllegalArgumentException("link type " + linkType);
        }
        ByteBuffer r = ByteBuffer.allocate(16).order(order);
        micros += 1000;
        long fraction = nanos ? (micros % 1_000_000) * 1000 : micros % 1_000_000;
        r.putInt((int) (micros / 1_000_000)).putInt((int) fraction).putInt(f.capacity()).putInt(f.capacity());
        out.writeBytes(r.array());
        out.writeBytes(f.array());
        return this;
    }

    private static byte[] address(String dotted) {
        String[] parts = dotted.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        return b;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
