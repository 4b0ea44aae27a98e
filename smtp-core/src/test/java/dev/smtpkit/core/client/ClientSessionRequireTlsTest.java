package dev.smtpkit.core.client;

import static dev.smtpkit.core.client.ClientSessionTest.EHLO_PLAIN;
import static dev.smtpkit.core.client.ClientSessionTest.envelope;
import static dev.smtpkit.core.client.ClientSessionTest.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Parameters;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What {@code smtpkit send --require-tls} relies on in the client state machine (issue 16). */
class ClientSessionRequireTlsTest {

    private static final Envelope REQUIRE_TLS = envelope("a@example.com", "b@example.org")
            .withMailParameters(Parameters.builder().requireTls().build());

    @Test
    @DisplayName("RFC 8689 §4.2: MAIL carries REQUIRETLS to a server that offered it")
    void sentWhenOffered() {
        ClientDriver d = ready(EHLO_PLAIN.replace("250 SIZE 1000\n", "250-SIZE 1000\n250 REQUIRETLS\n"));
        d.act(() -> d.session.send(REQUIRE_TLS));
        assertThat(d.lastWrite()).isEqualTo("MAIL FROM:<a@example.com> REQUIRETLS\r\n");
    }

    @Test
    @DisplayName("RFC 8689 §4.2: REQUIRETLS to a server that did not offer it is refused before anything is sent")
    void refusedWhenNotOffered() {
        ClientDriver d = ready(EHLO_PLAIN);
        assertThatThrownBy(() -> d.session.send(REQUIRE_TLS)).isInstanceOfSatisfying(UnsupportedFeatureException.class, x -> {
            assertThat(x.feature()).isEqualTo("REQUIRETLS");
            assertThat(x.getMessage()).contains("RFC 8689");
        });
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        assertThat(d.session.hasOutput()).isFalse();
    }
}
