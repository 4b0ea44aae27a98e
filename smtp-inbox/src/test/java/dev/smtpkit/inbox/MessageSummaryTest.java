package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageSummaryTest {

    @Test
    void collapsesWhiteSpaceAsTheRegularExpressionDid() {
        for (String s : List.of("", " ", "a", "a b", "  a  b  ", "a\r\n\r\nb", "\ta\u000Bb\fc", "a\u00A0b", "a\u2003 b", "one two three")) {
            assertThat(MessageSummary.collapseSpace(s)).as(s).isEqualTo(s.replaceAll("\\s+", " "));
        }
        // Random text of letters and every kind of white space, with Unicode spaces \s does not match.
        char[] alphabet = {'a', 'b', ' ', '\t', '\n', '\r', '\u000B', '\f', '\u00A0', '\u2003', '\u001C'};
        Random random = new Random(18);
        for (int i = 0; i < 2_000; i++) {
            char[] text = new char[random.nextInt(40)];
            for (int j = 0; j < text.length; j++) {
                text[j] = alphabet[random.nextInt(alphabet.length)];
            }
            String s = new String(text);
            assertThat(MessageSummary.collapseSpace(s)).as(s).isEqualTo(s.replaceAll("\\s+", " "));
        }
    }

    @Test
    void footprintCountsTheTextAsTheJvmKeepsIt() {
        MessageSummary small = summary("x".repeat(100));
        MessageSummary latin1 = summary("x".repeat(1100));
        MessageSummary wide = summary("\u20ac".repeat(1100));

        assertThat(latin1.footprint() - small.footprint()).as("a character of Latin-1 in snippet and search text")
                .isEqualTo(2 * 1000);
        assertThat(wide.footprint() - latin1.footprint()).as("a wider one takes two octets").isEqualTo(2 * 1100);
    }

    private static MessageSummary summary(String text) {
        return new MessageSummary("20261207T120000.000Z-1", "", new Address("", "a@example.com"), List.of(), List.of(),
                List.of(), List.of(), "", java.time.Instant.EPOCH, 1, 0, text, "a@example.com", List.of("b@example.org"), text);
    }
}
