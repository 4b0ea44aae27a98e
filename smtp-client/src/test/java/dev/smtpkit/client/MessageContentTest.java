package dev.smtpkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

class MessageContentTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "ascii only,                  NONE",
            "8-bit in the header,         HEADER",
            "8-bit in the body,           BODY",
            "8-bit past 64 KiB of body,   BODY",
            "8-bit header past 64 KiB,    HEADER",
            "no empty line: all header,   HEADER",
    })
    @DisplayName("RFC 6152 §3, RFC 6532 §3.2: 8-bit octets are found in the header or the body, the same in memory and in a file")
    void scan(String name, MessageContent.EightBit expected) throws Exception {
        byte[] content = content(name);
        Path file = dir.resolve("m.eml");
        Files.write(file, content);
        assertThat(MessageContent.of(content).scan()).isEqualTo(expected);
        assertThat(MessageContent.of(file).scan()).isEqualTo(expected);
        assertThat(MessageContent.of(new ByteArrayInputStream(content)).scan()).isEqualTo(MessageContent.EightBit.UNKNOWN);
    }

    private static byte[] content(String name) {
        String filler = "y".repeat(70) + "\r\n";
        String longText = filler.repeat(1000);
        String text = switch (name) {
            case "ascii only" -> "Subject: hi\r\n\r\nhello\r\n";
            case "8-bit in the header" -> "Subject: h\u00e9\r\n\r\nhello\r\n";
            case "8-bit in the body" -> "Subject: hi\r\n\r\nh\u00e9llo\r\n";
            case "8-bit past 64 KiB of body" -> "Subject: hi\r\n\r\n" + longText + "\u00e9\r\n";
            case "8-bit header past 64 KiB" -> "Subject: hi\r\n" + ("X-Long: " + longText.replace("\r\n", "\r\n ")).strip() + "\r\nX-Late: \u00e9\r\n\r\nbody\r\n";
            case "no empty line: all header" -> "Subject: hi\r\nX: \u00e9";
            default -> throw new IllegalArgumentException(name);
        };
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
