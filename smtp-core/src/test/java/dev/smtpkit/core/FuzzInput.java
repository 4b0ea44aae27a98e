package dev.smtpkit.core;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * How every {@code *FuzzTest} reads its input, so that a corpus file can be written by hand:
 * octet 0 holds option bits, octet 1 the size of the pieces the wire is fed in (0 for all at
 * once), and the rest is the wire itself.
 */
public final class FuzzInput {
    private final int options;
    private final int split;
    private final byte[] wire;

    private FuzzInput(int options, int split, byte[] wire) {
        this.options = options;
        this.split = split;
        this.wire = wire;
    }

    /** Reads the layout above; inputs shorter than two octets have no options and no split. */
    public static FuzzInput of(byte[] data) {
        if (data.length < 2) {
            return new FuzzInput(0, 0, data.clone());
        }
        return new FuzzInput(data[0] & 0xFF, data[1] & 0xFF, Arrays.copyOfRange(data, 2, data.length));
    }

    /** Whether option bit {@code bit} (0 to 7) is set. */
    public boolean option(int bit) {
        return (options & (1 << bit)) != 0;
    }

    /** The wire octets (a copy). */
    public byte[] wire() {
        return wire.clone();
    }

    /** The split size: how many octets each piece holds (0 for all at once). */
    public int split() {
        return split;
    }

    /** Hands the wire to {@code to} in pieces of the split size, each a fresh buffer. */
    public void feed(Consumer<ByteBuffer> to) {
        feed(split, to);
    }

    /** Hands the wire to {@code to} in pieces of {@code size} octets (0 for all at once). */
    public void feed(int size, Consumer<ByteBuffer> to) {
        int step = size == 0 ? Math.max(1, wire.length) : size;
        for (int at = 0; at < wire.length; at += step) {
            to.accept(ByteBuffer.wrap(Arrays.copyOfRange(wire, at, Math.min(wire.length, at + step))));
        }
    }
}
