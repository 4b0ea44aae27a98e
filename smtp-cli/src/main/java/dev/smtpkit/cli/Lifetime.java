package dev.smtpkit.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How long a command that runs until stopped (catch, sink, proxy, play --serve) runs: until
 * Ctrl-C for a user, until {@link #stop()} for a test. A shutdown hook stops it and then waits
 * for the command to have closed what it opened, so a server answers its clients 421 on the way
 * out (RFC 5321 §3.8) instead of dropping them.
 */
final class Lifetime {

    /** How long the shutdown hook waits for the command to finish closing. */
    static final Duration EXIT_WAIT = Duration.ofSeconds(15);

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final boolean untilShutdown;
    private boolean hooked;

    private Lifetime(boolean untilShutdown) {
        this.untilShutdown = untilShutdown;
    }

    /** Runs until the JVM is asked to exit (Ctrl-C, SIGTERM). */
    static Lifetime untilShutdown() {
        return new Lifetime(true);
    }

    /** Runs until {@link #stop()}; for tests, which must not depend on signals. */
    static Lifetime untilStopped() {
        return new Lifetime(false);
    }

    /** Waits until stopped. */
    void await() throws InterruptedException {
        hook();
        stopped.await();
    }

    /** Waits until stopped or the time is up; returns whether stopped. */
    boolean await(Duration atMost) throws InterruptedException {
        hook();
        return stopped.await(atMost.toNanos(), TimeUnit.NANOSECONDS);
    }

    boolean isStopped() {
        return stopped.getCount() == 0;
    }

    /** Asks the command to stop. */
    void stop() {
        stopped.countDown();
    }

    /** Said by the command once it closed everything, whether it was stopped or ended by itself. */
    void finished() {
        finished.countDown();
    }

    /** Waits until the command said it finished; returns whether it did in time. */
    boolean awaitFinished(Duration atMost) throws InterruptedException {
        return finished.await(atMost.toNanos(), TimeUnit.NANOSECONDS);
    }

    private synchronized void hook() {
        if (!untilShutdown || hooked) {
            return;
        }
        hooked = true;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop();
            try {
                awaitFinished(EXIT_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "smtpkit-shutdown"));
    }
}
