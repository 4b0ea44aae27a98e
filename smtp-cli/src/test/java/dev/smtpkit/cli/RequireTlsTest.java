package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** REQUIRETLS (RFC 8689) between {@code catch} and {@code send} (issue 16, section 4). */
class RequireTlsTest {

    private static final Pattern IMPLICIT = Pattern.compile("implicit TLS \\(RFC 8314\\) on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    @DisplayName("RFC 8689: catch --tls offers REQUIRETLS after STARTTLS, and send --require-tls uses it")
    void offeredAfterStartTls() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--tls")) {
            int port = c.port();
            assertThat(c.out()).contains("REQUIRETLS (RFC 8689) offered over TLS");
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls", "--insecure", "--require-tls");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            c.awaitOut("size=");
            assertThat(json()).contains("\"REQUIRETLS\"", "\"tls\": true");
        }
    }

    @Test
    @DisplayName("RFC 8689: catch offers REQUIRETLS on its implicit-TLS port too")
    void offeredOnTheImplicitTlsPort() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--implicit-tls-port", "0")) {
            c.port();
            c.awaitOut("implicit TLS");
            Matcher m = IMPLICIT.matcher(c.out());
            assertThat(m.find()).as(c.toString()).isTrue();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + m.group(1), "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls-on-connect", "--insecure", "--require-tls");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            c.awaitOut("size=");
            assertThat(json()).contains("\"REQUIRETLS\"");
        }
    }

    @Test
    @DisplayName("RFC 8689: with --no-requiretls catch does not offer it, and send --require-tls refuses to send")
    void turnedOff() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--tls", "--no-requiretls")) {
            int port = c.port();
            assertThat(c.out()).doesNotContain("REQUIRETLS");
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls", "--insecure", "--require-tls");
            send.assertOneLineError(1, "REQUIRETLS");
            Cli plain = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls", "--insecure");
            assertThat(plain.exitCode()).as(plain.toString()).isZero();
            c.awaitOut("size=");
            assertThat(json()).doesNotContain("REQUIRETLS");
            assertThat(c.stop()).isZero();
            assertThat(c.out()).contains("caught 1 message");
        }
    }

    @Test
    void withoutTlsNothingOffersIt() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString())) {
            c.port();
            assertThat(c.out()).doesNotContain("REQUIRETLS");
        }
        Cli send = Cli.run("send", "--to", "127.0.0.1:1", "--from", "a@example.com", "--rcpt", "b@example.org", "--require-tls");
        send.assertOneLineError(2, "--require-tls needs --tls or --tls-on-connect");
    }

    private String json() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.toString().endsWith(".json")).toList();
            assertThat(found).hasSize(1);
            return Files.readString(found.get(0));
        }
    }
}
