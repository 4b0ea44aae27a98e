package dev.smtpkit.server;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpRejectException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide bound on message octets held in memory while messages are read whole for a
 * {@link MessageHandler} ({@link SmtpServer.Builder#maxMessageBytesInMemory}), and on what streamed
 * messages read ahead of their handlers beyond {@link MessagePipe#PAUSE_AT}. Each message is
 * bounded by {@code maxMessageSize}, but many at once are not: 16 concurrent 10 MB messages are
 * 160 MB, more than a small heap has. Past the budget a message is read to its end and dropped,
 * and the client gets {@code 452 4.3.1} (RFC 5321 §4.2.2 and §4.5.3.1.10: a temporary lack of
 * storage), so it sends the message again later; the heap never runs out.
 */
final class MemoryBudget {

    private static final int CHUNK = 64 * 1024;

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    /** Octets reserved now by messages being read or handled. */
    long used() {
        return used.get();
    }

    /**
     * Reads {@code content} whole within the budget, reserving as it grows; the caller releases
     * {@code result.length} when done with it.
     *
     * @throws SmtpRejectException with 452 4.3.1 when the budget ran out, after reading the rest
     */
    byte[] readWhole(InputStream content) throws IOException {
        ByteArrayOutputStream whole = new ByteArrayOutputStream(CHUNK);
        byte[] chunk = new byte[CHUNK];
        long reserved = 0;
        try {
            for (int n = content.read(chunk); n >= 0; n = content.read(chunk)) {
                if (!reserve(n)) {
                    content.transferTo(java.io.OutputStream.nullOutputStream());
                    throw new SmtpRejectException(Replies.INSUFFICIENT_STORAGE);
                }
                reserved += n;
                whole.write(chunk, 0, n);
            }
        } catch (IOException | RuntimeException | Error e) {
            release(reserved);
            throw e;
        }
        return whole.toByteArray();
    }

    /**
     * Reserves {@code n} octets for a streamed message's read-ahead ({@link MessagePipe}), only
     * while at least half the budget stays free after it: read-ahead makes a large message cross
     * to its handler in fewer, larger steps, but must never leave messages read whole without
     * room. The caller {@link #release}s it.
     */
    boolean lendReadAhead(long n) {
        return reserve(n, limit / 2);
    }

    private boolean reserve(long n) {
        return reserve(n, limit);
    }

    private boolean reserve(long n, long ceiling) {
        while (true) {
            long now = used.get();
            if (now + n > ceiling) {
                return false;
            }
            if (used.compareAndSet(now, now + n)) {
                return true;
            }
        }
    }

    void release(long n) {
        used.addAndGet(-n);
    }
}
