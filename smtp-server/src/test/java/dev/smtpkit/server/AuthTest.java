package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.testsupport.RawClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * SMTP AUTH (RFC 4954): mechanisms, policies, failures and the transcript, in the server's
 * connection driver ({@link MemoryLink}); AUTH after STARTTLS on each socket transport.
 */
class AuthTest {

    static final String USER = "alice";
    static final String PASSWORD = "c0rrect-h0rse-Battery";

    /** Accepts alice with her password, as herself. */
    static final Authenticator USERS = c -> c instanceof Credentials.Password p && p.username().equals(USER)
            && p.password().equals(PASSWORD) ? Optional.of(USER)
            : c instanceof Credentials.ChallengeResponse r && r.username().equals(USER) && r.matches(PASSWORD)
            ? Optional.of(USER) : Optional.empty();

    /** What the handler saw at MAIL: the identity and the MAIL parameters. */
    record Seen(Optional<String> identity, Parameters parameters) {
    }

    private static SessionHandler.Factory recording(List<Seen> seen) {
        return connection -> new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                seen.add(new Seen(connection.authenticatedIdentity(), parameters));
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) throws IOException {
                content.readAllBytes();
            }
        };
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String plain(String user, String password) {
        return b64("\0" + user + "\0" + password);
    }

    private static SmtpServer.Builder allowAuthWithoutTls() {
        return MemoryLink.server().authenticator(USERS).allowAuthWithoutTls(true);
    }

    @Test
    @DisplayName("RFC 4954 §4, §6: PLAIN succeeds with 235 2.7.0, the handler sees the identity and MAIL's AUTH= parameter")
    void plainSucceeds() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().handler(recording(seen)));
        c.reply();
        assertThat(c.ask("EHLO client.test")).contains("AUTH PLAIN LOGIN");
        assertThat(c.ask("AUTH PLAIN " + plain(USER, PASSWORD))).startsWith("235 2.7.0");
        assertThat(c.ask("MAIL FROM:<alice@example.com> AUTH=<>")).startsWith("250");
        assertThat(seen).singleElement().satisfies(s -> {
            assertThat(s.identity()).contains(USER);
            assertThat(s.parameters().auth()).isPresent();
        });
    }

    @Test
    @DisplayName("RFC 4954 §4: LOGIN takes the name and password in two 334 steps")
    void loginSucceeds() {
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().messageHandler(new Inbox()));
        c.reply();
        c.ask("EHLO client.test");
        assertThat(c.ask("AUTH LOGIN")).startsWith("334 VXNlcm5hbWU6");
        assertThat(c.ask(b64(USER))).startsWith("334 UGFzc3dvcmQ6");
        assertThat(c.ask(b64(PASSWORD))).startsWith("235 2.7.0");
    }

    @Test
    @DisplayName("RFC 4954 §6: wrong credentials get 535 5.7.8; after maxAuthFailures the server says 421 and closes")
    void failuresThenClose() {
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().maxAuthFailures(2).messageHandler(new Inbox()));
        c.reply();
        c.ask("EHLO client.test");
        assertThat(c.ask("AUTH PLAIN " + plain(USER, "wrong"))).startsWith("535 5.7.8");
        c.send("AUTH PLAIN " + plain(USER, "wrong again") + "\r\n");
        assertThat(c.reply()).startsWith("535 5.7.8");
        assertThat(c.reply()).startsWith("421 4.7.0");
        assertThat(c.reply()).as("closed after the 421").isEmpty();
        assertThat(c.finished).isTrue();
    }

    @Test
    @DisplayName("a guesser who reconnects is refused AUTH past maxAuthFailuresPerClient, the right password too, until the window ends")
    void guesserWhoReconnectsIsRefused() {
        AtomicInteger asked = new AtomicInteger();
        Authenticator counting = c -> {
            asked.incrementAndGet();
            return USERS.authenticate(c);
        };
        CapturingLogger log = new CapturingLogger();
        SmtpServer server = MemoryLink.server().authenticator(counting).allowAuthWithoutTls(true).maxAuthFailures(2)
                .maxAuthFailuresPerClient(4, Duration.ofMinutes(10)).transcriptLog(log).messageHandler(new Inbox()).build();
        for (int connection = 0; connection < 2; connection++) {
            MemoryLink guess = MemoryLink.greeted(server, "guesser.test");
            assertThat(guess.ask("AUTH PLAIN " + plain(USER, "guess-" + connection))).startsWith("535 5.7.8");
            guess.send("AUTH PLAIN " + plain(USER, "guess-again-" + connection) + "\r\n");
            assertThat(guess.reply()).startsWith("535 5.7.8");
            assertThat(guess.reply()).as("maxAuthFailures ends each connection").startsWith("421 4.7.0");
        }
        assertThat(asked).hasValue(4);

        MemoryLink refused = MemoryLink.greeted(server, "guesser.test");
        assertThat(refused.ask("AUTH PLAIN " + plain(USER, PASSWORD)))
                .startsWith("421 4.7.0 Too many failed AUTH attempts from your address");
        assertThat(refused.reply()).as("closed after the 421").isEmpty();
        assertThat(refused.finished).isTrue();
        assertThat(asked).as("the authenticator is not asked, so a right guess teaches nothing").hasValue(4);
        assertThat(log.text()).contains("AUTH refused: 4 failures from this client within 600 s");

        MemoryLink mail = MemoryLink.greeted(server, "guesser.test");
        assertThat(mail.ask("MAIL FROM:<a@example.com>")).as("only AUTH is refused").startsWith("250");

        MemoryLink later = MemoryLink.open(server);
        later.now += Duration.ofMinutes(10).toNanos();
        later.reply();
        later.ask("EHLO client.test");
        assertThat(later.ask("AUTH PLAIN " + plain(USER, PASSWORD))).startsWith("235 2.7.0");
    }

    @Test
    @DisplayName("maxAuthFailuresPerClient counts 5xx answers only: an authenticator that broke (454) does not count")
    void temporaryFailuresDoNotCount() {
        Authenticator broken = c -> {
            throw new IllegalStateException("test: the user database is down");
        };
        SmtpServer server = MemoryLink.server().authenticator(broken).allowAuthWithoutTls(true)
                .maxAuthFailuresPerClient(1, Duration.ofMinutes(10)).messageHandler(new Inbox()).build();
        for (int i = 0; i < 3; i++) {
            MemoryLink c = MemoryLink.greeted(server, "client.test");
            assertThat(c.ask("AUTH PLAIN " + plain(USER, PASSWORD))).startsWith("454 4.7.0");
        }
    }

    @Test
    @DisplayName("RFC 4954 §4: AUTH is not offered before TLS unless allowed, and AUTH then gets 538 5.7.11; after STARTTLS it is")
    void notBeforeTls() throws Exception {
        try (SmtpServer server = SmtpServerTest.local().tls(TestTls.SERVER.serverContext()).authenticator(USERS)
                .messageHandler(new Inbox()).build().start();
             RawClient c = new RawClient(server.port())) {
            c.reply();
            assertThat(c.ask("EHLO client.test")).doesNotContain("AUTH");
            assertThat(c.ask("AUTH PLAIN " + plain(USER, PASSWORD))).startsWith("538 5.7.11");
            assertThat(c.ask("STARTTLS")).startsWith("220");
            try (TestTls.Client t = new TestTls.Client(TestTls.SERVER.clientContext(), c.socket())) {
                assertThat(t.ask("EHLO client.test")).contains("AUTH PLAIN LOGIN");
                assertThat(t.ask("AUTH PLAIN " + plain(USER, PASSWORD))).startsWith("235");
            }
        }
    }

    @Test
    @DisplayName("RFC 4954 §6: with requireAuth, MAIL before AUTH gets 530 5.7.0")
    void required() {
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().requireAuth(true).messageHandler(new Inbox()));
        c.reply();
        c.ask("EHLO client.test");
        assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("530 5.7.0");
        assertThat(c.ask("AUTH PLAIN " + plain(USER, PASSWORD))).startsWith("235");
        assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("250");
    }

    @Test
    @DisplayName("RFC 2195: CRAM-MD5 when enabled, with a fresh challenge")
    void cramMd5() throws Exception {
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().authMechanisms(SaslMechanism.CRAM_MD5).messageHandler(new Inbox()));
        c.reply();
        assertThat(c.ask("EHLO client.test")).contains("AUTH CRAM-MD5");
        String challenge = new String(Base64.getDecoder().decode(c.ask("AUTH CRAM-MD5").substring(4).strip()),
                StandardCharsets.UTF_8);
        assertThat(challenge).startsWith("<").endsWith("@mx.test>");
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacMD5");
        mac.init(new javax.crypto.spec.SecretKeySpec(PASSWORD.getBytes(StandardCharsets.UTF_8), "HmacMD5"));
        String digest = java.util.HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
        assertThat(c.ask(b64(USER + " " + digest))).startsWith("235");
    }

    @Test
    @DisplayName("RFC 4954 §6: an authenticator that fails is answered 454 4.7.0, and the session goes on")
    void authenticatorFails() {
        Authenticator broken = c -> {
            throw new IllegalStateException("user store down");
        };
        MemoryLink c = MemoryLink.open(MemoryLink.server().authenticator(broken).allowAuthWithoutTls(true)
                .messageHandler(new Inbox()));
        c.reply();
        c.ask("EHLO client.test");
        assertThat(c.ask("AUTH PLAIN " + plain(USER, PASSWORD))).startsWith("454 4.7.0");
        assertThat(c.ask("NOOP")).startsWith("250");
    }

    @Test
    @DisplayName("issue 17: no credential reaches the transcript with a tab, several spaces or a leading space around AUTH")
    void transcriptHasNoSecretsWhateverTheWhitespace() {
        CapturingLogger log = new CapturingLogger();
        List<String> secrets = new ArrayList<>();
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().authMechanisms(SaslMechanism.PLAIN, SaslMechanism.LOGIN)
                .transcriptLog(log).messageHandler(new Inbox()));
        c.reply();
        c.ask("EHLO client.test");
        int n = 0;
        for (String form : List.of("AUTH\tPLAIN %s", "AUTH  PLAIN  %s", " AUTH PLAIN %s", "auth plain %s",
                "AUTH PLAIN\t%s", "\tAUTH\t\tPLAIN %s")) {
            String secret = plain(USER, "wrong-" + PASSWORD + n++);
            secrets.add(secret);
            c.ask(String.format(form, secret));
        }
        assertThat(c.ask("QUIT")).startsWith("221");
        String text = log.text();
        assertThat(text).contains("<redacted>");
        for (String secret : secrets) {
            assertThat(text).doesNotContain(secret);
        }
        assertThat(text).doesNotContain(PASSWORD);
    }

    @Test
    @DisplayName("issue 17: CR, LF, ESC and NUL from the client are escaped in the transcript, so it cannot forge a line")
    void transcriptEscapesControlCharacters() {
        CapturingLogger log = new CapturingLogger();
        MemoryLink c = MemoryLink.open(MemoryLink.server().transcriptLog(log).messageHandler(new Inbox()));
        c.reply();
        c.ask("NOOP a\rb\u001b[2J\u0000\u007f");
        c.send("HELO x\nINFO forged line\r\nQUIT\r\n");
        String reply = c.reply();
        while (!reply.isEmpty() && !reply.startsWith("221")) {
            reply = c.reply();
        }
        assertThat(reply).startsWith("221");
        String text = log.text();
        assertThat(text).contains("C: NOOP a\\rb\\x1B[2J\\x00\\x7F").doesNotContain("\r", "\u001b", "\u0000", "\u007f");
        assertThat(text.lines()).noneMatch(l -> l.startsWith("INFO forged"));
        assertThat(text).doesNotContain("/127.0.0.1");
    }

    @Test
    @DisplayName("RFC 4954 §4: neither the password nor its base64 ever reaches the wire transcript")
    void transcriptHasNoSecrets() {
        CapturingLogger log = new CapturingLogger();
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().authMechanisms(SaslMechanism.PLAIN, SaslMechanism.LOGIN)
                .transcriptLog(log).messageHandler(new Inbox()));
        c.reply();
        c.ask("EHLO client.test");
        c.ask("AUTH PLAIN " + plain(USER, "wrong-" + PASSWORD));
        c.ask("AUTH LOGIN " + b64(USER));
        c.ask(b64(PASSWORD + "-wrong"));
        c.ask("AUTH PLAIN");
        c.ask(plain(USER, PASSWORD));
        assertThat(c.ask("QUIT")).startsWith("221");
        String text = log.text();
        assertThat(text).contains("C: AUTH PLAIN <redacted>", "C: <redacted>", "S: 235 2.7.0", "S: 535 5.7.8");
        for (String secret : List.of(PASSWORD, b64(PASSWORD), b64(PASSWORD + "-wrong"), plain(USER, PASSWORD),
                plain(USER, "wrong-" + PASSWORD), b64(USER))) {
            assertThat(text).doesNotContain(secret);
        }
    }

    @Test
    @DisplayName("XOAUTH2: a refused token gets the error challenge with SmtpServer.Builder.xoauth2Scope, then 535")
    void xoauth2ScopeReachesTheErrorChallenge() {
        MemoryLink c = MemoryLink.open(allowAuthWithoutTls().authMechanisms(SaslMechanism.XOAUTH2)
                .xoauth2Scope("https://mail.example.org/").messageHandler(new Inbox()));
        c.reply();
        assertThat(c.ask("EHLO client.test")).contains("AUTH XOAUTH2");
        String challenge = c.ask("AUTH XOAUTH2 " + b64("user=" + USER + "\u0001auth=Bearer stale\u0001\u0001"));
        assertThat(challenge).startsWith("334 ");
        assertThat(new String(Base64.getDecoder().decode(challenge.substring(4).trim()), StandardCharsets.UTF_8))
                .isEqualTo("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.example.org/\"}");
        assertThat(c.ask("")).startsWith("535");
    }

    @Test
    @DisplayName("an authenticator without TLS or allowAuthWithoutTls could never be used: the builder says so")
    void builderRefusesUnusableAuth() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SmtpServerTest.local().authenticator(USERS)
                .messageHandler(new Inbox()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowAuthWithoutTls");
    }
}
