package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which client gives a connection up at maxConnections ({@link LoadShedding}), without sockets. */
class LoadSheddingTest {

    private static InetAddress a(int last) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    }

    @Test
    @DisplayName("A new address takes a connection from the address holding the most")
    void newAddressTakesFromTheHeaviest() throws Exception {
        Map<InetAddress, Integer> counts = new HashMap<>(Map.of(a(1), 50, a(2), 49, a(3), 1));
        assertThat(LoadShedding.heaviest(counts, a(9))).contains(a(1));
    }

    @Test
    @DisplayName("An address is never shed for one that would then hold as many: equal shares stay")
    void equalSharesStay() throws Exception {
        Map<InetAddress, Integer> counts = new HashMap<>(Map.of(a(1), 3, a(2), 3));
        assertThat(LoadShedding.heaviest(counts, a(2))).isEmpty();
        counts.put(a(2), 2);
        // 2 + 1 < 3 is false: the newcomer would hold 3 and the other 2, no fairer than now.
        assertThat(LoadShedding.heaviest(counts, a(2))).isEmpty();
        counts.put(a(2), 1);
        assertThat(LoadShedding.heaviest(counts, a(2))).contains(a(1));
    }

    @Test
    @DisplayName("The heaviest address itself takes nothing, and nothing is shed when no one holds a connection")
    void heaviestAndEmpty() throws Exception {
        assertThat(LoadShedding.heaviest(Map.of(a(1), 10), a(1))).isEmpty();
        assertThat(LoadShedding.heaviest(Map.of(), a(1))).isEmpty();
    }
}
