package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(1), now::get);

    @Test
    void letsTheFirstThroughAndHoldsBackTheRestOfTheInterval() {
        assertThat(throttle.pass()).hasValue(0);
        now.addAndGet(Duration.ofMillis(999).toNanos());
        assertThat(throttle.pass()).isEmpty();
        assertThat(throttle.pass()).isEmpty();
    }

    @Test
    void theNextOneAfterTheIntervalSaysHowManyWereHeldBack() {
        throttle.pass();
        throttle.pass();
        throttle.pass();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(throttle.pass()).hasValue(2);
        assertThat(throttle.pass()).isEmpty();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(throttle.pass()).hasValue(1);
    }
}
