package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.testkit.MailSink;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExplainCommandTest {

    private static final String TCPDUMP = "/usr/bin/tcpdump";

    @TempDir
    Path dir;

    static Path sample(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("conversations");
            if (Files.isDirectory(candidate) && Files.exists(p.resolve("pom.xml"))) {
                return candidate.resolve(name);
            }
        }
        throw new IllegalStateException("conversations/ not found above " + Path.of("").toAbsolutePath());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "connection-reuse-rset-probe.txt, 17 C: RSET, info rset-probe",
        "proxy-answers-data.txt, 9 S: 354 Please start mail input., warning middlebox-suspected",
        "helo-without-hostname.txt, 2 C: HELO, warning helo-without-domain",
        "rfc821-aborted-transaction.txt, 10 C: RSET, info rset-abort",
        "closed-without-quit.txt, 15 S: 250 OK, warning close-without-quit"})
    @DisplayName("explain prints each sample's finding under the line it concerns")
    void explainsSamples(String file, String line, String finding) throws Exception {
        Cli cli = Cli.run("explain", "--color=never", sample(file).toString());
        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.out()).as(cli.toString()).containsPattern("(?m)^ *" + java.util.regex.Pattern.quote(line)
                + "\n *\\^ " + java.util.regex.Pattern.quote(finding) + ": ");
        assertThat(cli.out()).doesNotContain("\u001b[");
    }

    @Test
    @DisplayName("--json prints one array of findings with id, line, severity, reference and message")
    void json() throws Exception {
        Cli cli = Cli.run("explain", "--json", sample("helo-without-hostname.txt").toString());
        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.out()).isEqualTo("""
                [
                  {
                    "id": "helo-without-domain",
                    "line": 2,
                    "severity": "warning",
                    "reference": "RFC 5321 §4.1.1.1",
                    "message": "HELO without the domain RFC 5321 §4.1.1.1 requires: this server is strict and refused it\
                 with 501; lenient servers accept it with 250, which is why the client may work elsewhere",
                    "lines": [
                      2,
                      3
                    ],
                    "conversation": "helo-without-hostname.txt"
                  }
                ]
                """);
        Cli clean = Cli.run("explain", "--json", sample("pipelined-transaction.txt").toString());
        assertThat(clean.out()).isEqualTo("[]\n");
    }

    @Test
    @DisplayName("--fail-on makes a finding that severe an exit code of 1, for CI")
    void failOn() throws Exception {
        String file = sample("helo-without-hostname.txt").toString();
        assertThat(Cli.run("explain", "--fail-on=warning", file).exitCode()).isEqualTo(1);
        assertThat(Cli.run("explain", "--fail-on=error", file).exitCode()).isZero();
        assertThat(Cli.run("explain", file).exitCode()).isZero();
    }

    @Test
    @DisplayName("--color=always colours the severity")
    void colour() throws Exception {
        Cli cli = Cli.run("explain", "--color=always", sample("helo-without-hostname.txt").toString());
        assertThat(cli.out()).contains("\u001b[33mwarning helo-without-domain\u001b[0m");
    }

    @Test
    @DisplayName("'-' reads standard input")
    void standardInput() throws Exception {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream("S: 220 mx\nC: FOO\nS: 500 what\nC: QUIT\nS: 221 bye\n"
                    .getBytes(StandardCharsets.UTF_8)));
            Cli cli = Cli.run("explain", "--color=never", "-");
            assertThat(cli.exitCode()).as(cli.toString()).isZero();
            assertThat(cli.out()).contains("2 C: FOO\n  ^ warning unknown-command");
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    @DisplayName("proxy output without --record: one conversation per '# connection N'")
    void proxyOutput() throws Exception {
        Path file = dir.resolve("proxy.txt");
        Files.writeString(file, "# connection 1\nS: 220 mx\nC: QUIT\nS: 221 bye\n\n"
                + "# connection 2\nS: 220 mx\nC: HELO\nS: 250 mx\n");
        Cli cli = Cli.run("explain", "--color=never", file.toString());
        assertThat(cli.out()).contains("== proxy.txt, connection 1\n1 S: 220 mx\n2 C: QUIT\n3 S: 221 bye\nno findings\n")
                .contains("== proxy.txt, connection 2\n").contains("helo-without-domain").contains("close-without-quit");
    }

    @Test
    @DisplayName("the wire transcript 'catch -v' logs, one conversation per session, with its timing")
    void catcherTranscript() throws Exception {
        Path file = dir.resolve("catch.log");
        Files.writeString(file, String.join("\n",
                "catching mail on 127.0.0.1:2525 (SMTP), writing to mail; Ctrl-C to stop",
                "12:00:00.000 [DEBUG] s1 /127.0.0.1:50000 S: 220 mx ESMTP",
                "12:00:00.010 [DEBUG] s2 /127.0.0.1:50001 S: 220 mx ESMTP",
                "12:00:00.250 [DEBUG] s1 /127.0.0.1:50000 C: HELO",
                "12:00:00.251 [DEBUG] s1 /127.0.0.1:50000 S: 501 5.5.4 Syntax: HELO hostname",
                "12:00:00.300 [DEBUG] s2 /127.0.0.1:50001 C: QUIT",
                "12:00:00.301 [DEBUG] s2 /127.0.0.1:50001 S: 221 2.0.0 Bye", ""));
        Cli cli = Cli.run("explain", "--color=never", file.toString());
        assertThat(cli.out()).contains("== session s1 /127.0.0.1:50000\n1   +0.000s S: 220 mx ESMTP\n"
                + "2   +0.250s C: HELO\n  ^ warning helo-without-domain")
                .contains("== session s2 /127.0.0.1:50001\n");
    }

    @Test
    @DisplayName("a pcap capture written by the test: findings that need the raw bytes")
    void pcapFile() throws Exception {
        Path file = dir.resolve("bare-lf.pcap");
        Files.write(file, PcapBytes.ethernet()
                .tcp("10.0.0.2", 587, "10.0.0.1", 40000, 100, PcapBytes.ACK, "220 mx\r\n")
                .tcp("10.0.0.1", 40000, "10.0.0.2", 587, 1, PcapBytes.ACK, "NOOP\n")
                .tcp("10.0.0.2", 587, "10.0.0.1", 40000, 108, PcapBytes.ACK, "250 OK\r\n")
                .tcp("10.0.0.1", 40000, "10.0.0.2", 587, 6, PcapBytes.ACK, "QUIT\r\n")
                .tcp("10.0.0.2", 587, "10.0.0.1", 40000, 116, PcapBytes.ACK, "221 Bye\r\n").bytes());
        Cli cli = Cli.run("explain", "--json", file.toString());
        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.out()).contains("\"id\": \"bare-lf\"", "\"line\": 2",
                "\"conversation\": \"10.0.0.1:40000 -> 10.0.0.2:587\"");
        Cli text = Cli.run("explain", "--color=never", file.toString());
        assertThat(text.out()).contains("== 10.0.0.1:40000 -> 10.0.0.2:587\n").contains("C: NOOP  [LF]");
    }

    @Test
    @DisplayName("a file that is no conversation is a usage error in one line")
    void badInput() throws Exception {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "hello\n");
        Cli.run("explain", file.toString()).assertOneLineError(2, "not a script");
        Cli.run("explain", dir.resolve("missing.txt").toString()).assertOneLineError(2, "no such file");
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "# only a comment\n");
        Cli.run("explain", empty.toString()).assertOneLineError(2, "holds no conversation");
        Cli.run("explain", "--color=sometimes", file.toString()).assertOneLineError(2, "--color");
    }

    @Test
    @DisplayName("tcpdump captures our client and server over loopback; explain reads the capture")
    void tcpdumpCapture() throws Exception {
        Peers.require(TCPDUMP, "apt-get install tcpdump");
        Path capture = dir.resolve("loopback.pcap");
        try (MailSink sink = MailSink.builder().server(s -> s.hostname("mx.test")).start()) {
            Process tcpdump = new ProcessBuilder(TCPDUMP, "-i", "lo", "-U", "-n", "-w", capture.toString(),
                    "tcp port " + sink.port()).redirectErrorStream(true).start();
            try {
                awaitListening(tcpdump);
                try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(sink.port()).tlsMode(TlsMode.NONE)
                        .heloName("client.test").maxConnections(1).build()) {
                    for (int i = 1; i <= 2; i++) {
                        client.send(Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("b@example.org")),
                                MessageContent.of(("Subject: " + i + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII)));
                    }
                }
                awaitCaptured(capture, "221 ");
            } finally {
                tcpdump.destroy();
                if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
                    tcpdump.destroyForcibly();
                }
            }
        }
        Cli cli = Cli.run("explain", "--color=never", capture.toString());
        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.out()).as(cli.toString()).contains("S: 220 mx.test").contains("C: EHLO client.test")
                .contains("C: MAIL FROM:<a@example.com>").contains("C: QUIT");
        Cli json = Cli.run("explain", "--json", capture.toString());
        // The second message goes on the reused connection, after SmtpClient's RSET probe.
        assertThat(json.out()).as(cli.out() + json).contains("\"id\": \"rset-probe\"")
                .doesNotContain("\"severity\": \"error\"").doesNotContain("\"severity\": \"warning\"");
    }

    /** Waits for tcpdump's "listening on" line; a tcpdump that cannot capture skips, or fails in CI. */
    private static void awaitListening(Process tcpdump) throws Exception {
        StringBuilder seen = new StringBuilder();
        InputStream in = tcpdump.getInputStream();
        long deadline = System.nanoTime() + Cli.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (in.available() > 0) {
                seen.append((char) in.read());
                if (seen.indexOf("listening on") >= 0 && seen.charAt(seen.length() - 1) == '\n') {
                    return;
                }
                continue;
            }
            if (!tcpdump.isAlive()) {
                seen.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                if (System.getenv("CI") != null) {
                    fail("tcpdump cannot capture on lo: " + seen);
                }
                assumeTrue(false, "tcpdump cannot capture on lo (needs root or CAP_NET_RAW): " + seen);
            }
            Thread.sleep(10);
        }
        fail("tcpdump did not start listening within " + Cli.WAIT + ": " + seen);
    }

    /** Waits until the capture file holds the server's reply to QUIT. */
    private static void awaitCaptured(Path capture, String text) throws Exception {
        long deadline = System.nanoTime() + Cli.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(capture)) {
                byte[] bytes = Files.readAllBytes(capture);
                if (new String(bytes, StandardCharsets.ISO_8859_1).contains(text)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        fail("the capture did not show '" + text + "' within " + Cli.WAIT);
    }
}
