package dev.smtpkit.core.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Test helpers: wire text as octets, one octet per char, so "\r", "\n" and 0x80-0xFF mean what they say. */
final class Wire {
    private Wire() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static String text(ByteBuffer b) {
        ByteBuffer d = b.duplicate().flip();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return text(a);
    }

    static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(bytes(s));
    }

    static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }
}
