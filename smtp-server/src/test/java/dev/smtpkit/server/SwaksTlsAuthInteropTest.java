package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.security.SaslMechanism;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** swaks with {@code --tls} (STARTTLS) and {@code --tlsc} (implicit TLS), and {@code --auth} for each mechanism. */
class SwaksTlsAuthInteropTest {

    private static final String SWAKS = "/usr/bin/swaks";

    @ParameterizedTest(name = "{0} --auth {1}, good password: {2}")
    @CsvSource({"--tls, PLAIN, true", "--tls, LOGIN, true", "--tls, CRAM-MD5, true",
            "--tls, PLAIN, false", "--tls, LOGIN, false", "--tls, CRAM-MD5, false",
            "--tlsc, PLAIN, true", "--tlsc, LOGIN, false"})
    void authOverTls(String tls, String mechanism, boolean goodPassword) throws Exception {
        Peers.require(SWAKS, "apt-get install swaks");
        Inbox inbox = new Inbox();
        SaslMechanism m = SaslMechanism.named(mechanism).orElseThrow();
        try (SmtpServer server = SmtpServerTest.local().tls(TestTls.SERVER.serverContext()).implicitTlsPort(0)
                .authenticator(AuthTest.USERS).authMechanisms(m).messageHandler(inbox).build().start()) {
            int port = tls.equals("--tlsc") ? server.implicitTlsPort() : server.port();
            List<String> cmd = new ArrayList<>(List.of(SWAKS, "--server", "127.0.0.1:" + port, "--helo", "swaks.test",
                    "--from", "alice@example.com", "--to", "bob@example.org", "--body", "Hello over TLS",
                    "--timeout", "10", tls, "--auth", mechanism, "--auth-user", AuthTest.USER,
                    "--auth-password", goodPassword ? AuthTest.PASSWORD : "wrong"));
            Peers.Run run = Peers.run(Duration.ofSeconds(30), "", cmd);
            if (goodPassword) {
                assertThat(run.exitCode()).as(run.output()).isZero();
                assertThat(run.output()).contains("235 2.7.0");
                ReceivedMessage got = inbox.take(Duration.ofSeconds(5));
                assertThat(got.connection().authenticatedIdentity()).contains(AuthTest.USER);
                assertThat(got.connection().tls()).isPresent();
            } else {
                assertThat(run.exitCode()).as(run.output()).isNotZero();
                assertThat(run.output()).contains("535 5.7.8");
                assertThat(inbox.size()).isZero();
            }
        }
    }
}
