package dev.smtpkit.server.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s); // literals only: no lookup
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.255.1.2, true",
        "10.0.0.0/8, 11.0.0.0, false",
        "192.168.1.0/24, 192.168.1.255, true",
        "192.168.1.0/24, 192.168.2.0, false",
        "172.16.0.0/12, 172.31.255.255, true",
        "172.16.0.0/12, 172.32.0.0, false",
        "0.0.0.0/0, 8.8.8.8, true",
        "0.0.0.0/0, ::1, false",
        "127.0.0.1, 127.0.0.1, true",
        "127.0.0.1, 127.0.0.2, false",
        "::1/128, ::1, true",
        "::1/128, ::2, false",
        "::1/128, 127.0.0.1, false",
        "2001:db8::/32, 2001:db8:ffff::1, true",
        "2001:db8::/32, 2001:db9::1, false",
        "fe80::/10, febf::1, true",
        "fe80::/10, fec0::1, false",
        "::ffff:10.0.0.0/104, 10.1.2.3, true",
        "::ffff:10.0.0.0/104, 11.1.2.3, false",
        "10.0.0.0/31, 10.0.0.1, true",
        "10.0.0.0/31, 10.0.0.2, false",
    })
    @DisplayName("RFC 4632 §3.1, RFC 4291 §2.3: an address is in a network when its first prefix bits match")
    void contains(String cidr, String address, boolean expected) throws Exception {
        assertThat(Cidr.parse(cidr).contains(ip(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.0.0.0/8",
        "127.0.0.1, 127.0.0.1/32",
        "::1, ::1/128",
        "2001:DB8:0:0:0:0:0:0/32, 2001:db8::/32",
        "2001:db8:0:0:1:0:0:0/80, 2001:db8:0:0:1::/80",
        "1:0:0:2:0:0:3:4, 1::2:0:0:3:4/128",
        "0:0:0:0:0:0:0:0/0, ::/0",
        "1:0:0:2:0:0:0:3, 1:0:0:2::3/128",
        "1:0:1:1:1:1:1:1, 1:0:1:1:1:1:1:1/128",
        "::ffff:1.2.3.4, ::ffff:102:304/128",
    })
    @DisplayName("RFC 5952 §4: the canonical text, which parses back to the same network")
    void canonicalText(String input, String canonical) {
        Cidr c = Cidr.parse(input);
        assertThat(c).hasToString(canonical);
        assertThat(Cidr.parse(c.toString())).isEqualTo(c).hasSameHashCodeAs(c);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0/8",
        "10.0.0.0.0/8", "256.0.0.0/8", "01.0.0.0/8", "example.org/8", "localhost", "1::2::3", ":1::", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7", "12345::", "g::", "fe80::1%eth0", "::1.2.3", "1.2.3.4::"})
    void refusesMalformedText(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hostBitsPastThePrefixAreATypo() {
        assertThatThrownBy(() -> Cidr.parse("10.1.2.3/8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("did you mean 10.0.0.0/8");
        assertThatThrownBy(() -> Cidr.parse("2001:db8::1/32")).hasMessageContaining("2001:db8::/32");
    }

    @Test
    void accessors() throws Exception {
        Cidr c = Cidr.parse("192.168.0.0/16");
        assertThat(c.isIpv4()).isTrue();
        assertThat(c.prefixLength()).isEqualTo(16);
        assertThat(c.network()).isEqualTo(ip("192.168.0.0"));
        assertThat(Cidr.parse("::/0").isIpv4()).isFalse();
    }
}
