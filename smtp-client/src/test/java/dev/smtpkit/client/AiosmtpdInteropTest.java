package dev.smtpkit.client;

import static dev.smtpkit.client.SmtpClientTest.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.server.security.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against Python's aiosmtpd, with a handler that writes each message and envelope to files. */
class AiosmtpdInteropTest {

    /** The end of both scripts: start the controller {@code c}, say READY, serve until SIGTERM or SIGINT. */
    private static final String SERVE_UNTIL_SIGNALLED = String.join("\n",
            "c.start()",
            "print('READY', flush=True)",
            "try:",
            "    signal.sigwait([signal.SIGTERM, signal.SIGINT])",
            "finally:",
            "    c.stop()",
            "");

    /** The server: one file per message's content (N.eml) and one per envelope (N.env). */
    private static final String SERVER = String.join("\n",
            "import sys, ssl, os, signal",
            "from aiosmtpd.controller import Controller",
            "from aiosmtpd.smtp import AuthResult, LoginPassword",
            "port, out = int(sys.argv[1]), sys.argv[2]",
            "count = [0]",
            "class Handler:",
            "    async def handle_DATA(self, server, session, envelope):",
            "        count[0] += 1",
            "        n = count[0]",
            "        with open(os.path.join(out, '%d.eml' % n), 'wb') as f:",
            "            f.write(envelope.original_content)",
            "        with open(os.path.join(out, '%d.tmp' % n), 'w') as f:",
            "            f.write('\\n'.join([envelope.mail_from, ' '.join(envelope.mail_options), ','.join(envelope.rcpt_tos),",
            "                'tls=%s' % (session.ssl is not None), 'auth=%s' % session.authenticated]))",
            "        os.rename(os.path.join(out, '%d.tmp' % n), os.path.join(out, '%d.env' % n))",
            "        return '250 2.0.0 Message accepted'",
            "def authenticator(server, session, envelope, mechanism, auth_data):",
            "    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b'alice' and auth_data.password == b's3cret'",
            "    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself",
            "kwargs = dict(hostname='127.0.0.1', port=port, enable_SMTPUTF8=True, decode_data=False)",
            "if len(sys.argv) > 3:",
            "    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)",
            "    ctx.load_cert_chain(sys.argv[3], sys.argv[4])",
            "    kwargs.update(tls_context=ctx, authenticator=authenticator, auth_require_tls=True)",
            "c = Controller(Handler(), **kwargs)",
            SERVE_UNTIL_SIGNALLED);

    @TempDir
    Path dir;

    @BeforeAll
    static void aiosmtpdInstalled() throws Exception {
        Peers.requireAiosmtpd();
    }

    interface Body {
        void run(int port, Path out) throws Exception;
    }

    private void withServer(boolean tls, Body body) throws Exception {
        Path script = Files.writeString(dir.resolve("server.py"), SERVER);
        Path out = Files.createDirectory(dir.resolve("out"));
        int port = Peers.freePort();
        List<String> command = new ArrayList<>(List.of(Peers.PYTHON.toString(), script.toString(), String.valueOf(port),
                out.toString()));
        if (tls) {
            command.add(Files.writeString(dir.resolve("cert.pem"), CERT.certificatePem()).toString());
            command.add(Files.writeString(dir.resolve("key.pem"), CERT.privateKeyPem()).toString());
        }
        Process server = Peers.start(command, dir.resolve("server.log"), port);
        try {
            body.run(port, out);
        } finally {
            Peers.stop(server);
        }
    }

    private static final SelfSignedCertificate CERT = SelfSignedCertificate.generate("localhost");

