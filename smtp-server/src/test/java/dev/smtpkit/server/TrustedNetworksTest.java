package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;

class TrustedNetworksTest {

    @Test
    void trustsOnlyTheListedNetworks() throws Exception {
        TrustedNetworks t = TrustedNetworks.parse("10.0.0.0/8, ::1/128\n 192.168.1.7");
        assertThat(t.contains(InetAddress.getByName("10.9.8.7"))).isTrue();
        assertThat(t.contains(InetAddress.getByName("::1"))).isTrue();
        assertThat(t.contains(InetAddress.getByName("192.168.1.7"))).isTrue();
        assertThat(t.contains(InetAddress.getByName("192.168.1.8"))).isFalse();
        assertThat(t.contains(InetAddress.getByName("127.0.0.1"))).isFalse();
        assertThat(t.networks()).hasSize(3);
        assertThat(t).hasToString("10.0.0.0/8, ::1/128, 192.168.1.7/32");
        assertThat(TrustedNetworks.parse(t.toString())).isEqualTo(t);
    }

    @Test
    void socketAddresses() throws Exception {
        TrustedNetworks t = TrustedNetworks.parse("127.0.0.0/8");
        assertThat(t.contains(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 25))).isTrue();
        assertThat(t.contains(new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 25))).isFalse();
        assertThat(t.contains(InetSocketAddress.createUnresolved("127.0.0.1", 25))).isFalse();
        assertThat(t.contains(UnixDomainSocketAddress.of("/tmp/x"))).isFalse();
    }

    @Test
    void noneTrustsNoOne() throws Exception {
        assertThat(TrustedNetworks.none().contains(InetAddress.getByName("127.0.0.1"))).isFalse();
        assertThat(TrustedNetworks.parse("  ").networks()).isEmpty();
        assertThat(TrustedNetworks.parse("::/0, ::/0").networks()).containsExactly("::/0");
    }

    @Test
    void aBadEntryIsNamed() {
        assertThatThrownBy(() -> TrustedNetworks.parse("10.0.0.0/8, proxy.example.org"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proxy.example.org");
    }
}
