package dev.smtpkit.server.internal.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.security.SaslMechanism;
import java.util.List;
import org.junit.jupiter.api.Test;

class SaslServerMechanismsTest {

    private final Users users = new Users();

    @Test
    void defaultsArePlainThenLogin() {
        SaslServerMechanisms sasl = SaslServerMechanisms.builder(users).build();
        assertThat(sasl.names()).containsExactly("PLAIN", "LOGIN");
        assertThat(sasl.toString()).isEqualTo("SaslServerMechanisms[PLAIN, LOGIN]");
    }

    @Test
    void orderIsKeptAndDuplicatesDropped() {
        SaslServerMechanisms sasl = SaslServerMechanisms.builder(users)
                .mechanisms(SaslMechanism.XOAUTH2, SaslMechanism.LOGIN, SaslMechanism.XOAUTH2).build();
        assertThat(sasl.names()).containsExactly("XOAUTH2", "LOGIN");
        assertThat(sasl.mechanisms()).containsExactly(SaslMechanism.XOAUTH2, SaslMechanism.LOGIN);
    }

    @Test
    void startIsCaseInsensitiveAndFresh() {
        SaslServerMechanisms sasl = SaslServerMechanisms.builder(users).build();
        SaslServerMechanism a = sasl.start("login").orElseThrow();
        SaslServerMechanism b = sasl.start("LOGIN").orElseThrow();
        assertThat(a).isNotSameAs(b);
        assertThat(a.name()).isEqualTo("LOGIN");
        assertThat(sasl.start("GSSAPI")).isEmpty();
        assertThat(sasl.start("")).isEmpty();
    }

    @Test
    void namedLooksUpRegisteredNames() {
        assertThat(SaslMechanism.named("cram-md5")).contains(SaslMechanism.CRAM_MD5);
        assertThat(SaslMechanism.named("CRAM_MD5")).isEmpty();
        assertThat(SaslMechanism.XOAUTH2.mechanismName()).isEqualTo("XOAUTH2");
    }

    @Test
    void emptyListIsRefused() {
        assertThatThrownBy(() -> SaslServerMechanisms.builder(users).mechanisms(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SaslServerMechanisms.mechanisms");
    }
}
