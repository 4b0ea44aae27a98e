package dev.smtpkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Reply;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TranscriptTest {

    @Test
    @DisplayName("Issue 17: what a server writes cannot drive a terminal or forge a line in the transcript")
    void controlCharactersAreEscaped() {
        Transcript t = new Transcript("c1");
        t.received(Reply.of(250, "ok \u001b[31mred\u0000\u007f\ttab"));
        t.sent("MAIL FROM:<a@example.org>");
        // The one escaping every transcript uses (Printable.escape): a TAB is shown as \t too.
        assertThat(t.take()).containsExactly("S: 250 ok \\x1B[31mred\\x00\\x7F\\ttab", "C: MAIL FROM:<a@example.org>");
        assertThat(t.take()).as("taken once").isEmpty();
    }
}
