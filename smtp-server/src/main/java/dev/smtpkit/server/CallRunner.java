package dev.smtpkit.server;

import dev.smtpkit.server.internal.Link;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a connection's calls into the application run. Where the feeding thread may block (the
 * JDK transport's own thread per connection), a call runs there, with the driver's lock let go;
 * where it is an event loop (Netty's), the call runs on the executor and the driver hears of its
 * end back on the loop, under the lock. Either way application code never runs on an event loop
 * nor with the driver's lock held, so the watchdog can answer for a late handler meanwhile.
 *
 * <p>It keeps no state of its own: it only lets go of and takes again the driver's lock, which
 * guards everything the driver does before and after a call. Not meant for any other thread than
 * the one feeding the driver, which holds that lock when it calls here.
 */
final class CallRunner {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    private final ReentrantLock lock;
    private final boolean here;
    private final Executor executor;
    private final Link link;
    private final Connection connection;

    /**
     * @param lock     the driver's
     * @param here     whether calls run on the feeding thread, which may block
     * @param executor runs calls otherwise
     */
    CallRunner(ReentrantLock lock, boolean here, Executor executor, Link link, Connection connection) {
        this.lock = lock;
        this.here = here;
        this.executor = executor;
        this.link = link;
        this.connection = connection;
    }

    /** Whether calls run on the feeding thread: the driver is then re-entered by a handler that pulls content. */
    boolean here() {
        return here;
    }

    /**
     * Runs {@code c} on this thread, the feeding one, and waits for a stage it returns. Every
     * hold of the lock is let go meanwhile (a handler pulling content re-enters the driver) and
     * taken again after.
     */
    void runHere(HandlerCall c) {
        int holds = lock.getHoldCount();
        for (int i = 0; i < holds; i++) {
            lock.unlock();
        }
        try {
            c.run(true, () -> { });
        } finally {
            for (int i = 0; i < holds; i++) {
                lock.lock();
            }
        }
    }

    /**
     * Runs {@code c} on the executor; once it is done, {@code then} runs on the link's loop under
     * the lock. An executor that refuses it (shut down or full, or no thread to be had) ends the
     * call at once as failed, and {@code then} does not run: the caller finds the call done.
     */
    void runElsewhere(HandlerCall c, Runnable then) {
        try {
            executor.execute(() -> c.run(false, () -> link.execute(() -> {
                lock.lock();
                try {
                    then.run();
                } finally {
                    lock.unlock();
                }
            })));
        } catch (RejectedExecutionException | Error e) {
            LOG.warn("{} {}: the executor refused a handler call; answering without it", connection.id(),
                    Transcript.address(connection.remoteAddress()), e);
            c.fail(e);
        }
    }

    /** Runs {@code SessionHandler.close()}, which answers nothing, where calls run: never on an event loop. */
    void runClose(Runnable close) {
        if (here) {
            close.run();
            return;
        }
        try {
            executor.execute(close);
        } catch (RejectedExecutionException | Error e) {
            LOG.warn("{}: the executor refused SessionHandler.close(); it is not called", connection.id(), e);
        }
    }
}
