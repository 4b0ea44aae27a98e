package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.security.SelfSignedCertificate;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SendCommandTest {

    @TempDir
    Path dir;

    /** What the test server was sent: each message's MAIL parameters and content. */
    final List<String> received = new CopyOnWriteArrayList<>();

    /** A server that refuses the recipient "nobody" with 550 5.1.1 and keeps the rest. */
    SmtpServer server() {
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            @Override
            public void rcpt(ForwardPath recipient, Parameters parameters) {
                if (recipient.mailbox().map(m -> m.localPart().equals("nobody")).orElse(false)) {
                    throw new SmtpRejectException(Replies.NO_SUCH_USER);
                }
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, InputStream content) throws Exception {
                received.add(envelope.mailParameters() + "|" + new String(content.readAllBytes(), StandardCharsets.UTF_8));
            }
        };
        return SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).handler(factory).build().start();
    }

    @Test
    void sendsCountMessagesOverOneConnectionAndPrintsEachRecipient() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "alice@example.com",
                    "--rcpt", "bob@example.org", "--rcpt", "carol@example.org", "--count", "3");
            assertThat(c.exitCode()).as(c.toString()).isZero();
            assertThat(c.out().lines()).hasSize(6).allMatch(l -> l.matches("message [123]: <(bob|carol)@example.org> 250 2\\.0\\.0 .*"));
            assertThat(received).hasSize(3);
            assertThat(server.metrics().connectionsOpened()).isEqualTo(1);
        }
    }

    @Test
    void exitsOneWhenARecipientIsRefusedAndShowsItsReply() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "alice@example.com",
                    "--rcpt", "bob@example.org,nobody@example.org");
            assertThat(c.out()).contains("message 1: <bob@example.org> 250", "message 1: <nobody@example.org> 550 5.1.1");
            c.assertOneLineError(1, "smtpkit send: not accepted for 1 of 2 recipients");
        }
    }

    @Test
    void sendsAFileAndDeclaresEightBitContent() throws Exception {
        Path eml = Files.write(dir.resolve("m.eml"), "Subject: caf\u00e9\n\nline\n.hidden dot\n".getBytes(StandardCharsets.UTF_8));
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--pipelining", "off", "-v", eml.toString());
            assertThat(c.exitCode()).as(c.toString()).isZero();
            // The transcript of -v goes to standard error, through SmtpClient's logger; the results alone to standard output.
            assertThat(c.out().lines()).containsExactly("message 1: <b@example.org> 250 2.0.0 Message accepted");
            // 8-bit in the header: SMTPUTF8 (RFC 6532 §3.2) as well as BODY=8BITMIME (RFC 6152).
            assertThat(received).singleElement().asString()
                    .contains("SIZE=", "BODY=8BITMIME", "SMTPUTF8")
                    .endsWith("|Subject: caf\u00e9\r\n\r\nline\r\n.hidden dot\r\n");
        }
    }

    @Test
    void failsWhenTlsIsRequiredButNotOffered() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org", "--tls");
            c.assertOneLineError(3, "smtpkit send: --tls but 127.0.0.1 does not offer STARTTLS (RFC 3207 §4); nothing was sent");
            assertThat(received).isEmpty();
        }
    }

    @Test
    void failsWhenAuthIsAskedButNotOffered() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--auth", "alice:secret", "-v");
            c.assertOneLineError(3, "smtpkit send: 127.0.0.1 offers no AUTH without TLS, and the connection is not encrypted;"
                    + " use --tls or --tls-on-connect");
            assertThat(c.out() + c.err()).doesNotContain("secret");
        }
    }

    @Test
    void aServerThatIsNotThereIsAOneLineFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Cli c = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org");
        c.assertOneLineError(3, "smtpkit send: cannot connect to ");
        assertThat(c.err()).contains("127.0.0.1:" + port);
    }

    @Test
    void anUnreadableFileIsAUsageError() throws Exception {
        Cli c = Cli.run("send", "--from", "a@example.com", "--rcpt", "b@example.org", dir.resolve("missing.eml").toString());
        c.assertOneLineError(2, "smtpkit send: cannot read");
    }

    /**
     * A raw server on 127.0.0.1:0 for one connection: greets, says 250 to all but DATA, answers
     * DATA with 354 and an early 250 in one write (issue 17), and 554 to a final dot if one
     * comes. Records every line it reads.
     */
    static final class InjectingServer implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final Thread thread = new Thread(this::serve, "injecting-server");

        InjectingServer() throws java.io.IOException {
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            try (java.net.Socket s = listener.accept();
                 java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                         StandardCharsets.ISO_8859_1))) {
                s.setSoTimeout((int) Cli.WAIT.toMillis());
                java.io.OutputStream out = s.getOutputStream();
                out.write("220 hostile.example ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                    String reply = line.startsWith("EHLO") ? "250-hostile.example\r\n250 8BITMIME\r\n"
                            : line.equals("DATA") ? "354 go ahead\r\n250 2.0.0 queued\r\n"
                            : line.equals(".") ? "554 5.7.1 refused\r\n"
                            : line.equals("QUIT") ? "221 bye\r\n" : lines.contains("DATA") ? null : "250 OK\r\n";
                    if (reply != null) {
                        out.write(reply.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }
            } catch (java.io.IOException e) {
                // the client hung up; the test asserts on what it did
            }
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            listener.close();
            thread.join(Cli.WAIT.toMillis());
        }
    }

    @Test
    @DisplayName("Issue 17: a 250 written with the 354 fails the message and exits 3; the end of data is never sent")
    void anEarlyReplyIsAFailureNotADelivery() throws Exception {
        try (InjectingServer server = new InjectingServer()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org");
            c.assertOneLineError(3, "unsolicited reply 250 2.0.0 queued");
            assertThat(c.out()).doesNotContain(" 250 2.0.0 queued").doesNotContain("451")
                    .contains("<b@example.org> not delivered: no valid reply, the server broke the protocol");
            server.close();
            assertThat(server.lines).contains("DATA").doesNotContain(".");
            // The name in EHLO is SmtpClient's default, the address literal of the local end.
            assertThat(server.lines.get(0)).isEqualTo("EHLO [127.0.0.1]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--tls", "--tls-on-connect"})
    @DisplayName("Issue 17: over TLS, a 250 in a TLS record of its own after the 354 fails the message and exits 3; the end of data is never sent")
    void anEarlyReplyInItsOwnTlsRecordIsAFailure(String tls) throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate("localhost");
        Path pem = Files.writeString(dir.resolve("cert.pem"), cert.certificatePem());
        try (EarlyReplyTlsServer server = new EarlyReplyTlsServer(cert.serverContext(), tls.equals("--tls-on-connect"))) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org",
                    tls, "--cafile", pem.toString());
            c.assertOneLineError(3, "unsolicited reply 250 2.0.0 queued");
            assertThat(c.out()).doesNotContain(" 250 2.0.0 queued")
                    .contains("<b@example.org> not delivered: no valid reply, the server broke the protocol");
            server.close();
            assertThat(server.lines).contains("DATA").doesNotContain(".");
            assertThat(server.lines.stream().filter(l -> l.startsWith("EHLO")))
                    .hasSize(tls.equals("--tls") ? 2 : 1);
        }
    }

    @Test
    @DisplayName("RFC 5322 §3.6.4: --count N sends N generated messages, each with its own Message-ID")
    void eachGeneratedMessageHasItsOwnMessageId() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "alice@example.com",
                    "--rcpt", "bob@example.org", "--count", "3");
            assertThat(c.exitCode()).as(c.toString()).isZero();
            List<String> ids = received.stream().map(m -> m.lines().filter(l -> l.startsWith("Message-ID: <")).findFirst()
                    .orElseThrow()).toList();
            assertThat(ids).hasSize(3).doesNotHaveDuplicates();
            assertThat(received).allSatisfy(m -> assertThat(m).contains("Date: ").contains("@example.com>"));
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.1.2: --from takes the address alone and explains a header form; '' is the null sender")
    void fromIsAnEnvelopeAddress() throws Exception {
        Cli header = Cli.run("send", "--from", "Alice <alice@example.com>", "--rcpt", "b@example.org");
        assertThat(header.exitCode()).isEqualTo(2);
        assertThat(header.err()).contains("display name").contains("the address alone: alice@example.com");
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "", "--rcpt", "bob@example.org");
            assertThat(c.exitCode()).as(c.toString()).isZero();
            assertThat(received).singleElement().asString().contains("From: mailer-daemon@");
        }
        Cli help = Cli.run("send", "--help");
        assertThat(help.out()).contains("Exit codes:").contains("null sender").contains("--cafile")
                .contains("--stage-timeout").contains("--max-reply-line").contains("--too-many-recipients");
    }

    @Test
    @DisplayName("RFC 2033 §4, RFC 5321 §4.5.3.2.6: send --lmtp takes --stage-timeout; an end of data never answered ends at data-end, not --timeout")
    void lmtpHasStageTimeouts() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // An LMTP server that takes the message and never answers its end.
            Thread server = new Thread(() -> {
                try (java.net.Socket s = listener.accept()) {
                    java.io.BufferedReader in = new java.io.BufferedReader(
                            new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    java.io.OutputStream out = s.getOutputStream();
                    out.write("220 lmtp.test LMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        String reply = line.startsWith("LHLO") ? "250 lmtp.test\r\n"
                                : line.startsWith("MAIL") || line.startsWith("RCPT") ? "250 OK\r\n"
                                : line.equals("DATA") ? "354 go ahead\r\n" : null;
                        if (reply != null) {
                            out.write(reply.getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                } catch (java.io.IOException e) {
                    // The client gave up and closed: the point.
                }
            }, "silent-lmtp-server");
            server.start();
            long start = System.nanoTime();
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + listener.getLocalPort(), "--lmtp", "--from", "a@example.com",
                    "--rcpt", "b@example.org", "--timeout", "60", "--stage-timeout", "data-end=1");
            java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - start);
            assertThat(c.exitCode()).as(c.toString()).isEqualTo(3);
            assertThat(c.err()).contains("within the DATA_TERMINATION timeout (1 s, --stage-timeout data-end=SECONDS");
            assertThat(took).isLessThan(java.time.Duration.ofSeconds(30));
            server.join(10_000);
            assertThat(server.isAlive()).isFalse();
        }
    }

    @Test
    void stageTimeoutsAndCaFileAreChecked() throws Exception {
        Cli unknown = Cli.run("send", "--from", "a@example.com", "--rcpt", "b@example.org", "--stage-timeout", "dot=5");
        unknown.assertOneLineError(2, "unknown stage 'dot'; the stages are greeting, mail, rcpt, data-init, data-block,"
                + " data-end, command");
        Path notPem = Files.writeString(dir.resolve("not.pem"), "no certificate\n");
        Cli badPem = Cli.run("send", "--from", "a@example.com", "--rcpt", "b@example.org", "--tls", "--cafile", notPem.toString());
        badPem.assertOneLineError(2, "--cafile: ");
        Cli noTls = Cli.run("send", "--from", "a@example.com", "--rcpt", "b@example.org", "--cafile", notPem.toString());
        noTls.assertOneLineError(2, "--cafile needs --tls");
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.10: recipients over the server's limit get the message in a second transaction")
    void tooManyRecipientsAreRetried() throws Exception {
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            @Override
            public void message(dev.smtpkit.core.Envelope envelope, InputStream content) throws Exception {
                received.add(envelope.recipients().size() + " recipients");
            }
        };
        try (SmtpServer server = SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).handler(factory)
                .limits(dev.smtpkit.core.Limits.builder().maxRecipients(1).build()).build().start()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com",
                    "--rcpt", "b@example.org,c@example.org");
            assertThat(c.exitCode()).as(c.toString()).isZero();
            assertThat(received).containsExactly("1 recipients", "1 recipients");
            received.clear();
            Cli report = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com",
                    "--rcpt", "b@example.org,c@example.org", "--too-many-recipients", "report");
            assertThat(report.out()).contains("<c@example.org> 452");
            report.assertOneLineError(1, "not accepted for 1 of 2 recipients");
        }
    }
}
