package dev.smtpkit.server;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
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
     * One thread per connection (on the Netty transport, per connection that has something to
     * do): a virtual thread where the runtime has them (Java 21), which costs little while a
     * client is idle; else platform threads that are reused, an idle one ending after a minute. The pool itself is unbounded: {@link SmtpServer} admits at most
     * {@code Builder.maxConnections} connections before it hands one to the executor, and a bound here
     * would refuse a connection while the thread of one that just ended is still returning.
     *
     * <p>A hand-off queue, not core threads: a pool whose core size is the connection limit
     * starts a new thread for every connection until it has that many, however many are idle,
     * so a client that connects once per message would leave thousands of idle threads (and
     * their stacks) behind.
     */
    static ExecutorService connectionExecutor() {
        return virtualThreadPerTask().orElseGet(Pool::new);
    }

    /** Waits until every platform thread that {@code executor} started has ended, if it is a {@link Pool}. */
    static boolean joinAll(ExecutorService executor, long millis) throws InterruptedException {
        return !(executor instanceof Pool pool) || pool.joinAll(millis);
    }

    /**
     * Reused platform threads that it can wait for: {@code awaitTermination} returns while the
     * last thread is still finishing, and {@link SmtpServer#close()} promises that every thread
     * it started has ended.
     */
    private static final class Pool extends ThreadPoolExecutor {
        private static final AtomicInteger NAMES = new AtomicInteger();
        private final Set<Thread> started = ConcurrentHashMap.newKeySet();

        Pool() {
            super(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>());
            setThreadFactory(r -> {
                Thread t = new Thread(r, PREFIX + "worker-" + NAMES.incrementAndGet());
                t.setDaemon(true);
                // Threads are started rarely (they are reused), so forgetting the ended ones here is cheap.
                started.removeIf(old -> !old.isAlive());
                started.add(t);
                return t;
            });
        }

        boolean joinAll(long millis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (Thread t : new ArrayList<>(started)) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            return started.stream().noneMatch(Thread::isAlive);
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
