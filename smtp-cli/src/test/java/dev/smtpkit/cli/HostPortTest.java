package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void readsTheFormsUsersType() {
        assertThat(HostPort.parse("mx.example.org:25", null)).isEqualTo(new HostPort("mx.example.org", 25));
        assertThat(HostPort.parse("[::1]:2525", null)).isEqualTo(new HostPort("::1", 2525));
        assertThat(HostPort.parse("2525", "127.0.0.1")).isEqualTo(new HostPort("127.0.0.1", 2525));
    }

    @Test
    void writesIpv6InBrackets() {
        assertThat(new HostPort("::1", 25)).hasToString("[::1]:25");
        assertThat(new HostPort("127.0.0.1", 25)).hasToString("127.0.0.1:25");
    }

    @Test
    void explainsWhatIsWrong() {
        assertThatThrownBy(() -> HostPort.parse("localhost", null)).hasMessage("expected HOST:PORT, got 'localhost'");
        assertThatThrownBy(() -> HostPort.parse("::1:25", null)).hasMessageContaining("write an IPv6 address in brackets");
        assertThatThrownBy(() -> HostPort.parse("h:x", null)).hasMessage("'x' is not a port number");
        assertThatThrownBy(() -> HostPort.parse("h:70000", null)).hasMessage("port must be 0 to 65535: 70000");
        assertThatThrownBy(() -> HostPort.parse(":25", null)).hasMessage("no host before the port");
    }
}
