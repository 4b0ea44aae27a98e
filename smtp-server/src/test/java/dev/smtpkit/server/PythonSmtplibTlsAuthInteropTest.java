package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.security.SaslMechanism;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Python's smtplib over STARTTLS ({@code starttls()}) and implicit TLS ({@code SMTP_SSL}), with {@code login()}. */
class PythonSmtplibTlsAuthInteropTest {

    private static final String PYTHON = "/usr/bin/python3";

    // argv: mode (starttls or ssl), port, CA file, user, password. login() picks the mechanism
    // from what EHLO offers; each server below offers one.
    private static final String SCRIPT = String.join("\n",
            "import smtplib, ssl, sys",
            "mode, port, cafile, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]",
            "ctx = ssl.create_default_context(cafile=cafile)",
            "if mode == 'ssl':",
            "    s = smtplib.SMTP_SSL('127.0.0.1', port, local_hostname='py.test', timeout=10, context=ctx)",
            "else:",
            "    s = smtplib.SMTP('127.0.0.1', port, local_hostname='py.test', timeout=10)",
            "    s.starttls(context=ctx)",
            "with s:",
            "    s.ehlo()",
            "    try:",
            "        s.login(user, password)",
            "    except smtplib.SMTPAuthenticationError as e:",
            "        print('auth-failed', e.smtp_code)",
            "        sys.exit(0)",
            "    s.sendmail('alice@example.com', ['bob@example.org'], b'Subject: py\\r\\n\\r\\nover TLS\\r\\n')",
            "print('sent')",
            "");

    @ParameterizedTest(name = "{0} with {1}, good password: {2}")
    @CsvSource({"starttls, CRAM_MD5, true", "starttls, PLAIN, true", "starttls, LOGIN, true",
            "starttls, CRAM_MD5, false", "starttls, PLAIN, false", "starttls, LOGIN, false",
            "ssl, PLAIN, true", "ssl, LOGIN, false"})
    void loginOverTls(String mode, SaslMechanism mechanism, boolean goodPassword, @TempDir Path dir) throws Exception {
        Peers.require(PYTHON, "apt-get install python3");
        Path[] pem = TestTls.writePem(dir);
        Inbox inbox = new Inbox();
        try (SmtpServer server = SmtpServerTest.local().tls(TestTls.SERVER.serverContext()).implicitTlsPort(0)
                .authenticator(AuthTest.USERS).authMechanisms(mechanism).allowAuthWithoutTls(false)
                .messageHandler(inbox).build().start()) {
            int port = mode.equals("ssl") ? server.implicitTlsPort() : server.port();
            Peers.Run run = Peers.run(Duration.ofSeconds(30), "", List.of(PYTHON, "-c", SCRIPT, mode, Integer.toString(port),
                    pem[0].toString(), AuthTest.USER, goodPassword ? AuthTest.PASSWORD : "wrong"));
            assertThat(run.exitCode()).as(run.output()).isZero();
            if (goodPassword) {
                assertThat(run.output()).contains("sent");
                ReceivedMessage got = inbox.take(Duration.ofSeconds(5));
                assertThat(got.connection().authenticatedIdentity()).contains(AuthTest.USER);
                assertThat(got.connection().tls()).isPresent();
                assertThat(got.connection().helloName()).isEqualTo("py.test");
            } else {
                assertThat(run.output()).contains("auth-failed 535");
                assertThat(inbox.size()).isZero();
            }
        }
    }
}
