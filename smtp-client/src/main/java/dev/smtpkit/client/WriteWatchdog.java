package dev.smtpkit.client;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Bounds blocking writes, which a JDK socket cannot time out itself: a server that stops reading
 * would otherwise hold the sending thread forever (RFC 5321 §4.5.3.2.5 gives the client a data
 * block timeout). One periodic check for the whole client rather than a timer per write: a timer
 * per write cost a scheduled task, a lambda and a lock for every command, and a cancelled task
 * stayed queued until its ten minutes were up, so a busy client kept millions of them.
 */
final class WriteWatchdog {

    /** Connections inside a write; each knows its own deadline. */
    private final Set<Connection> writing = ConcurrentHashMap.newKeySet();

    /**
     * Starts checking on {@code timer} every tenth of {@code timeout}, between 10 ms and a second,
     * so a write is cut at most that long after its deadline.
     */
    WriteWatchdog(ScheduledExecutorService timer, Duration timeout) {
        long period = Math.max(10, Math.min(1000, timeout.toMillis() / 10));
        timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    void started(Connection c) {
        writing.add(c);
    }

    void ended(Connection c) {
        writing.remove(c);
    }

    private void check() {
        long now = System.nanoTime();
        for (Connection c : writing) {
            c.cutIfWritingPast(now);
        }
    }
}
