package dev.smtpkit.testkit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a test double holds for its test (messages, commands, transcripts), reckoned in octets
 * against a bound, so that a client flooding it gets an SMTP reply it can see instead of an
 * {@code OutOfMemoryError} in the test's JVM. Lock-free: room is taken from connection threads
 * that may hold other monitors, and a lock here could join them in a deadlock.
 */
final class HeldBytes {

    /** What a recorded line is reckoned to take beyond its characters: its string and its place in a list. */
    static final int LINE_OVERHEAD = 64;
    /** What a connection is reckoned to take before any of its lines. */
    static final int CONNECTION_OVERHEAD = 512;

    private final long max;
    private final AtomicLong held = new AtomicLong();

    HeldBytes(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxHeldBytes must be positive: " + max);
        }
        this.max = max;
    }

    /** The room {@code lines} lines of {@code chars} characters in all are reckoned to take. */
    static long lines(long chars, long lines) {
        return chars + lines * LINE_OVERHEAD;
    }

    /** Takes room for {@code octets} if there is that much left; false, taking nothing, if not. */
    boolean take(long octets) {
        long now;
        do {
            now = held.get();
            if (now + octets > max) {
                return false;
            }
        } while (!held.compareAndSet(now, now + octets));
        return true;
    }

    /** Whether {@code octets} more would fit now, taking nothing. */
    boolean wouldFit(long octets) {
        return held.get() + octets <= max;
    }

    /** Takes room for {@code octets} whether or not there is that much. */
    void force(long octets) {
        held.addAndGet(octets);
    }

    /** Gives back room taken before. */
    void release(long octets) {
        held.addAndGet(-octets);
    }

    /** Gives back all room. */
    void clear() {
        held.set(0);
    }

    long held() {
        return held.get();
    }

    long max() {
        return max;
    }

    /** For a reply's text: "holds N of its M octets". */
    String describe() {
        return "holds " + held() + " of its " + max + " octets";
    }
}
