package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SummaryReaderTest {

    @Test
    void readsInstantsAsInstantParseDoes() {
        Random random = new Random(18);
        for (int i = 0; i < 10_000; i++) {
            // From 1970 to 2200, in milliseconds, as the store writes its receive times.
            Instant t = Instant.ofEpochMilli((long) (random.nextDouble() * 7_258_118_400_000L)).truncatedTo(ChronoUnit.MILLIS);
            assertThat(SummaryReader.instant(t.toString())).isEqualTo(Instant.parse(t.toString()));
        }
        // 24:00 and a leap second are left to Instant.parse, which reads them.
        assertThat(SummaryReader.instant("2025-01-01T24:00:00.000Z")).isEqualTo(Instant.parse("2025-01-01T24:00:00.000Z"));
        assertThat(SummaryReader.instant("2024-02-29T23:59:59.999Z")).isEqualTo(Instant.parse("2024-02-29T23:59:59.999Z"));
        // Not the store's form: Instant.parse reads it.
        assertThat(SummaryReader.instant("2025-01-02T03:04:05Z")).isEqualTo(Instant.parse("2025-01-02T03:04:05Z"));
        assertThat(SummaryReader.instant("2025-01-02T03:04:05.123456Z")).isEqualTo(Instant.parse("2025-01-02T03:04:05.123456Z"));
        for (String bad : List.of("2025-02-30T00:00:00.000Z", "2025-13-01T00:00:00.000Z",
                "2025-01-01T00:60:00.000Z", "2025-01-0xT00:00:00.000Z", "")) {
            assertThatThrownBy(() -> SummaryReader.instant(bad)).as(bad).isInstanceOf(DateTimeParseException.class);
        }
    }

    @Test
    void readsAnIndexSkippingWhatItDoesNotKnow() throws Exception {
        String index = "{\"version\": 2, \"messages\": [{\"ID\": \"a\", \"Future\": {\"x\": [1, 2]},"
                + " \"From\": {\"Name\": \"Ada\", \"Address\": \"ada@example.org\", \"Extra\": null},"
                + " \"To\": [{\"Address\": \"bob@example.org\"}], \"Created\": \"2025-01-02T03:04:05.678Z\","
                + " \"Size\": 12, \"Attachments\": 1, \"Recipients\": [\"bob@example.org\"], \"SearchText\": \"Mixed Case\"}]}";
        List<MessageSummary> read = SummaryReader.readIndex(new ByteArrayInputStream(index.getBytes(StandardCharsets.UTF_8)));
        assertThat(read).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo("a");
            assertThat(s.from()).isEqualTo(new Address("Ada", "ada@example.org"));
            assertThat(s.to()).containsExactly(new Address("", "bob@example.org"));
            assertThat(s.created()).isEqualTo(Instant.parse("2025-01-02T03:04:05.678Z"));
            assertThat(s.size()).isEqualTo(12);
            assertThat(s.attachments()).isEqualTo(1);
            assertThat(s.subject()).isEmpty();
            assertThat(s.searchText()).isEqualTo("mixed case");
        });
    }

    @Test
    void aSummaryWithoutItsTimeOrCutShortIsAnError() {
        for (String bad : List.of("{\"messages\": [{\"ID\": \"a\"}]}", "{\"messages\": [{\"ID\": \"a\", \"To\": [",
                "[{\"ID\": \"a\"}]")) {
            assertThatThrownBy(() -> SummaryReader.readIndex(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8))))
                    .as(bad).isInstanceOf(java.io.IOException.class);
        }
    }
}
