package dev.smtpkit.core.codec;

import java.nio.ByteBuffer;

/**
 * The scanning and copying the codecs share. Heap buffers are scanned through their backing
 * array, which is the common case and the fast one; other buffers use absolute gets, so neither
 * path moves a position behind the caller's back.
 */
final class Octets {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte DOT = '.';

    private Octets() {
    }

    /** Returns the index of the first CR or LF in {@code in[from, to)}, or {@code to}. */
    static int indexOfCrOrLf(ByteBuffer in, int from, int to) {
        if (in.hasArray()) {
            byte[] a = in.array();
            int off = in.arrayOffset();
            for (int i = from + off, end = to + off; i < end; i++) {
                byte b = a[i];
                if (b == CR || b == LF) {
                    return i - off;
                }
            }
            return to;
        }
        for (int i = from; i < to; i++) {
            byte b = in.get(i);
            if (b == CR || b == LF) {
                return i;
            }
        }
        return to;
    }

    /** Returns the index of the first LF in {@code in[from, to)}, or {@code to}. */
    static int indexOfLf(ByteBuffer in, int from, int to) {
        if (in.hasArray()) {
            byte[] a = in.array();
            int off = in.arrayOffset();
            for (int i = from + off, end = to + off; i < end; i++) {
                if (a[i] == LF) {
                    return i - off;
                }
            }
            return to;
        }
        for (int i = from; i < to; i++) {
            if (in.get(i) == LF) {
                return i;
            }
        }
        return to;
    }

    /** Returns whether any octet of {@code in[from, to)} has its high bit set. */
    static boolean anyEightBit(ByteBuffer in, int from, int to) {
        int acc = 0;
        if (in.hasArray()) {
            byte[] a = in.array();
            int off = in.arrayOffset();
            for (int i = from + off, end = to + off; i < end; i++) {
                acc |= a[i];
            }
        } else {
            for (int i = from; i < to; i++) {
                acc |= in.get(i);
            }
        }
        return acc < 0;
    }

    /** Appends {@code in[from, from + length)} to {@code out} without moving {@code in}. */
    static void copy(ByteBuffer in, int from, int length, ByteBuffer out) {
        if (in.hasArray()) {
            out.put(in.array(), in.arrayOffset() + from, length);
        } else {
            out.put(out.position(), in, from, length);
            out.position(out.position() + length);
        }
    }

    /** Copies {@code in[from, from + length)} into {@code dst} at {@code at} without moving {@code in}. */
    static void copy(ByteBuffer in, int from, int length, byte[] dst, int at) {
        if (in.hasArray()) {
            System.arraycopy(in.array(), in.arrayOffset() + from, dst, at, length);
        } else {
            in.get(from, dst, at, length);
        }
    }
}
