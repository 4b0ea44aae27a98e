package dev.smtpkit.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.testkit.MailSink;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Issue 16: {@code @ExtendWith(MailSinkExtension.class)} with no arguments works, with the defaults. */
@ExtendWith(MailSinkExtension.class)
class MailSinkExtensionDeclaredTest {

    @Test
    @DisplayName("Declared with @ExtendWith: a sink with the defaults is injected and takes mail")
    void declaredWithoutArguments(MailSink sink, @MailSinkPort int port) throws Exception {
        assertThat(port).isEqualTo(sink.port());
        try (Socket s = new Socket(sink.host(), port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(in.readLine()).startsWith("220");
            out.write(("HELO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 3; i++) {
                assertThat(in.readLine()).startsWith("250");
            }
            assertThat(in.readLine()).startsWith("354");
            out.write("Subject: declared\r\n\r\nhello\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.readLine()).startsWith("250");
        }
        assertThat(sink.awaitMessages(1, Duration.ofSeconds(10))).singleElement()
                .satisfies(m -> assertThat(m.received().envelope().recipients()).hasSize(1));
    }
}
