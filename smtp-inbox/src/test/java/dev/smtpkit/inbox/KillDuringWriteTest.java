package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of a large message: the folder shows the messages acknowledged
 * before it, whole, and nothing of the one cut off; the next start removes its temporary file.
 */
class KillDuringWriteTest {

    @TempDir
    Path dir;

    @Test
    void aCatcherKilledMidMessageLeavesNoPartialMessageVisible() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CatchMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader processOut = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = processOut.readLine();
            assertThat(first).as("the catcher's first line").startsWith("port ");
            int port = Integer.parseInt(first.substring(5));
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(15_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                assertThat(reply(in)).startsWith("220");
                assertThat(command(out, in, "EHLO killer.test")).startsWith("250");
                assertThat(command(out, in, "MAIL FROM:<a@example.com>")).startsWith("250");
                assertThat(command(out, in, "RCPT TO:<b@example.org>")).startsWith("250");
                assertThat(command(out, in, "DATA")).startsWith("354");
                assertThat(command(out, in, "Subject: whole\r\n\r\nkept\r\n.")).startsWith("250");

                assertThat(command(out, in, "MAIL FROM:<a@example.com>")).startsWith("250");
                assertThat(command(out, in, "RCPT TO:<b@example.org>")).startsWith("250");
                assertThat(command(out, in, "DATA")).startsWith("354");
                out.write("Subject: cut off\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] line = ("x".repeat(998) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                // Slowly, until the catcher has written a good part of it to its temporary file.
                while (temporaryBytes() < 256 * 1024) {
                    assertThat(System.nanoTime()).as("the message reaches the temporary file").isLessThan(deadline);
                    for (int i = 0; i < 64; i++) {
                        out.write(line);
                    }
                    out.flush();
                    Thread.sleep(5);
                }
                p.destroyForcibly();
                assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);

            List<String> visible = names().stream().filter(n -> !n.startsWith(".")).toList();
            assertThat(visible).hasSize(2).allMatch(n -> n.endsWith(".eml") || n.endsWith(".json"));
            assertThat(names()).anyMatch(n -> n.startsWith(".") && n.endsWith(".eml.tmp"));

            MessageStore after = MessageStore.open(dir, MessageStore.KEEP_ALL);
            assertThat(after.removedAtStart()).isEqualTo(1);
            assertThat(after.messages()).singleElement().satisfies(m -> {
                assertThat(m.subject()).isEqualTo("whole");
                assertThat(Files.readString(after.file(m))).isEqualTo("Subject: whole\r\n\r\nkept\r\n");
            });
            assertThat(names()).hasSize(2);
        } finally {
            p.destroyForcibly();
            p.waitFor(15, TimeUnit.SECONDS);
        }
    }

    private long temporaryBytes() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".eml.tmp")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).toList();
        }
    }

    private static String command(OutputStream out, BufferedReader in, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply(in);
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }
}