    private static List<String> envelopeOf(Path out, int n) throws Exception {
        Path env = out.resolve(n + ".env");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(env));
        return Files.readAllLines(env);
    }

    @Test
    @DisplayName("RFC 6152: 8-bit content arrives byte for byte, declared BODY=8BITMIME with its SIZE")
    void eightBitContentArrivesExactly() throws Exception {
        byte[] message = ("From: alice@example.org\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\n"
                + "na\u00efve \u00fcber \u65e5\u672c\r\n.leading dot\r\n..two dots\r\nlast line without end")
                .getBytes(StandardCharsets.UTF_8);
        withServer(false, (port, out) -> {
            try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(port).tlsMode(TlsMode.NONE).build()) {
                SendResult r = client.send(envelope("bob@example.com", "carol@example.com"), MessageContent.of(message));
                assertThat(r.accepted()).hasSize(2);
                List<String> env = envelopeOf(out, 1);
                assertThat(env.get(0)).isEqualTo("alice@example.org");
                assertThat(env.get(1)).contains("BODY=8BITMIME").contains("SIZE=" + message.length);
                assertThat(env.get(2)).isEqualTo("bob@example.com,carol@example.com");
                // the client ends the last line with CRLF, as RFC 5321 §4.1.1.4 requires of content
                byte[] expected = new byte[message.length + 2];
                System.arraycopy(message, 0, expected, 0, message.length);
                expected[message.length] = '\r';
                expected[message.length + 1] = '\n';
                assertThat(Files.readAllBytes(out.resolve("1.eml"))).isEqualTo(expected);
            }
        });
    }

    /** aiosmtpd's LMTP server: its handler answers the end of data once per recipient, a mailbox named full@ with 452. */
    private static final String LMTP_SERVER = String.join("\n",
            "import sys, signal",
            "from aiosmtpd.controller import Controller",
            "from aiosmtpd.lmtp import LMTP",
            "port = int(sys.argv[1])",
            "class Handler:",
            "    async def handle_DATA(self, server, session, envelope):",
            "        return '\\r\\n'.join(('452 4.2.2 <%s> mailbox full' % r) if r.startswith('full@')",
            "                           else ('250 2.1.5 <%s> delivered' % r) for r in envelope.rcpt_tos)",
            "class LMTPController(Controller):",
            "    def factory(self):",
            "        return LMTP(self.handler, **self.SMTP_kwargs)",
            "c = LMTPController(Handler(), hostname='127.0.0.1', port=port)",
            SERVE_UNTIL_SIGNALLED);

    @Test
    @DisplayName("RFC 2033: against aiosmtpd's LMTP server each recipient gets its own outcome from the replies after the data")
    void lmtpAgainstAiosmtpd() throws Exception {
        Path script = Files.writeString(dir.resolve("lmtp.py"), LMTP_SERVER);
        int port = Peers.freePort();
        Process server = Peers.start(List.of(Peers.PYTHON.toString(), script.toString(), String.valueOf(port)),
                dir.resolve("lmtp.log"), port);
        try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(port).tlsMode(TlsMode.NONE).lmtp(true).build()) {
            byte[] message = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            SendResult r = client.send(envelope("bob@example.com", "full@example.com", "carol@example.com"), MessageContent.of(message));

            assertThat(r.recipients()).extracting(x -> x.outcome().code()).containsExactly(250, 452, 250);
            assertThat(r.recipients().get(1).outcome().lines().get(0)).contains("<full@example.com> mailbox full");
            // The connection is still in step: a second message on it gets its own replies.
            SendResult again = client.send(envelope("dave@example.com"), MessageContent.of(message));
            assertThat(again.recipients()).singleElement().satisfies(x -> assertThat(x.isDelivered()).isTrue());
        } finally {
            Peers.stop(server);
        }
    }

    @Test
    @DisplayName("RFC 6531: a UTF-8 address goes with SMTPUTF8")
    void utf8Address() throws Exception {
        byte[] message = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        withServer(false, (port, out) -> {
            try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(port).tlsMode(TlsMode.NONE).build()) {
                client.send(Envelope.of(Mailbox.parse("alice@example.org"), Mailbox.parse("j\u00f6rg@example.com", true)),
                        MessageContent.of(message));
                List<String> env = envelopeOf(out, 1);
                assertThat(env.get(1)).contains("SMTPUTF8");
                assertThat(env.get(2)).isEqualTo("j\u00f6rg@example.com");
            }
        });
    }

    @Test
    @DisplayName("RFC 3207 and RFC 4954: STARTTLS then AUTH PLAIN, which aiosmtpd allows only over TLS")
    void startTlsAndAuth() throws Exception {
        byte[] message = "Subject: secret\r\n\r\nover TLS\r\n".getBytes(StandardCharsets.US_ASCII);
        withServer(true, (port, out) -> {
            try (SmtpClient client = SmtpClient.builder().host("localhost").port(port).tlsMode(TlsMode.STARTTLS_REQUIRED)
                    .sslContext(CERT.clientContext()).credentials(ClientCredentials.password("alice", "s3cret")).build()) {
                client.send(envelope("bob@example.com"), MessageContent.of(message));
                client.send(envelope("bob@example.com"), MessageContent.of(message));
                assertThat(envelopeOf(out, 1)).contains("tls=True", "auth=True");
                assertThat(envelopeOf(out, 2)).contains("tls=True", "auth=True");
                assertThat(Files.readAllBytes(out.resolve("2.eml"))).isEqualTo(message);
                assertThat(client.connectionsOpened()).isEqualTo(1);
            }
            try (SmtpClient client = SmtpClient.builder().host("localhost").port(port).tlsMode(TlsMode.STARTTLS_REQUIRED)
                    .sslContext(CERT.clientContext()).credentials(ClientCredentials.password("alice", "wrong")).build()) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(message)))
                        .isInstanceOfSatisfying(SmtpPermanentException.class,
                                e -> assertThat(e.reply().orElseThrow().code()).isEqualTo(535));
            }
            // with the JDK's trust store the self-signed certificate is refused
            try (SmtpClient client = SmtpClient.builder().host("localhost").port(port).tlsMode(TlsMode.STARTTLS_REQUIRED)
                    .build()) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(message)))
                        .isInstanceOf(SmtpTlsException.class);
            }
        });
    }
}
