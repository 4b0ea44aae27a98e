package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LimitsTest {

    @Test
    @DisplayName("RFC 5321 §4.5.3.1: the defaults are the RFC's minimum sizes")
    void defaultsAreTheRfcMinimums() {
        Limits d = Limits.DEFAULTS;
        assertThat(d.maxCommandLine()).isEqualTo(512);   // §4.5.3.1.4
        assertThat(d.maxReplyLine()).isEqualTo(512);     // §4.5.3.1.5
        assertThat(d.maxTextLine()).isEqualTo(1000);     // §4.5.3.1.6
        assertThat(d.maxRecipients()).isEqualTo(100);    // §4.5.3.1.8
        assertThat(d.maxAuthLine()).isEqualTo(12288);    // RFC 4954 §4
    }

    @Test
    void builderChangesOnlyWhatItIsTold() {
        Limits l = Limits.builder().maxRecipients(1000).maxMessageSize(0).build();
        assertThat(l.maxRecipients()).isEqualTo(1000);
        assertThat(l.hasMessageSizeLimit()).isFalse();
        assertThat(l.maxCommandLine()).isEqualTo(512);
        assertThat(l.toBuilder().build()).isEqualTo(l);
    }

    @Test
    void anUnusableLimitIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> Limits.builder().maxRecipients(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Limits.maxRecipients");
        assertThatThrownBy(() -> Limits.builder().maxMessageSize(-1).build())
                .hasMessageContaining("Limits.maxMessageSize");
    }
}
