package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReplyEmptyTextTest {

    @Test
    @DisplayName("RFC 4954 §4: an empty challenge is written \"334 \" with its space")
    void emptyChallengeKeepsItsSpace() {
        Reply r = Reply.of(334, "");
        assertThat(r.toString()).isEqualTo("334 \r\n");
        assertThat(Reply.parse("334 \r\n")).isEqualTo(r);
        assertThat(Reply.parse("334\r\n")).isEqualTo(r);
    }
}
