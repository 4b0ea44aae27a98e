package dev.smtpkit.server;

import dev.smtpkit.core.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A message's content on its way from the connection to the handler: the driver appends what
 * the session decodes, the handler reads it as a stream, on its own thread.
 *
 * <p>Bounded by the driver: it stops the connection's input once {@link #full()} says so, and
 * this calls {@code drained} when the handler has taken the queue down again. A pipe stops at
 * {@link #PAUSE_AT} octets unless the server's memory budget lends it room up to
 * {@link #READ_AHEAD}: each stop and restart of the input costs the event loop and the handler's
 * thread a sleep and a wake each, some 30 µs on a 2-core machine, and 10 MiB messages crossing
 * in 64 KiB steps went at 36-41 a second, in 1 MiB steps at 57-64 (benchmarks/ SmtpkitServer,
 * Netty, {@code smtp-source -s 4 -l 10485760}), for a quarter less CPU.
 *
 * <p>Where the handler runs on the thread that reads the socket (the JDK transport), an empty
 * pipe does not wait: it runs {@code pump}, one read from the socket into the driver, which
 * appends here or ends the message. Such a pipe never fills and borrows nothing.
 */
final class MessagePipe extends InputStream {

    /** Queued octets at which the driver stops reading, without a loan. */
    static final int PAUSE_AT = 64 * 1024;
    /** Queued octets at which the driver stops reading, with the budget's loan. */
    static final int READ_AHEAD = 1024 * 1024;

    private static final int OPEN = 0;
    private static final int ENDED = 1;
    private static final int ABORTED = 2;

    private final Runnable pump;
    private final Runnable drained;
    private final MemoryBudget lender;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    // Guarded by lock.
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    /** Chunks the handler emptied, for appends to fill again: a new array is zeroed first, which cost as much as the copy. */
    private final ArrayDeque<Chunk> spare = new ArrayDeque<>();
    private long spareOctets;
    private int headOffset;
    private long queued;
    private int state = OPEN;
    private Reply abortReason;
    private boolean closed;
    private boolean paused;
    private long octets;
    private int pauseAt = PAUSE_AT;
    private long borrowed;

    /**
     * @param pump    one read into the driver, for a handler on the reading thread; null where
     *                another thread feeds the pipe (the handler then waits)
     * @param drained called, without the lock, once the queue fell to a quarter of where it
     *                stopped after {@link #full()} said the input stopped
     * @param lender  the server's memory budget, which may lend room beyond {@link #PAUSE_AT}
     */
    MessagePipe(Runnable pump, Runnable drained, MemoryBudget lender) {
        this.pump = pump;
        this.drained = drained;
        this.lender = Objects.requireNonNull(lender, "lender");
    }

    // ---------------------------------------------------------------- the driver's side

    /** Appends a copy of {@code content}; dropped once the handler is done with the stream. */
    void append(ByteBuffer content) {
        int n = content.remaining();
        lock.lock();
        try {
            octets += n;
            if (closed || n == 0) {
                content.position(content.limit());
                return;
            }
            Chunk chunk = spare.peek();
            if (chunk != null && chunk.bytes.length >= n) {
                spare.poll();
                spareOctets -= chunk.bytes.length;
            } else {
                chunk = new Chunk(new byte[n]);
            }
            content.get(chunk.bytes, 0, n);
            chunk.end = n;
            chunks.add(chunk);
            queued += n;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void end() {
        finish(ENDED, null);
    }

    void abort(Reply reason) {
        finish(ABORTED, Objects.requireNonNull(reason, "reason"));
    }

    private void finish(int how, Reply reason) {
        lock.lock();
        try {
            if (state == OPEN) {
                state = how;
                abortReason = reason;
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the queue is full: the driver stops the input, and {@code drained} tells it to resume. */
    boolean full() {
        lock.lock();
        try {
            if (queued >= pauseAt && borrowed == 0 && !closed && lender.lendReadAhead(READ_AHEAD - PAUSE_AT)) {
                borrowed = READ_AHEAD - PAUSE_AT;
                pauseAt = READ_AHEAD;
            }
            if (queued >= pauseAt) {
                paused = true;
            }
            return paused;
        } finally {
            lock.unlock();
        }
    }

    long queued() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    /** All octets appended, read or not: the message's size so far. */
    long octets() {
        lock.lock();
        try {
            return octets;
        } finally {
            lock.unlock();
        }
    }

    boolean aborted() {
        lock.lock();
        try {
            return state == ABORTED;
        } finally {
            lock.unlock();
        }
    }

    Reply abortReason() {
        lock.lock();
        try {
            return abortReason;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The handler is done with the message: what comes now is dropped, nothing holds the input
     * back, and the loan goes back to the budget.
     */
    void release() {
        boolean resume;
        lock.lock();
        try {
            closed = true;
            chunks.clear();
            spare.clear();
            spareOctets = 0;
            queued = 0;
            headOffset = 0;
            resume = paused;
            paused = false;
            lender.release(borrowed);
            borrowed = 0;
        } finally {
            lock.unlock();
        }
        if (resume) {
            drained.run();
        }
    }

    // ---------------------------------------------------------------- the handler's side

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        boolean resume = false;
        int n;
        lock.lock();
        try {
            while (chunks.isEmpty()) {
                if (closed) {
                    throw new IOException("message stream closed");
                }
                if (state == ENDED) {
                    return -1;
                }
                if (state == ABORTED) {
                    throw new IncompleteMessageException(abortReason);
                }
                if (len == 0) {
                    return 0;
                }
                if (pump != null) {
                    lock.unlock();
                    try {
                        pump.run();
                    } finally {
                        lock.lock();
                    }
                } else {
                    try {
                        arrived.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading the message");
                    }
                }
            }
            if (closed) {
                throw new IOException("message stream closed");
            }
            Chunk head = chunks.peek();
            n = Math.min(len, head.end - headOffset);
            System.arraycopy(head.bytes, headOffset, b, off, n);
            headOffset += n;
            if (headOffset == head.end) {
                chunks.poll();
                headOffset = 0;
                // Kept only while queue and spares stay within the bound the driver holds the queue to.
                if (queued - n + spareOctets + head.bytes.length <= pauseAt) {
                    spare.push(head);
                    spareOctets += head.bytes.length;
                }
            }
            queued -= n;
            if (paused && queued <= pauseAt / 4) {
                paused = false;
                resume = true;
            }
        } finally {
            lock.unlock();
        }
        if (resume) {
            drained.run();
        }
        return n;
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, queued);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Appended octets: {@code bytes[0, end)}; the array may be one an earlier chunk left. */
    private static final class Chunk {
        final byte[] bytes;
        int end;

        Chunk(byte[] bytes) {
            this.bytes = bytes;
        }
    }
}
