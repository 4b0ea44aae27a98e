package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CallDeadlineTest {

    @Test
    @DisplayName("A timed call is reported late once, at its deadline and not before; answered for, its own answer is dropped")
    void lateOnceThenDropped() {
        CallDeadline d = new CallDeadline();
        d.start(1_000);
        assertThat(d.late(999)).isZero();
        long n = d.late(1_000);
        assertThat(n).isPositive();
        assertThat(d.late(5_000)).as("reported once").isZero();
        assertThat(d.awaiting(n)).isTrue();
        d.answered();
        assertThat(d.awaiting(n)).isFalse();
        assertThat(d.end()).as("the handler's late answer is dropped").isTrue();
        assertThat(d.late(10_000)).isZero();
    }

    @Test
    @DisplayName("A message call is untimed until armed at the end of its data; a call in time keeps its answer")
    void messageArmedAtTheEnd() {
        CallDeadline d = new CallDeadline();
        d.start(0);
        assertThat(d.late(Long.MAX_VALUE / 2)).isZero();
        d.arm(2_000);
        assertThat(d.late(1_999)).isZero();
        assertThat(d.end()).isFalse();
        assertThat(d.late(3_000)).as("ended calls are not late").isZero();
    }

    @Test
    @DisplayName("A late answer for an earlier call is not taken for the next one")
    void numbersTellCallsApart() {
        CallDeadline d = new CallDeadline();
        d.start(100);
        long first = d.late(200);
        d.end();
        d.start(1_000);
        assertThat(d.awaiting(first)).isFalse();
    }
}
