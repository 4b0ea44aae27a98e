package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ProtocolMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientConfigTest {

    @Test
    void defaults() {
        ClientConfig c = ClientConfig.builder("relay.example.com").build();
        assertThat(c.heloName()).isEqualTo("relay.example.com");
        assertThat(c.limits()).isEqualTo(ClientConfig.DEFAULT_LIMITS);
        assertThat(c.limits().maxReplyLine()).isEqualTo(8192);
        assertThat(c.mode()).isEqualTo(ProtocolMode.SMTP);
        assertThat(c.heloOnly()).isFalse();
        assertThat(c.pipelining()).isTrue();
        assertThat(c.chunking()).isTrue();
        assertThat(c.bdatChunkSize()).isEqualTo(ClientConfig.DEFAULT_BDAT_CHUNK_SIZE);
        assertThat(c.normalizeLineEndings()).isTrue();
    }

    @Test
    void toBuilderKeepsEverySetting() {
        ClientConfig c = ClientConfig.builder("[192.0.2.1]").mode(ProtocolMode.LMTP).heloOnly(true)
                .pipelining(false).chunking(false).bdatChunkSize(10)
                .normalizeLineEndings(false).limits(Limits.builder().maxReplyLines(5).build()).build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.toBuilder().heloName("other.example").build().heloName()).isEqualTo("other.example");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: the EHLO name must be a domain or address literal")
    void heloNameIsChecked() {
        assertThatThrownBy(() -> ClientConfig.builder("").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heloName");
        assertThatThrownBy(() -> ClientConfig.builder("bad name").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientConfig.builder(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void chunkSizeMustBePositive() {
        assertThatThrownBy(() -> ClientConfig.builder("a.example").bdatChunkSize(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bdatChunkSize");
    }

    @Test
    void nullsAreRefused() {
        assertThatThrownBy(() -> ClientConfig.builder("a.example").limits(null).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("limits");
        assertThatThrownBy(() -> ClientConfig.builder("a.example").mode(null).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("mode");
    }
}
