package dev.smtpkit.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread per server that looks at every connection a few times a second for a wait that
 * nothing else ends:
 * <ul>
 *   <li>a handler call past its deadline ({@link SmtpServer.Builder#handlerTimeout},
 *       {@link SmtpServer.Builder#dataTerminationTimeout}): that connection answers 451 on an
 *       executor thread;</li>
 *   <li>a reply the client has not taken within {@link SmtpServer.Builder#writeTimeout} (it
 *       pipelines commands and never reads): that connection is closed, which ends the blocked
 *       write on either transport.</li>
 * </ul>
 * One periodic look rather than a timer per call or write: there are a few of each per message,
 * and a timer each would cost more than the call.
 */
final class Watchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    private final Supplier<List<SessionDriver>> workers;
    private final Executor executor;
    private final long periodNanos;
    private final long writeTimeoutNanos;
    private final Thread thread;
    private volatile boolean running = true;

    /** Looks every {@link #periodNanos(Settings)}. */
    Watchdog(String name, Supplier<List<SessionDriver>> workers, Executor executor, Settings settings) {
        this.workers = workers;
        this.executor = executor;
        this.writeTimeoutNanos = settings.writeTimeout().toNanos();
        this.periodNanos = periodNanos(settings);
        this.thread = new Thread(this::watch, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A tenth of the shortest deadline the watchdog keeps (write, handler, end of data), between
     * 10 ms and a second, so each is enforced at most that long after it passed.
     */
    static long periodNanos(Settings settings) {
        long shortest = settings.writeTimeout().toMillis();
        for (Duration d : List.of(settings.handlerTimeout(), settings.dataTerminationTimeout())) {
            shortest = Math.min(shortest, d.toMillis());
        }
        return TimeUnit.MILLISECONDS.toNanos(Math.max(10, Math.min(1000, shortest / 10)));
    }

    private void watch() {
        while (running) {
            LockSupport.parkNanos(this, periodNanos);
            long now = System.nanoTime();
            for (SessionDriver w : workers.get()) {
                w.watch(now);
                if (w.writeStalled(now, writeTimeoutNanos)) {
                    // Closing never blocks, and it fails the write the connection's thread is stuck in.
                    w.closeStalledWrite();
                    continue;
                }
                long call = w.lateHandlerCall(now);
                if (call != 0) {
                    try {
                        // Not on this thread: the 451 is a blocking write to a client that may not read.
                        executor.execute(() -> w.answerLateHandler(call));
                    } catch (RejectedExecutionException e) {
                        LOG.debug("no thread to answer a late handler on {}: {}", w.connection().id(), e.toString());
                    }
                }
            }
        }
    }

    /** Stops looking and waits for the thread to end. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
