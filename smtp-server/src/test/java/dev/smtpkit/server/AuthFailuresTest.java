package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The count of failed AUTH attempts per client across connections, on a clock moved by hand. */
class AuthFailuresTest {

    private static final long START = 5_000_000_000L;
    private static final Duration WINDOW = Duration.ofMinutes(10);
    private static final long WINDOW_NANOS = WINDOW.toNanos();

    private static InetAddress ip(String address) throws Exception {
        return InetAddress.getByName(address);
    }

    @Test
    @DisplayName("the limit'th failure in a window refuses the client until the window, opened at its first failure, ends")
    void refusedUntilTheWindowEnds() throws Exception {
        AuthFailures f = new AuthFailures(3, WINDOW);
        InetAddress guesser = ip("192.0.2.7");
        assertThat(f.failed(guesser, START)).isFalse();
        assertThat(f.failed(guesser, START + 1_000)).isFalse();
        assertThat(f.refused(guesser, START + 2_000)).isFalse();
        assertThat(f.failed(guesser, START + 3_000)).as("the third failure reaches the limit").isTrue();
        assertThat(f.refused(guesser, START + 3_000)).isTrue();
        assertThat(f.failed(guesser, START + 4_000)).as("reported once, when it is reached").isFalse();
        assertThat(f.refused(ip("192.0.2.8"), START + 4_000)).as("another client").isFalse();
        assertThat(f.refused(guesser, START + WINDOW_NANOS - 1)).isTrue();
        assertThat(f.refused(guesser, START + WINDOW_NANOS)).isFalse();
        assertThat(f.remembered()).isZero();
    }

    @Test
    @DisplayName("failures spread wider than the window never add up to the limit")
    void slowFailuresNeverReachTheLimit() throws Exception {
        AuthFailures f = new AuthFailures(3, WINDOW);
        InetAddress client = ip("198.51.100.1");
        for (int i = 0; i < 20; i++) {
            long now = START + i * (WINDOW_NANOS / 2 + 1);
            assertThat(f.failed(client, now)).isFalse();
            assertThat(f.refused(client, now)).isFalse();
        }
    }

    @Test
    @DisplayName("IPv6 clients count by their /64 network; IPv4 clients by their address")
    void ipv6CountsByNetwork() throws Exception {
        AuthFailures f = new AuthFailures(2, WINDOW);
        f.failed(ip("2001:db8:1:2::1"), START);
        assertThat(f.failed(ip("2001:db8:1:2:ffff:ffff:ffff:fffe"), START)).isTrue();
        assertThat(f.refused(ip("2001:db8:1:2:abcd::9"), START)).isTrue();
        assertThat(f.refused(ip("2001:db8:1:3::1"), START)).as("the next /64").isFalse();
        f.failed(ip("203.0.113.1"), START);
        assertThat(f.refused(ip("203.0.113.2"), START)).isFalse();
    }

    @Test
    @DisplayName("at most MAX_CLIENTS clients are remembered: the one whose window opened first goes")
    void boundedMemory() throws Exception {
        AuthFailures f = new AuthFailures(2, WINDOW);
        InetAddress first = ip("10.0.0.1");
        f.failed(first, START);
        f.failed(first, START);
        assertThat(f.refused(first, START)).isTrue();
        for (int i = 1; i <= AuthFailures.MAX_CLIENTS; i++) {
            byte[] a = {10, 1, (byte) (i >> 8), (byte) i};
            f.failed(InetAddress.getByAddress(a), START + i);
        }
        assertThat(f.remembered()).isEqualTo(AuthFailures.MAX_CLIENTS);
        assertThat(f.refused(first, START + AuthFailures.MAX_CLIENTS)).isFalse();
    }
}
