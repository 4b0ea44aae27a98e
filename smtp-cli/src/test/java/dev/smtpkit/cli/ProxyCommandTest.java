package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.server.security.SelfSignedCertificate;
import dev.smtpkit.testkit.Fault.At;
import dev.smtpkit.testkit.Fault;
import dev.smtpkit.testkit.MailSink;
import dev.smtpkit.testkit.ScriptedServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyCommandTest {

    @TempDir
    Path dir;

    @Test
    void recordsEachConnectionAsAScriptThatPlayReplays() throws Exception {
        Path record = dir.resolve("session.txt");
        try (ScriptedServer server = ScriptedServer.stub();
             Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + server.port(), "--record", record.toString())) {
            int port = proxy.port();
            // The port may be read before the rest of the start line is written: wait for it.
            proxy.awaitOut("recording to " + dir.resolve("session-N.txt"));
            // Without pipelining the client uses DATA, which the line-based proxy records (BDAT it cannot).
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--pipelining", "off", "--subject", "recorded");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            proxy.awaitOut("connection 1 recorded to");
            Path recorded = dir.resolve("session-1.txt");
            assertThat(Files.readString(recorded)).contains("C: MAIL FROM:<a@example.com>", "C: Subject: recorded", "C: .", "S: 221");

            Cli replay = Cli.run("play", recorded.toString(), "--to", "127.0.0.1:" + server.port());
            assertThat(replay.exitCode()).as(replay.toString()).isZero();
            assertThat(replay.out()).startsWith("PASS session-1.txt");
            assertThat(proxy.stop()).isZero();
        }
    }

    @Test
    void withoutRecordPrintsTheScript() throws Exception {
        try (ScriptedServer server = ScriptedServer.stub();
             Cli proxy = Cli.start("proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + server.port())) {
            int port = proxy.port();
            assertThat(CatchCommandTest.talk(port, "HELO me.example", "QUIT")).last().asString().startsWith("221");
            proxy.awaitOut("# connection 1");
            proxy.awaitOut("C: QUIT");
            assertThat(proxy.out()).contains("C: HELO me.example");
        }
    }

    @Test
    void numbersRecordFilesBeforeTheExtension() {
        assertThat(ProxyCommand.numbered(Path.of("d", "session.txt"), 2)).isEqualTo(Path.of("d", "session-2.txt"));
        assertThat(ProxyCommand.numbered(Path.of("session"), 3)).isEqualTo(Path.of("session-3"));
        assertThat(ProxyCommand.numbered(Path.of(".hidden"), 1)).isEqualTo(Path.of(".hidden-1"));
    }

    @Test
    void aTargetWithoutPortIsAUsageError() throws Exception {
        Cli c = Cli.run("proxy", "--listen", "0", "--to", "localhost");
        c.assertOneLineError(2, "smtpkit proxy: --to: expected HOST:PORT");
    }

    @Test
    @DisplayName("issue 17: the antivirus case from the command line: --answer-data tells the client 250 for a message the server refused")
    void answerDataFromTheCommandLine() throws Exception {
        Fault refuseData = Fault.rewriteReply(At.first(Verb.DATA), Reply.of(554, dev.smtpkit.core.EnhancedStatus.of(5, 7, 1), "virus found"));
        try (MailSink sink = MailSink.builder().fault(refuseData).start();
             Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + sink.port(), "--answer-data")) {
            int port = proxy.port();
            proxy.awaitOut("faults: answer DATA with 250");
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--pipelining", "off");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            proxy.awaitOut("S: 250 Mail accepted");
            assertThat(sink.messages()).isEmpty();
        }
    }

    @Test
    @DisplayName("issue 17: --rewrite, --delay, --drop-at, --drop-after and --inject-rset become the testkit's faults")
    void faultOptionsBecomeFaults() {
        ProxyCommand c = new ProxyCommand(null);
        c.rewrites = List.of("RCPT#2=452 4.5.3 Too many recipients", "greeting=554 5.3.2 go away");
        c.delays = List.of("greeting=1500ms", "data=2s");
        c.dropAt = List.of("mail#3");
        c.dropAfter = 512L;
        c.injectRset = List.of("MAIL");
        c.stripStartTls = true;

        assertThat(c.faults()).containsExactly(Fault.stripStartTls(),
                Fault.rewriteReply(At.command(Verb.RCPT, 2), Reply.of(452, dev.smtpkit.core.EnhancedStatus.of(4, 5, 3), "Too many recipients")),
                Fault.rewriteReply(At.greeting(), Reply.of(554, dev.smtpkit.core.EnhancedStatus.of(5, 3, 2), "go away")),
                Fault.delayReply(At.greeting(), Duration.ofMillis(1500)), Fault.delayReply(At.first(Verb.DATA), Duration.ofSeconds(2)),
                Fault.dropConnection(At.command(Verb.MAIL, 3)), Fault.dropAfterOctets(512),
                Fault.injectRset(At.first(Verb.MAIL)));
        assertThat(ProxyCommand.describe(c.faults())).contains("delay greeting by 1.5 s", "rewrite RCPT #2 to 452");
        assertThat(ProxyCommand.reply("--rewrite", "250-mx\\n250 SIZE").lines()).containsExactly("mx", "SIZE");
    }

    @Test
    void badFaultOptionsAreOneLineUsageErrors() throws Exception {
        Cli.run("proxy", "--listen", "0", "--to", "127.0.0.1:25", "--rewrite", "RCPT").assertOneLineError(2,
                "--rewrite: expected AT=REPLY, got 'RCPT'");
        Cli.run("proxy", "--listen", "0", "--to", "127.0.0.1:25", "--delay", "FOO=1s").assertOneLineError(2,
                "--delay: 'FOO' is not 'greeting' or a command such as RCPT or RCPT#2");
        Cli.run("proxy", "--listen", "0", "--to", "127.0.0.1:25", "--delay", "DATA=soon").assertOneLineError(2,
                "--delay: 'soon' is not a duration such as 500ms, 5s or 2m");
        Cli.run("proxy", "--listen", "0", "--to", "127.0.0.1:25", "--rewrite", "RCPT#0=250 ok").assertOneLineError(2,
                "counts from 1");
        Cli.run("proxy", "--listen", "0", "--to", "127.0.0.1:25", "--rewrite", "RCPT=hello").assertOneLineError(2,
                "--rewrite: 'hello' is not a reply");
    }

    @Test
    @DisplayName("issue 17: an unwritable --record folder is an error at start, naming the reason")
    void unwritableRecordFolderFailsAtStart() throws Exception {
        Cli c = Cli.run("proxy", "--listen", "0", "--to", "127.0.0.1:25", "--record", dir.resolve("missing/s.txt").toString());
        c.assertOneLineError(2, "--record: cannot write in " + dir.resolve("missing"));
        assertThat(c.err()).contains("no such file or directory");
    }

    @Test
    @DisplayName("issue 17: the recording is on disk line by line while the session goes on, with times; -v shows it live")
    void recordsAsTheSessionGoes() throws Exception {
        Path record = dir.resolve("live.txt");
        try (ScriptedServer server = ScriptedServer.stub();
             Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + server.port(), "--record", record.toString(), "-v");
             Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout((int) Cli.WAIT.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(in.readLine()).startsWith("220");
            out.write("HELO me.example\r\nAUTH\tPLAIN c2VjcmV0\r\nNOOP \u001b[2J\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.readLine()).startsWith("250");
            in.readLine();
            in.readLine();
            Path file = dir.resolve("live-1.txt");
            long deadline = System.nanoTime() + Cli.WAIT.toNanos();
            while (!(Files.exists(file) && Files.readString(file).contains("NOOP")) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // the connection is still open, and the file already holds the session so far
            assertThat(Files.readString(file)).contains("S: 220", "C: HELO me.example", "C= AUTH\\tPLAIN c2VjcmV0",
                    "C= NOOP \\x1B[2J").containsPattern("\n@ [0-9]+\\.[0-9]{3}\n");
            assertThat(proxy.err()).contains("[1] C: HELO me.example", "[1] C= AUTH\\tPLAIN <redacted>", "[1] C= NOOP \\x1B[2J")
                    .doesNotContain("c2VjcmV0").doesNotContain("\u001b");
        }
    }

    @Test
    @DisplayName("issue 19: proxy -v explains the conversation as it goes: HELO without a name, a bare LF, a close without QUIT")
    void verboseExplainsLive() throws Exception {
        try (ScriptedServer server = ScriptedServer.stub();
             Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + server.port(), "-v")) {
            try (Socket s = new Socket("127.0.0.1", proxy.port())) {
                s.setSoTimeout((int) Cli.WAIT.toMillis());
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                assertThat(in.readLine()).startsWith("220");
                out.write("HELO\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.readLine();
                out.write("NOOP\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.readLine();
            }
            proxy.awaitErr("close-without-quit");
            assertThat(proxy.err()).containsPattern("\\[1\\] >> line 2: [a-z]+ helo-without-domain: ")
                    .containsPattern("\\[1\\] >> line [0-9]+: [a-z]+ bare-lf: ")
                    .containsPattern("\\[1\\] >> line [0-9]+: [a-z]+ close-without-quit: ");
        }
    }

    @Test
    @DisplayName("issue 17: a dead server is reported to the client (421 4.4.1) and on the console with the cause")
    void deadServerIsReported() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + closed)) {
            List<String> replies = CatchCommandTest.talk(proxy.port());
            assertThat(replies).singleElement().asString().startsWith("421 4.4.1 proxy cannot reach 127.0.0.1:" + closed);
            proxy.awaitErr("cannot reach");
            assertThat(proxy.err()).contains("proxy: connection 1: cannot reach the server 127.0.0.1:" + closed + ": Connection refused");
        }
    }

    @Test
    @DisplayName("issue 17, RFC 3207: --tls-cert/--tls-key answer STARTTLS in the proxy and record the session in clear")
    void terminatesTls() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate("proxy.test");
        Path crt = Files.writeString(dir.resolve("proxy.crt"), cert.certificatePem());
        Path key = Files.writeString(dir.resolve("proxy.key"), cert.privateKeyPem());
        try (MailSink sink = MailSink.start();
             Cli proxy = Cli.start("proxy", "--listen", "0", "--to", "127.0.0.1:" + sink.port(),
                     "--tls-cert", crt.toString(), "--tls-key", key.toString())) {
            int port = proxy.port();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls", "--insecure", "--pipelining", "off", "--subject", "inside tls");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            proxy.awaitOut("# connection 1");
            proxy.awaitOut("S: 221");
            assertThat(proxy.out()).contains("C: STARTTLS", "S: 220 2.0.0 Ready to start TLS (smtpkit proxy)",
                    "! tls: terminated by the proxy (TLS", "C: Subject: inside tls");
            assertThat(sink.messages()).hasSize(1);
        }
    }

    @Test
    void tlsKeyWithoutCertIsAUsageError() throws Exception {
        Cli.run("proxy", "--listen", "0", "--to", "127.0.0.1:25", "--tls-key", "k.pem").assertOneLineError(2, "--tls-key needs --tls-cert");
    }
}
