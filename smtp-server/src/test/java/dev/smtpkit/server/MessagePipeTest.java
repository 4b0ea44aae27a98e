package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A pipe fed by an event loop (no pump): where it stops the input, what it borrows, and when it gives it back. */
// A broken pipe spins or waits for ever; on a thread of its own the test still ends.
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MessagePipeTest {

    private static final int LOAN = MessagePipe.READ_AHEAD - MessagePipe.PAUSE_AT;

    private final AtomicInteger drained = new AtomicInteger();

    private MessagePipe pipe(MemoryBudget budget) {
        return new MessagePipe(null, drained::incrementAndGet, budget);
    }

    private static void fill(MessagePipe pipe, int octets) {
        while (octets > 0) {
            int n = Math.min(octets, 16 * 1024);
            pipe.append(ByteBuffer.allocate(n));
            octets -= n;
        }
    }

    private static void take(MessagePipe pipe, int octets) throws Exception {
        byte[] into = new byte[8192];
        while (octets > 0) {
            octets -= pipe.read(into, 0, Math.min(into.length, octets));
        }
    }

    @Test
    @DisplayName("Full at 64 KiB, a pipe borrows up to 1 MiB from the budget once, stops there, resumes at a quarter, and gives the loan back on release")
    void borrowsOnceAndGivesBack() throws Exception {
        MemoryBudget budget = new MemoryBudget(4L * MessagePipe.READ_AHEAD);
        MessagePipe pipe = pipe(budget);
        fill(pipe, MessagePipe.PAUSE_AT - 1);
        assertThat(pipe.full()).isFalse();
        assertThat(budget.used()).isZero();
        fill(pipe, 1);
        assertThat(pipe.full()).as("room lent").isFalse();
        assertThat(budget.used()).isEqualTo(LOAN);
        fill(pipe, LOAN - 1);
        assertThat(pipe.full()).isFalse();
        fill(pipe, 1);
        assertThat(pipe.full()).isTrue();
        assertThat(budget.used()).as("borrowed once").isEqualTo(LOAN);

        take(pipe, MessagePipe.READ_AHEAD * 3 / 4 - 1);
        assertThat(drained.get()).isZero();
        take(pipe, 1);
        assertThat(drained.get()).as("resumed at a quarter").isEqualTo(1);
        assertThat(pipe.full()).isFalse();

        pipe.release();
        pipe.release();
        assertThat(budget.used()).as("given back once").isZero();
        fill(pipe, MessagePipe.READ_AHEAD);
        assertThat(pipe.full()).as("a released pipe drops what comes and borrows nothing").isFalse();
        assertThat(budget.used()).isZero();
    }

    @Test
    @DisplayName("Loans never take the budget's second half, which stays for messages read whole; without one a pipe stops at 64 KiB and resumes at 16 KiB")
    void loansLeaveHalfTheBudget() throws Exception {
        MemoryBudget budget = new MemoryBudget(2L * LOAN + LOAN / 2);
        MessagePipe first = pipe(budget);
        MessagePipe second = pipe(budget);
        fill(first, MessagePipe.PAUSE_AT);
        fill(second, MessagePipe.PAUSE_AT);
        assertThat(first.full()).isFalse();
        assertThat(second.full()).as("a second loan would leave less than half free").isTrue();
        assertThat(budget.used()).isEqualTo(LOAN);

        take(second, MessagePipe.PAUSE_AT * 3 / 4 - 1);
        assertThat(drained.get()).isZero();
        take(second, 1);
        assertThat(drained.get()).isEqualTo(1);

        first.release();
        assertThat(budget.used()).isZero();
        second.release();
        assertThat(budget.used()).isZero();
    }

    @Test
    @DisplayName("Appends of every size between reads of every size, in chunks the handler emptied and fresh ones alike, come out as they went in")
    void reusedChunksKeepTheContent() throws Exception {
        Random random = new Random(15);
        MessagePipe pipe = pipe(new MemoryBudget(1 << 20));
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] into = new byte[20_000];
        for (int round = 0; round < 2_000; round++) {
            // Mostly the session's 16 KiB pieces, sometimes a short or a larger one, as a message's last piece is.
            int size = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(100);
                case 1 -> 16 * 1024 + random.nextInt(2) * 4096;
                default -> 16 * 1024;
            };
            byte[] piece = new byte[size];
            random.nextBytes(piece);
            pipe.append(ByteBuffer.wrap(piece));
            sent.write(piece);
            int reads = random.nextInt(3);
            for (int i = 0; i < reads && pipe.available() > 0; i++) {
                int n = pipe.read(into, 0, 1 + random.nextInt(into.length - 1));
                got.write(into, 0, n);
            }
        }
        pipe.end();
        for (int n = pipe.read(into, 0, into.length); n >= 0; n = pipe.read(into, 0, into.length)) {
            got.write(into, 0, n);
        }
        assertThat(got.toByteArray()).isEqualTo(sent.toByteArray());
        assertThat(pipe.octets()).isEqualTo(sent.size());
    }
}
