package dev.smtpkit.server;

import dev.smtpkit.core.Timeout;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One connection's deadlines, on a clock given to it: how long the next read may wait so that no
 * client can hold a connection by sending slowly.
 *
 * <ul>
 *   <li>A command must arrive whole within the command timeout from the reply before it
 *       (RFC 5321 §4.5.3.2.7), however its octets are spread: one octet every few seconds does
 *       not keep it alive.</li>
 *   <li>Message data must keep coming within the data-block timeout of each read
 *       (RFC 5321 §4.5.3.2.5), and the whole message must arrive by its own deadline: the data
 *       block timeout plus one second for every {@code minDataRate} octets received (Postfix's
 *       {@code smtpd_min_data_rate}). A trickled message is cut there; a large one sent at a
 *       modest rate keeps earning time.</li>
 *   <li>The whole connection ends at {@code maxSessionLifetime}, whatever it does.</li>
 * </ul>
 *
 * Not thread-safe: used by the one thread that serves the connection at a time.
 */
final class Deadlines {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final LongSupplier clock;
    private final long minDataRate;
    private final long dataBlockNanos;
    private final long sessionEnd;

    /** When the command awaited must be in, or 0 while none is awaited. */
    private long commandEnd;
    /** When the message under way began (the first read for its data), or 0 outside a message. */
    private long messageStart;
    private long messageOctets;
    private Timeout last;

    /**
     * @param clock              nanoseconds, as {@link System#nanoTime()}
     * @param maxSessionLifetime how long the connection may last from now
     * @param dataBlockTimeout   the data-block timeout, also the message deadline's head start
     * @param minDataRate        octets per second a message must average past its head start; 0 for none
     */
    Deadlines(LongSupplier clock, Duration maxSessionLifetime, Duration dataBlockTimeout, long minDataRate) {
        this.clock = clock;
        this.minDataRate = minDataRate;
        this.dataBlockNanos = dataBlockTimeout.toNanos();
        long now = clock.getAsLong();
        this.sessionEnd = now + Math.min(maxSessionLifetime.toNanos(), Long.MAX_VALUE / 4);
    }

    /**
     * How long the next read may wait, in milliseconds, for what the session awaits: at most
     * {@code perReadMillis}, and never past a deadline; 0 once a deadline has passed.
     */
    int readTimeoutMillis(Timeout awaited, int perReadMillis) {
        long now = clock.getAsLong();
        long end = sessionEnd;
        if (awaited == Timeout.DATA_BLOCK) {
            if (last != Timeout.DATA_BLOCK) {
                messageStart = now;
                messageOctets = 0;
            }
            commandEnd = 0;
            end = Math.min(end, messageEnd());
        } else {
            messageStart = 0;
            if (commandEnd == 0) {
                commandEnd = now + perReadMillis * 1_000_000L;
            }
            end = Math.min(end, commandEnd);
        }
        last = awaited;
        long left = end - now;
        if (left <= 0) {
            return 0;
        }
        return (int) Math.max(1, Math.min(perReadMillis, (left + 999_999) / 1_000_000));
    }

    /** Octets the client sent; while a message is under way they earn it time at {@code minDataRate}. */
    void received(int octets) {
        if (messageStart != 0) {
            messageOctets += octets;
        }
    }

    /** A reply went out: the next command has the whole command timeout again. */
    void replied() {
        commandEnd = 0;
    }

    /** Which deadline a read that timed out with 0 left ran into, for the transcript. */
    String expired() {
        long now = clock.getAsLong();
        if (now - sessionEnd >= 0) {
            return "the session lifetime";
        }
        if (messageStart != 0 && now - messageEnd() >= 0) {
            return "the message deadline (" + messageOctets + " octets at under " + minDataRate + " octets/s)";
        }
        return "the " + (last == null ? Timeout.SERVER_COMMAND : last) + " timeout";
    }

    private long messageEnd() {
        if (minDataRate <= 0) {
            return Long.MAX_VALUE / 2;
        }
        long earned = messageOctets / minDataRate;
        long earnedNanos = earned > Long.MAX_VALUE / (4 * NANOS_PER_SECOND) ? Long.MAX_VALUE / 4
                : earned * NANOS_PER_SECOND + messageOctets % minDataRate * NANOS_PER_SECOND / minDataRate;
        return messageStart + dataBlockNanos + earnedNanos;
    }
}
