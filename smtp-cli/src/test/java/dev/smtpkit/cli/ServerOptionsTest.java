package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS, AUTH, PROXY protocol and XCLIENT options of catch and sink, each met by a real client in-process. */
class ServerOptionsTest {

    private static final Pattern IMPLICIT = Pattern.compile("implicit TLS \\(RFC 8314\\) on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void acceptsAnAccountWithoutTlsAndRecordsWhoItWas() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--auth", "alice:secret", "--auth", "bob:pw:with:colons",
                "--auth-plaintext")) {
            int port = c.port();
            assertThat(c.out()).contains("AUTH PLAIN LOGIN CRAM-MD5 for alice, bob, optional, also without TLS")
                    .doesNotContain("secret");
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--auth", "alice:secret");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            c.awaitOut("size=");
            assertThat(json()).contains("\"authenticated\": \"alice\"", "\"tls\": false");
        }
    }

    @Test
    @DisplayName("RFC 4954 §6: a wrong password gets 535 5.7.8, and send says so and exits 1")
    void refusesAWrongPassword() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--auth", "alice:secret", "--auth-plaintext")) {
            int port = c.port();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--auth", "alice:wrong");
            send.assertOneLineError(1, "smtpkit send: AUTH CRAM-MD5 refused: 535 5.7.8");
            assertThat(send.err()).doesNotContain("wrong");
            assertThat(c.stop()).isZero();
            assertThat(c.out()).contains("caught 0 messages");
        }
    }

    @Test
    @DisplayName("failing AUTH on purpose again and again never shuts the client out of catch (no maxAuthFailuresPerClient)")
    void wrongPasswordsNeverShutTheClientOut() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--no-http", "--dir", dir.toString(), "--auth", "alice:secret",
                "--auth-plaintext")) {
            String wrong = java.util.Base64.getEncoder().encodeToString("\0alice\0wrong".getBytes(StandardCharsets.US_ASCII));
            String right = java.util.Base64.getEncoder().encodeToString("\0alice\0secret".getBytes(StandardCharsets.US_ASCII));
            // past the library's default of 30 failures a client in 10 minutes
            for (int i = 0; i < 16; i++) {
                List<String> replies = CatchCommandTest.talk(c.port(), "EHLO client.test", "AUTH PLAIN " + wrong,
                        "AUTH PLAIN " + wrong, "QUIT");
                assertThat(replies.get(2)).startsWith("535 5.7.8");
                assertThat(replies.get(3)).startsWith("535 5.7.8");
            }
            assertThat(CatchCommandTest.talk(c.port(), "EHLO client.test", "AUTH PLAIN " + right, "QUIT").get(2))
                    .startsWith("235 2.7.0");
        }
    }

    @Test
    @DisplayName("RFC 4954 §6: with --auth-required, MAIL before AUTH gets 530 5.7.0")
    void authRequiredRefusesMailWithoutAuth() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--auth", "alice:secret", "--auth-plaintext",
                "--auth-required")) {
            int port = c.port();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org");
            assertThat(send.out()).contains("message 1: <b@example.org> 530 5.7.0");
            send.assertOneLineError(1, "not accepted for 1 of 1 recipient");
        }
    }

    @Test
    void offersOnlyTheMechanismsAskedForAndOnlyAfterStartTls() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--tls", "--auth", "alice:secret",
                "--auth-mechanisms", "PLAIN")) {
            int port = c.port();
            assertThat(c.out()).contains("AUTH PLAIN for alice, optional, after TLS only");
            List<String> plain = CatchCommandTest.talk(port, "EHLO client.test", "QUIT");
            assertThat(plain.get(1)).contains("STARTTLS").doesNotContain("AUTH");

            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls", "--insecure", "--auth", "alice:secret");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            c.awaitOut("size=");
            assertThat(json()).contains("\"authenticated\": \"alice\"", "\"tls\": true");
        }
    }

    @Test
    @DisplayName("RFC 3207 §4: with --tls-required, MAIL before STARTTLS gets 530 5.7.0")
    void tlsRequiredRefusesMailInTheClear() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--tls-required")) {
            int port = c.port();
            assertThat(c.out()).contains("self-signed certificate for localhost");
            Cli clear = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org");
            assertThat(clear.out()).contains("message 1: <b@example.org> 530 5.7.0");
            assertThat(clear.exitCode()).isEqualTo(1);

            Cli tls = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls", "--insecure");
            assertThat(tls.exitCode()).as(tls.toString()).isZero();
        }
    }

    @Test
    @DisplayName("RFC 8314 §3.3: --implicit-tls-port speaks TLS from the first octet, with a self-signed certificate when none is given,"
            + " and offers REQUIRETLS (RFC 8689)")
    void implicitTlsPort() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--implicit-tls-port", "0")) {
            c.port();
            c.awaitOut("implicit TLS");
            Matcher m = IMPLICIT.matcher(c.out());
            assertThat(m.find()).as(c.toString()).isTrue();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + m.group(1), "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls-on-connect", "--insecure", "--require-tls");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            c.awaitOut("size=");
            assertThat(json()).contains("\"tls\": true", "\"REQUIRETLS\"");
        }
    }

    @Test
    @DisplayName("RFC 8689: catch --tls offers REQUIRETLS after STARTTLS, and send --require-tls uses it")
    void requireTlsOfferedAfterStartTls() throws Exception {
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
    @DisplayName("RFC 8689: with --no-requiretls catch does not offer it, and send --require-tls refuses to send")
    void requireTlsTurnedOff() throws Exception {
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
    void requireTlsNeedsTls() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString())) {
            c.port();
            assertThat(c.out()).doesNotContain("REQUIRETLS");
        }
        Cli send = Cli.run("send", "--to", "127.0.0.1:1", "--from", "a@example.com", "--rcpt", "b@example.org", "--require-tls");
        send.assertOneLineError(2, "--require-tls needs --tls or --tls-on-connect");
    }

    @Test
    void recordsTheClientThatAProxyProtocolHeaderNames() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--proxy-protocol", "127.0.0.1/32")) {
            int port = c.port();
            assertThat(c.out()).contains("expecting a PROXY protocol header from 127.0.0.1/32");
            List<String> replies = talk(port, "PROXY TCP4 203.0.113.7 127.0.0.1 40001 25\r\n",
                    "EHLO proxied.client.test", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "DATA",
                    "Subject: via a proxy\r\n\r\nhello\r\n.", "QUIT");
            assertThat(replies).last().asString().startsWith("221");
            c.awaitOut("size=");
            assertThat(json()).contains("\"address\": \"203.0.113.7\"", "\"port\": 40001", "\"helo\": \"proxied.client.test\"",
                    "\"proxy\": \"127.0.0.1\"");
        }
    }

    @Test
    void recordsTheClientThatXclientNames() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--dir", dir.toString(), "--xclient", "127.0.0.1/32")) {
            int port = c.port();
            List<String> replies = talk(port, null, "EHLO filter.test", "XCLIENT ADDR=198.51.100.9 NAME=[UNAVAILABLE]",
                    "EHLO real.client.test", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "DATA",
                    "Subject: via XCLIENT\r\n\r\nhello\r\n.", "QUIT");
            assertThat(replies.get(1)).contains("XCLIENT");
            assertThat(replies.get(2)).startsWith("220");
            c.awaitOut("size=");
            assertThat(json()).contains("\"address\": \"198.51.100.9\"", "\"helo\": \"real.client.test\"", "\"proxy\": \"127.0.0.1\"");
        }
    }

    @Test
    void theSinkTakesTheSameOptions() throws Exception {
        try (Cli sink = Cli.start("sink", "--port", "0", "--interval", "1", "--auth", "alice:secret", "--auth-plaintext",
                "--auth-required", "--auth-mechanisms", "CRAM-MD5")) {
            int port = sink.port();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--auth", "alice:secret", "--count", "2");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            assertThat(sink.stop()).isZero();
            assertThat(sink.out()).contains("total: 2 messages");
        }
    }

    /** The one envelope file, waiting for it to be complete. */
    private String json() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.toString().endsWith(".json")).toList();
            assertThat(found).hasSize(1);
            return Files.readString(found.get(0));
        }
    }

    /** Sends the raw preamble (a PROXY header), then each command, reading the greeting and each reply. */
    private static List<String> talk(int port, String preamble, String... lines) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) Cli.WAIT.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            if (preamble != null) {
                out.write(preamble.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            List<String> replies = new ArrayList<>();
            replies.add(reply(in));
            for (String line : lines) {
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                replies.add(reply(in));
            }
            return replies;
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed after: " + sb);
            }
            sb.append(line).append('\n');
        } while (line.length() > 3 && line.charAt(3) == '-');
        return sb.toString();
    }
}
