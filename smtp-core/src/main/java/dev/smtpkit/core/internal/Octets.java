package dev.smtpkit.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The scanning and copying the codecs share. Heap buffers are scanned through their backing
 * array, which is the common case and the fast one; other buffers use absolute gets, so neither
 * path moves a position behind the caller's back.
 */
final class Octets {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte DOT = '.';

    /** Reads eight octets of an array as one long, so a scan tests eight at a time. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long CRS = ONES * CR;
    private static final long LFS = ONES * LF;

    private Octets() {
    }

    /**
     * Returns a word whose lowest set bit is the high bit of the lowest zero octet of {@code v},
     * or 0 if it has none. (Octets above the first zero may be flagged wrongly; only the lowest
     * flag is used, and it is exact.)
     */
    private static long zeroOctets(long v) {
        return (v - ONES) & ~v & HIGHS;
    }

    /** Returns the index of the first CR or LF in {@code in[from, to)}, or {@code to}. */
    static int indexOfCrOrLf(ByteBuffer in, int from, int to) {
        if (in.hasArray()) {
            int off = in.arrayOffset();
            return indexOfCrOrLf(in.array(), from + off, to + off) - off;
        }
        for (int i = from; i < to; i++) {
            byte b = in.get(i);
            if (b == CR || b == LF) {
                return i;
            }
        }
        return to;
    }

    /** Returns the index of the first CR or LF in {@code a[from, to)}, or {@code to}. */
    static int indexOfCrOrLf(byte[] a, int from, int to) {
        int i = from;
        // Message lines run to tens of octets between line ends: test a word at a time.
        for (; i + 8 <= to; i += 8) {
            long w = (long) LONGS.get(a, i);
            long hit = zeroOctets(w ^ CRS) | zeroOctets(w ^ LFS);
            if (hit != 0) {
                return i + (Long.numberOfTrailingZeros(hit) >>> 3);
            }
        }
        for (; i < to; i++) {
            byte b = a[i];
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
            int i = from + off;
            int end = to + off;
            long words = 0;
            for (; i + 8 <= end; i += 8) {
                words |= (long) LONGS.get(a, i);
            }
            if ((words & HIGHS) != 0) {
                return true;
            }
            for (; i < end; i++) {
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
