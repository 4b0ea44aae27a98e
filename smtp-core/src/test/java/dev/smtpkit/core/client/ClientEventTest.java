package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Replies;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientEventTest {

    @Test
    @DisplayName("RFC 4954 §4: a challenge is base64; decode() gives its octets, or empty for anything else")
    void challengeDecoding() {
        assertThat(new ClientEvent.AuthChallenge("VXNlcm5hbWU6").decode())
                .hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.US_ASCII)).isEqualTo("Username:"));
        assertThat(new ClientEvent.AuthChallenge("").decode()).hasValueSatisfying(b -> assertThat(b).isEmpty());
        assertThat(new ClientEvent.AuthChallenge("not base64!").decode()).isEmpty();
    }

    @Test
    void valuesRefuseNulls() {
        assertThatThrownBy(() -> new ClientEvent.Ready(Replies.OK, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("extensions");
        assertThatThrownBy(() -> new ClientEvent.Closed(ClientEvent.CloseCause.QUIT, Optional.empty(), "x", null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("interrupted");
        assertThatThrownBy(() -> new ClientEvent.RecipientReplied(null, Replies.OK)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void eventsAreValues() {
        assertThat(new ClientEvent.ResetAccepted(Replies.OK)).isEqualTo(new ClientEvent.ResetAccepted(Replies.OK));
        assertThat(new ClientEvent.ReadyForContent()).isEqualTo(new ClientEvent.ReadyForContent());
    }
}
