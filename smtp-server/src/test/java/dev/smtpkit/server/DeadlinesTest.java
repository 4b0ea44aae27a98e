package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Timeout;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link Deadlines} on a clock the test moves: no sockets, no waiting. */
class DeadlinesTest {

    private static final int COMMAND = 300_000;
    private static final int BLOCK = 180_000;

    private long now = 1_000_000_000L;

    private Deadlines deadlines(Duration lifetime, long minDataRate) {
        return new Deadlines(() -> now, lifetime, Duration.ofMillis(BLOCK), minDataRate);
    }

    private void advance(Duration d) {
        now += d.toNanos();
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.7: a command trickled octet by octet has the command timeout in all, not per read")
    void commandTimeoutCoversTheWholeCommand() {
        Deadlines d = deadlines(Duration.ofHours(1), 500);
        assertThat(d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND)).isEqualTo(COMMAND);
        for (int i = 0; i < 29; i++) {
            advance(Duration.ofSeconds(10));
            d.received(1);
            assertThat(d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND)).isEqualTo(COMMAND - (i + 1) * 10_000);
        }
        advance(Duration.ofSeconds(10));
        assertThat(d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND)).isZero();
        assertThat(d.expired()).isEqualTo("the " + Timeout.SERVER_COMMAND + " timeout");
    }

    @Test
    @DisplayName("A reply gives the next command the whole command timeout again")
    void replyRestartsTheCommandTimeout() {
        Deadlines d = deadlines(Duration.ofHours(1), 500);
        d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND);
        advance(Duration.ofMinutes(4));
        d.replied();
        assertThat(d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND)).isEqualTo(COMMAND);
    }

    @Test
    @DisplayName("A message trickled one octet every 10 s is cut at its deadline: the data-block timeout plus what its octets earned")
    void trickledMessageMeetsItsDeadline() {
        Deadlines d = deadlines(Duration.ofHours(1), 500);
        d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND);
        d.replied();
        int reads = 0;
        while (d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK) > 0) {
            // Each read well inside the 3-minute data-block timeout: a per-read timeout never fires.
            advance(Duration.ofSeconds(10));
            d.received(1);
            reads++;
        }
        // 180 s of head start and 2 ms earned per octet: the wait after the 19th octet (at 190 s) finds it gone.
        assertThat(reads).isEqualTo(19);
        assertThat(d.expired()).startsWith("the message deadline (19 octets");
    }

    @Test
    @DisplayName("A large message at a modest rate keeps earning time and is never cut")
    void steadyMessageKeepsItsTime() {
        Deadlines d = deadlines(Duration.ofHours(2), 500);
        d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK);
        for (int i = 0; i < 3_600; i++) {
            // 1,000 octets a second: twice the minimum rate, for an hour less a second.
            advance(Duration.ofSeconds(1));
            d.received(1_000);
            assertThat(d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK)).isEqualTo(BLOCK);
        }
    }

    @Test
    @DisplayName("minDataRate 0: only the data-block timeout per read bounds a message")
    void noMinimumRate() {
        Deadlines d = deadlines(Duration.ofDays(1), 0);
        d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK);
        for (int i = 0; i < 1_000; i++) {
            advance(Duration.ofSeconds(60));
            d.received(1);
            assertThat(d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK)).isEqualTo(BLOCK);
        }
    }

    @Test
    @DisplayName("The next message starts a deadline of its own")
    void eachMessageHasItsOwnDeadline() {
        Deadlines d = deadlines(Duration.ofHours(1), 500);
        d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK);
        advance(Duration.ofSeconds(170));
        d.received(10);
        assertThat(d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK)).isEqualTo(10_020);
        d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND);
        d.replied();
        assertThat(d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK)).isEqualTo(BLOCK);
    }

    @Test
    @DisplayName("maxSessionLifetime bounds every wait, commands and data alike")
    void sessionLifetime() {
        Deadlines d = deadlines(Duration.ofMinutes(10), 500);
        advance(Duration.ofMinutes(9));
        assertThat(d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND)).isEqualTo(60_000);
        assertThat(d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK)).isEqualTo(60_000);
        advance(Duration.ofMinutes(1));
        assertThat(d.readTimeoutMillis(Timeout.SERVER_COMMAND, COMMAND)).isZero();
        assertThat(d.expired()).isEqualTo("the session lifetime");
    }

    @Test
    @DisplayName("Octet counts far past any real message do not overflow the deadline")
    void hugeCountsDoNotOverflow() {
        Deadlines d = deadlines(Duration.ofDays(365), 1);
        d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK);
        for (int i = 0; i < 100; i++) {
            d.received(Integer.MAX_VALUE);
        }
        advance(Duration.ofDays(1));
        assertThat(d.readTimeoutMillis(Timeout.DATA_BLOCK, BLOCK)).isEqualTo(BLOCK);
    }
}
