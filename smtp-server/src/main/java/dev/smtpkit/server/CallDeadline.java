package dev.smtpkit.server;

/**
 * The deadline of the application call under way, as the {@link Watchdog} sees it: a
 * {@code hello}, {@code mail} or {@code rcpt} call is timed from its start
 * ({@code handlerTimeout}), a message from the end of its data ({@code dataTerminationTimeout}).
 * A call past its deadline is reported to the watchdog once; once the client was told 451 for
 * it, the call's own answer, when it comes, is dropped.
 *
 * <p>Started, armed and ended by the connection's driver (under its lock); read by the watchdog's
 * thread, hence the volatile fields.
 */
final class CallDeadline {

    /** When the timed call must have returned (clock nanoseconds), or 0 while none is timed. */
    private volatile long deadline;
    /** Numbers the timed calls, so that a late answer is given for the call that was late and no other. */
    private volatile long number;
    /** The last call the watchdog was told of; the watchdog's thread only. */
    private long reported;
    /** The client was told 451 for this call; under the driver's lock. */
    private boolean answered;

    /** A new call: timed from {@code at}, or untimed for now when 0 (a message, until its data ended). */
    void start(long at) {
        answered = false;
        number++;
        deadline = at;
    }

    /** Times the call under way from now on: {@code at} is its deadline. */
    void arm(long at) {
        deadline = at;
    }

    /** The call returned; true if the client was told 451 for it already, so its answer is to be dropped. */
    boolean end() {
        deadline = 0;
        boolean late = answered;
        answered = false;
        return late;
    }

    /** The watchdog's question: the number of the call past its deadline at {@code now}, once, or 0. */
    long late(long now) {
        long d = deadline;
        long n = number;
        if (d == 0 || now - d < 0 || n == reported) {
            return 0;
        }
        reported = n;
        return n;
    }

    /** Whether call {@code n} is still under way, timed, and not yet answered for. */
    boolean awaiting(long n) {
        return deadline != 0 && number == n && !answered;
    }

    /** The client was told 451 for the call under way. */
    void answered() {
        answered = true;
    }
}
