package dev.smtpkit.testkit;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

/**
 * Lets a repeated warning through at most once an interval, saying how many were held back: a
 * client that reconnects in a loop to a full test double would otherwise write a log line per
 * connection.
 */
final class LogThrottle {

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private boolean passedOnce;
    private long lastPassed;
    private int heldBack;

    LogThrottle(Duration interval) {
        this(interval, System::nanoTime);
    }

    LogThrottle(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    /** How many were held back since the last one let through, if this one may go; empty if not. */
    synchronized OptionalInt pass() {
        long now = nanoClock.getAsLong();
        if (passedOnce && now - lastPassed < intervalNanos) {
            heldBack++;
            return OptionalInt.empty();
        }
        passedOnce = true;
        lastPassed = now;
        int held = heldBack;
        heldBack = 0;
        return OptionalInt.of(held);
    }
}
