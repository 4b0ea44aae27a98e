package dev.smtpkit.server.internal.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Builds PROXY headers for tests and feeds them to a decoder in chunks. */
final class ProxyBytes {

    static final byte[] SIGNATURE = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    static final byte[] SMTP = "EHLO client.example\r\nMAIL FROM:<a@b>\r\n".getBytes(StandardCharsets.US_ASCII);

    private ProxyBytes() {
    }

    /** What feeding produced: the header, and every byte left over after it. */
    record Fed(ProxyHeader header, byte[] rest) {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A version 2 header: the signature, version/command, family/protocol, the length of the rest, and the rest. */
    static byte[] v2(int versionCommand, int familyProtocol, byte[]... body) {
        byte[] rest = concat(body);
        return v2WithLength(versionCommand, familyProtocol, rest.length, rest);
    }

    static byte[] v2WithLength(int versionCommand, int familyProtocol, int length, byte[] rest) {
        return concat(SIGNATURE, new byte[] {(byte) versionCommand, (byte) familyProtocol, (byte) (length >> 8), (byte) length}, rest);
    }

    static byte[] tlv(int type, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (value.length >> 8), (byte) value.length}, value);
    }

    static byte[] port(int p) {
        return new byte[] {(byte) (p >> 8), (byte) p};
    }

    /** Feeds the bytes in chunks cut at the given offsets; the header must complete. */
    static Fed feed(byte[] bytes, int... cuts) {
        ProxyProtocolDecoder decoder = new ProxyProtocolDecoder();
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        ProxyHeader header = null;
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            ByteBuffer chunk = ByteBuffer.wrap(bytes, from, to - from);
            if (header == null) {
                Optional<ProxyHeader> h = decoder.decode(chunk);
                if (h.isPresent()) {
                    header = h.get();
                } else if (chunk.hasRemaining()) {
                    throw new AssertionError("decode() returned empty but left input unread");
                }
            }
            while (chunk.hasRemaining()) {
                rest.write(chunk.get());
            }
            from = to;
        }
        if (header == null) {
            throw new AssertionError("the header never completed");
        }
        return new Fed(header, rest.toByteArray());
    }
}
