package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.server.CloseReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The end of a connection without the driver or a socket: the test is the driver's side (a
 * {@link Ending.Host} that records what it was asked), the loop and the other threads.
 */
class EndingTest {

    private final ReentrantLock lock = new ReentrantLock();
    private final MemoryLink link = new MemoryLink();
    private final Side side = new Side();
    private final Connection connection = new Connection("1", link.remoteAddress(), link.localAddress(),
            () -> ending().forceClose(), new MemoryBudget(1 << 20));
    private final Ending ending = new Ending(lock, link, side, connection, Duration.ofMinutes(1));

    private Ending ending() {
        return ending;
    }

    /** The driver's side as the test sets it: where the session is, and what it was asked, in order. */
    private final class Side implements Ending.Host {
        boolean beforeSession;
        boolean idle = true;
        boolean callRunning;
        /** Whether the session closes at once when told to end: it waits for no transaction. */
        boolean closesAtOnce = true;
        final List<String> asked = new ArrayList<>();

        @Override
        public boolean beforeSession() {
            return beforeSession;
        }

        @Override
        public boolean idle() {
            return idle;
        }

        @Override
        public boolean callRunning() {
            return callRunning;
        }

        @Override
        public boolean shutdown(Reply reply, String note) {
            String locked = lock.isHeldByCurrentThread() ? "" : " without the lock";
            asked.add("shutdown " + reply.toString().strip() + " (" + note + ")" + locked);
            return closesAtOnce;
        }

        @Override
        public void unwind() {
            asked.add("unwind");
        }

        @Override
        public void over() {
            asked.add("over");
        }

        @Override
        public void ended() {
            asked.add("ended");
        }
    }

    @Test
    @DisplayName("Shutdown of an idle session: 421 4.3.2 on the loop, under the lock; it unwinds and the input ends; once")
    void shutdownWhileIdle() {
        ending.requestShutdown();
        assertThat(side.asked).as("not before the loop runs it").isEmpty();
        link.runLoop();
        assertThat(side.asked).containsExactly("shutdown 421 4.3.2 Service shutting down (server shutting down)", "unwind");
        assertThat(link.inputShutdowns).isEqualTo(1);
        assertThat(lock.isLocked()).isFalse();

        ending.requestShutdown();
        link.runLoop();
        assertThat(ending.applyRequested()).isFalse();
        assertThat(side.asked).as("applied once").hasSize(2);
        assertThat(link.closed).isFalse();
    }

    @Test
    @DisplayName("Shutdown while a handler runs: nothing at once; the session is told at its next wait for a command, once")
    void shutdownWhileHandlerRuns() {
        side.idle = false;
        side.callRunning = true;
        ending.requestShutdown();
        link.runLoop();
        assertThat(side.asked).isEmpty();
        assertThat(link.closed).isFalse();

        lock.lock();
        try {
            assertThat(ending.applyRequested()).isTrue();
            assertThat(ending.applyRequested()).isFalse();
        } finally {
            lock.unlock();
        }
        assertThat(side.asked).containsExactly("shutdown 421 4.3.2 Service shutting down (server shutting down)");
    }

