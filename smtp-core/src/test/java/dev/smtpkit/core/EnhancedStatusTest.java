package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnhancedStatusTest {

    @Test
    @DisplayName("RFC 3463 §2: class.subject.detail, written with dots")
    void parsesAndFormats() {
        EnhancedStatus s = EnhancedStatus.parse("5.1.1");
        assertThat(s).isEqualTo(EnhancedStatus.of(5, 1, 1));
        assertThat(s.toString()).isEqualTo("5.1.1");
        assertThat(EnhancedStatus.parse("4.999.100")).isEqualTo(EnhancedStatus.of(4, 999, 100));
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.0.0", "1.1.1", "5.1", "5.1.1.1", "5.1000.1", "5..1", "5.a.1", "", "5.01.1", " 5.1.1", "5.1.1 "})
    @DisplayName("RFC 3463 §2: class is 2, 4 or 5 and subject and detail 1 to 3 digits")
    void refusesBadStatus(String text) {
        assertThatThrownBy(() -> EnhancedStatus.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rangesAreCheckedOnConstruction() {
        assertThatThrownBy(() -> EnhancedStatus.of(3, 0, 0)).hasMessageContaining("RFC 3463");
        assertThatThrownBy(() -> EnhancedStatus.of(2, 1000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EnhancedStatus.of(2, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("RFC 2034 §4: the status starts the text and is followed by a space")
    void prefixNeedsSpaceOrEnd() {
        assertThat(EnhancedStatus.parsePrefix("2.1.5 Recipient OK")).contains(EnhancedStatus.of(2, 1, 5));
        assertThat(EnhancedStatus.parsePrefix("2.1.5")).contains(EnhancedStatus.of(2, 1, 5));
        assertThat(EnhancedStatus.parsePrefix("2.1.5x")).isEmpty();
        assertThat(EnhancedStatus.parsePrefix("OK 2.1.5")).isEmpty();
        assertThat(EnhancedStatus.parsePrefix("2.1.")).isEmpty();
    }
}
