package dev.smtpkit.testkit.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.testkit.Conversation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The seed's field cases in {@code conversations/}, each with the findings it must give. */
class SampleConversationsExplainedTest {

    /** File, then each finding as {@code id@line}. */
    private static final Map<String, List<String>> EXPECTED = Map.of(
            "connection-reuse-rset-probe.txt", List.of("rset-probe@17"),
            "proxy-answers-data.txt", List.of("middlebox-suspected@9", "middlebox-suspected@14"),
            "helo-without-hostname.txt", List.of("helo-without-domain@2"),
            "rfc821-aborted-transaction.txt", List.of("rset-abort@10"),
            "closed-without-quit.txt", List.of("close-without-quit@15"),
            "pipelined-transaction.txt", List.of(),
            "rfc5321-typical-transaction.txt", List.of(),
            "rset-in-every-state.txt", List.of("rset-probe@7", "rset-abort@11", "rset-abort@19",
                    "data-without-recipients@21"));

    static Stream<Arguments> samples() {
        return EXPECTED.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    @DisplayName("each sample conversation gives the findings its field case is about")
    void explainsSample(String file, List<String> expected) {
        Explanation e = Explanation.of(Conversation.read(directory().resolve(file)));
        assertThat(e.findings()).extracting(f -> f.id() + "@" + f.line()).as(e.render(Explanation.Style.PLAIN))
                .containsExactlyElementsOf(expected);
    }

    @Test
    @DisplayName("every sample conversation has its expected findings listed here")
    void everySampleIsCovered() throws Exception {
        try (Stream<Path> files = Files.list(directory())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt")))
                    .containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
        }
    }

    @Test
    @DisplayName("the aborted RFC 821 transaction says what preceded the RSET")
    void abortNamesRefusal() {
        Explanation e = Explanation.of(Conversation.read(directory().resolve("rfc821-aborted-transaction.txt")));
        assertThat(e.findings().get(0).message()).contains("refused RCPT at line 8 (550)");
    }

    static Path directory() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("conversations");
            if (Files.isDirectory(candidate) && Files.exists(p.resolve("pom.xml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("conversations/ not found above " + Path.of("").toAbsolutePath());
    }
}
