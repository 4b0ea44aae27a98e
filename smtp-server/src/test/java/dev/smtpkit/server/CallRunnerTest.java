package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Where application calls run, with the driver's lock as it is, without the driver: the test is the loop and the executor. */
class CallRunnerTest {

    private final ReentrantLock lock = new ReentrantLock();
    private final MemoryLink link = new MemoryLink();
    private final Connection connection = new Connection("1", link.remoteAddress(), link.localAddress(), () -> { },
            new MemoryBudget(1 << 20));
    /** Whether this thread held the lock while the application's code ran. */
    private final List<Boolean> lockedInCall = new ArrayList<>();

    private HandlerCall call() {
        return new HandlerCall(HandlerCall.Kind.DECISION, () -> lockedInCall.add(lock.isHeldByCurrentThread()));
    }

    @Test
    @DisplayName("On the feeding thread a call runs with every hold of the lock let go, and the holds come back after")
    void hereLetsGoOfTheLock() {
        CallRunner runner = new CallRunner(lock, true, link.executor, link, connection);
        HandlerCall c = call();
        lock.lock();
        lock.lock();
        try {
            runner.runHere(c);
            assertThat(lock.getHoldCount()).isEqualTo(2);
        } finally {
            lock.unlock();
            lock.unlock();
        }
        assertThat(c.done()).isTrue();
        assertThat(lockedInCall).containsExactly(false);
        assertThat(link.calls).as("nothing for the executor").isEmpty();
    }

    @Test
    @DisplayName("On an event loop a call runs on the executor, and its end comes back on the loop, under the lock")
    void elsewhereComesBackOnTheLoop() {
        CallRunner runner = new CallRunner(lock, false, link.executor, link, connection);
        HandlerCall c = call();
        List<Boolean> lockedAfter = new ArrayList<>();
        runner.runElsewhere(c, () -> lockedAfter.add(lock.isHeldByCurrentThread()));
        assertThat(c.done()).isFalse();
        link.calls.poll().run();
        assertThat(c.done()).isTrue();
        assertThat(lockedInCall).containsExactly(false);
        assertThat(lockedAfter).as("not before the loop runs it").isEmpty();
        link.runLoop();
        assertThat(lockedAfter).containsExactly(true);
        assertThat(lock.isHeldByCurrentThread()).isFalse();
    }

    @Test
    @DisplayName("An executor that refuses the call ends it failed at once; nothing comes back on the loop")
    void refusedExecutorFailsTheCall() {
        link.refusedExecutor = true;
        CallRunner runner = new CallRunner(lock, false, link.executor, link, connection);
        HandlerCall c = call();
        List<String> after = new ArrayList<>();
        runner.runElsewhere(c, () -> after.add("then"));
        assertThat(c.done()).isTrue();
        assertThat(c.failure()).isInstanceOf(RejectedExecutionException.class);
        assertThat(lockedInCall).isEmpty();
        link.runLoop();
        assertThat(after).isEmpty();
    }

    @Test
    @DisplayName("SessionHandler.close() runs where calls run, and is skipped, not thrown, when the executor refuses it")
    void closeRunsWhereCallsRun() {
        List<String> closed = new ArrayList<>();
        new CallRunner(lock, true, link.executor, link, connection).runClose(() -> closed.add("here"));
        assertThat(closed).containsExactly("here");

        new CallRunner(lock, false, link.executor, link, connection).runClose(() -> closed.add("executor"));
        assertThat(closed).containsExactly("here");
        link.calls.poll().run();
        assertThat(closed).containsExactly("here", "executor");

        link.refusedExecutor = true;
        new CallRunner(lock, false, link.executor, link, connection).runClose(() -> closed.add("refused"));
        assertThat(closed).containsExactly("here", "executor");
    }
}