    @Test
    @DisplayName("A closing thread never waits for the lock: held elsewhere, the request is left for the feeding thread")
    void shutdownNeverWaitsForTheLock() throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread feeding = new Thread(() -> {
            lock.lock();
            try {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        });
        feeding.start();
        try {
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ending.requestEnd(Replies.SHUTTING_DOWN)).isFalse();
            assertThat(side.asked).isEmpty();
        } finally {
            release.countDown();
            feeding.join();
        }
        assertThat(ending.applyRequested()).isTrue();
        assertThat(side.asked).hasSize(1);
    }

    @Test
    @DisplayName("A session with no SMTP yet (PROXY header, implicit-TLS handshake) is closed: nobody to say 421 to")
    void shutdownBeforeSession() {
        side.beforeSession = true;
        assertThat(ending.requestEnd(Replies.SHUTTING_DOWN)).isTrue();
        assertThat(link.closed).isTrue();
        assertThat(side.asked).isEmpty();
        assertThat(ending.dropped()).isFalse();
    }

    @Test
    @DisplayName("Shutdown after the session ended: done already, nothing asked of the session or the link")
    void shutdownAfterTheEnd() {
        lock.lock();
        try {
            ending.linkClosed();
            ending.endIfClosed();
        } finally {
            lock.unlock();
        }
        assertThat(ending.finished()).isTrue();
        assertThat(ending.requestEnd(Replies.SHUTTING_DOWN)).isTrue();
        assertThat(side.asked).containsExactly("ended");
        assertThat(link.closeRequests).isZero();
    }

    @Test
    @DisplayName("Shed while waiting for a command: 421 with the reply given, noted as such, and not dropped")
    void shedWhileIdle() {
        ending.shed(Replies.TOO_MANY_CONNECTIONS);
        link.runLoop();
        String reply = "421 4.7.0 Too many connections, try again later";
        assertThat(side.asked).containsExactly("shutdown " + reply + " (ending the session: " + reply + ")", "unwind");
        assertThat(ending.dropped()).isFalse();
        assertThat(link.closeRequests).isZero();
    }

    @Test
    @DisplayName("Shed in a transaction or during a call: closed at once, nothing more written")
    void shedWhileBusy() {
        side.closesAtOnce = false;
        ending.shed(Replies.TOO_MANY_CONNECTIONS);
        link.runLoop();
        assertThat(side.asked).as("told, but it waits for its transaction").hasSize(1);
        assertThat(ending.dropped()).isTrue();
        assertThat(link.closed).isTrue();

        MemoryLink other = new MemoryLink();
        Side calling = new Side();
        calling.idle = false;
        calling.callRunning = true;
        Ending busy = new Ending(lock, other, calling, connection, Duration.ofMinutes(1));
        busy.shed(Replies.TOO_MANY_CONNECTIONS);
        other.runLoop();
        assertThat(calling.asked).isEmpty();
        assertThat(busy.dropped()).isTrue();
        assertThat(other.closed).isTrue();
    }

    @Test
    @DisplayName("Connection.drop(): dropped before the close is asked for, so an answer queued behind it is not written")
    void droppedByTheApplication() {
        link.closeLater = true;
        connection.drop();
        assertThat(ending.dropped()).isTrue();
        assertThat(link.closeRequests).isEqualTo(1);
        assertThat(side.asked).isEmpty();
    }

    @Test
    @DisplayName("A forced close (the shutdown deadline): dropped and closed, without asking the session")
    void forcedClose() {
        ending.forceClose();
        assertThat(ending.dropped()).isTrue();
        assertThat(link.closed).isTrue();
        assertThat(side.asked).isEmpty();
    }

    @Test
    @DisplayName("A write waiting past the write timeout is stalled, not at it; the stalled connection is closed")
    void stalledWrite() {
        long limit = Duration.ofMinutes(1).toNanos();
        assertThat(ending.writeStalled(link.now + 2 * limit, limit)).as("no write waiting").isFalse();
        link.writeBlockedSince = link.now;
        assertThat(ending.writeStalled(link.now + limit, limit)).isFalse();
        assertThat(ending.writeStalled(link.now + limit + 1, limit)).isTrue();
        ending.closeStalledWrite();
        assertThat(link.closed).isTrue();
        assertThat(ending.dropped()).isFalse();
    }

    @Test
    @DisplayName("The link closed under a running call: the session ends when the call returns, once")
    void endWaitsForTheCall() {
        lock.lock();
        try {
            ending.endIfClosed();
            assertThat(side.asked).as("the link is still open").isEmpty();
            side.callRunning = true;
            ending.linkClosed();
            ending.endIfClosed();
            assertThat(ending.finished()).isFalse();
            side.callRunning = false;
            ending.endIfClosed();
            ending.endIfClosed();
        } finally {
            lock.unlock();
        }
        assertThat(ending.finished()).isTrue();
        assertThat(side.asked).containsExactly("ended");
    }

    @Test
    @DisplayName("After the session closed the link is finished, after QUIT with nothing pipelined at once, and closed if broken")
    void howTheLinkEnds() {
        assertThat(Ending.after(CloseReason.QUIT, false, 0)).isEqualTo(Ending.Close.FINISH_AFTER_QUIT);
        assertThat(Ending.after(CloseReason.QUIT, false, 6)).isEqualTo(Ending.Close.FINISH);
        assertThat(Ending.after(CloseReason.TIMEOUT, false, 0)).isEqualTo(Ending.Close.FINISH);
        assertThat(Ending.after(CloseReason.SHUTDOWN, false, 0)).isEqualTo(Ending.Close.FINISH);
        assertThat(Ending.after(CloseReason.QUIT, true, 0)).isEqualTo(Ending.Close.CLOSE);

        ending.close(Ending.Close.FINISH);
        assertThat(side.asked).containsExactly("over");
        assertThat(link.finished).isTrue();
        assertThat(link.closed).isFalse();
        ending.close(Ending.Close.CLOSE);
        assertThat(link.closed).isTrue();
    }
}
