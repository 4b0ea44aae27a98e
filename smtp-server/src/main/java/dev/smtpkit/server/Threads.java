package dev.smtpkit.server;

import java.lang.reflect.InvocationTargetException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The threads a server starts when the application gives it no executor. */
final class Threads {

    /** Every thread the server starts or borrows has a name with this prefix, so leaks are easy to see. */
    static final String PREFIX = "smtpkit-";

    private Threads() {
    }

    /**
     * One thread per connection: a virtual thread where the runtime has them (Java 21), which
     * costs little while a client is idle; else a pool of platform threads bounded by the
     * connection limit, its idle threads ending after a minute.
     */
    static ExecutorService connectionExecutor(int maxConnections) {
        return virtualThreadPerTask().orElseGet(() -> new ConnectionPool(maxConnections));
    }

    /**
     * A bounded pool whose {@link #awaitTermination} also waits for its threads to end: the JDK's
     * returns when the last task is done, a moment before its thread exits, and "no thread left
     * behind" after {@code close()} means the threads, not the tasks.
     */
    static final class ConnectionPool extends ThreadPoolExecutor {
        private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        ConnectionPool(int maxConnections) {
            super(maxConnections, maxConnections, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            AtomicInteger n = new AtomicInteger();
            setThreadFactory(r -> {
                threads.removeIf(t -> !t.isAlive());
                Thread t = new Thread(r, PREFIX + "worker-" + n.incrementAndGet());
                t.setDaemon(true);
                threads.add(t);
                return t;
            });
            allowCoreThreadTimeOut(true);
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            if (!super.awaitTermination(timeout, unit)) {
                return false;
            }
            for (Thread t : threads) {
                long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                t.join(Math.max(1, leftMillis));
                if (t.isAlive()) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The library's one reflective call (house rule 8): we compile for Java 17, where
     * {@code Executors.newVirtualThreadPerTaskExecutor} does not exist. On 19 and 20 it exists
     * but throws unless preview features are on; then we fall back too.
     */
    static Optional<ExecutorService> virtualThreadPerTask() {
        try {
            return Optional.of((ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null));
        } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
            return Optional.empty();
        }
    }
}
