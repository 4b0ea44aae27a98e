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
 * Answers for a handler that does not: one thread per server that looks, a few times a second,
 * for a handler call past its deadline ({@link SmtpServer.Builder#handlerTimeout},
 * {@link SmtpServer.Builder#dataTerminationTimeout}) and has that connection answer 451 on an
 * executor thread. One periodic look rather than a timer per call: a handler call is a few per
 * message, and a timer each would cost more than the call.
 */
final class HandlerWatchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HandlerWatchdog.class);

    private final Supplier<List<ConnectionWorker>> workers;
    private final Executor executor;
    private final long periodNanos;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Looks every tenth of the shorter deadline, between 10 ms and a second, so a late handler
     * is answered at most that long after its deadline.
     */
    HandlerWatchdog(String name, Supplier<List<ConnectionWorker>> workers, Executor executor, Duration... deadlines) {
        this.workers = workers;
        this.executor = executor;
        long shortest = Long.MAX_VALUE;
        for (Duration d : deadlines) {
            shortest = Math.min(shortest, d.toMillis());
        }
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, Math.min(1000, shortest / 10)));
        this.thread = new Thread(this::watch, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (running) {
            LockSupport.parkNanos(this, periodNanos);
            long now = System.nanoTime();
            for (ConnectionWorker w : workers.get()) {
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
