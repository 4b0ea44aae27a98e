package dev.smtpkit.inbox;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The web inbox's write deadline. A client that stops reading (a tab on a machine that froze,
 * or one that means harm) leaves the thread writing its response blocked for good, and an
 * event stream's thread holds one of {@link InboxServer#MAX_WAITING} slots as well: 64 such
 * clients would end every browser's live updates. The JDK's HTTP server has no write timeout, but
 * it writes to an interruptible channel, so a write blocked past the deadline gets its thread
 * interrupted, which closes that connection and ends the write with an exception.
 *
 * <p>{@link #check(long)} runs on a timer ({@link InboxServer} checks every second); times are a
 * clock's nanoseconds, so a test moves them by hand.
 */
final class WriteDeadline {

    /** How long one write may wait for the client to take it. */
    static final Duration DEFAULT = Duration.ofSeconds(30);

    private final long limitNanos;
    private final LongSupplier clock;
    private final Set<Watched> writing = ConcurrentHashMap.newKeySet();
    private final AtomicLong cutOff = new AtomicLong();

    WriteDeadline(Duration limit, LongSupplier clock) {
        this.limitNanos = limit.toNanos();
        this.clock = clock;
    }

    /** {@code out}, its writes, flushes and close bounded by the deadline. */
    OutputStream watch(OutputStream out) {
        return new Watched(out);
    }

    /**
     * Interrupts each thread whose write began at least the deadline before {@code now}.
     *
     * @return how many were interrupted
     */
    int check(long now) {
        int cut = 0;
        for (Watched w : writing) {
            if (w.cutIfLate(now)) {
                cut++;
            }
        }
        cutOff.addAndGet(cut);
        return cut;
    }

    /** Writes cut off so far. */
    long cutOff() {
        return cutOff.get();
    }

    /** One write, flush or close of the stream under watch. */
    private interface Write {
        void run() throws IOException;
    }

    private final class Watched extends FilterOutputStream {
        // Guarded by this: the writer and check() agree on whether the interrupt is this write's.
        private Thread writer;
        private long since;
        private boolean cut;

        Watched(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            timed(() -> out.write(b));
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            timed(() -> out.write(b, off, len));
        }

        @Override
        public void flush() throws IOException {
            timed(out::flush);
        }

        @Override
        public void close() throws IOException {
            // Closing a chunked response writes its last chunk, which can block like any write.
            timed(out::close);
        }

        private void timed(Write write) throws IOException {
            begin();
            try {
                write.run();
            } finally {
                end();
            }
        }

        private synchronized void begin() {
            writer = Thread.currentThread();
            since = clock.getAsLong();
            cut = false;
            writing.add(this);
        }

        private synchronized void end() {
            writing.remove(this);
            writer = null;
            if (cut) {
                // The interrupt was for this write: it must not reach what the thread does next.
                Thread.interrupted();
            }
        }

        private synchronized boolean cutIfLate(long now) {
            if (writer == null || cut || now - since < limitNanos) {
                return false;
            }
            cut = true;
            writer.interrupt();
            return true;
        }
    }
}
