package dev.smtpkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.TransactionResult;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerExtension;
import dev.smtpkit.server.internal.sasl.ChallengeSource;
import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.server.internal.sasl.SaslServerMechanisms;
import dev.smtpkit.server.security.SelfSignedCertificate;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmtpClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] HELLO = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final SelfSignedCertificate CERT = SelfSignedCertificate.generate("localhost");

    static Envelope envelope(String... recipients) {
        return Envelope.of(ReversePath.of(Mailbox.parse("alice@example.org")),
                java.util.Arrays.stream(recipients).map(r -> ForwardPath.of(Mailbox.parse(r))).toList());
    }

    static SmtpClient.Builder plain(TestServer server) {
        return SmtpClient.builder().host("localhost").port(server.port()).tlsMode(TlsMode.NONE)
                .heloName("client.example").commandTimeout(WAIT).dataTimeout(WAIT);
    }

    @Test
    void sendsAMessageAndReportsEveryRecipient() throws Exception {
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            SendResult r = client.send(envelope("bob@example.com", "carol@example.com"), MessageContent.of(HELLO));
            assertThat(r.isPartial()).isFalse();
            assertThat(r.accepted()).hasSize(2);
            assertThat(r.messageReply().code()).isEqualTo(250);
            TestServer.Received got = server.take(WAIT);
            assertThat(got.content()).isEqualTo(HELLO);
            assertThat(got.envelope().forwardPaths()).hasSize(2);
            // RFC 1870 §3: the size is known, so it is declared.
            assertThat(r.envelope().mailParameters().size()).hasValue(HELLO.length);
        }
    }

    @Test
    @DisplayName("RFC 2920 §3.1: MAIL, RCPT and DATA go out together when PIPELINING is offered")
    void pipelinesTheEnvelope() throws Exception {
        try (TestServer server = TestServer.builder().start();
             SmtpClient client = plain(server).chunking(false).build()) {
            client.send(envelope("bob@example.com", "carol@example.com"), MessageContent.of(HELLO));
            assertThat(TestServer.verbs(server.commands)).containsSubsequence("MAIL", "RCPT", "RCPT", "DATA");
            assertThat(server.take(WAIT).content()).isEqualTo(HELLO);
        }
    }

    @Test
    @DisplayName("RFC 3030 §2: BDAT when CHUNKING is offered")
    void usesBdatWhenOffered() throws Exception {
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(TestServer.verbs(server.commands)).containsSubsequence("MAIL", "RCPT", "BDAT").doesNotContain("DATA");
            assertThat(server.take(WAIT).content()).isEqualTo(HELLO);
        }
    }

    @Test
    void partialAcceptanceIsAResultNotAnException() throws Exception {
        Reply noSuchUser = Replies.NO_SUCH_USER;
        try (TestServer server = TestServer.builder()
                .recipients(r -> r.toString().contains("nobody") ? Optional.of(noSuchUser) : Optional.empty()).start();
             SmtpClient client = plain(server).build()) {
            SendResult r = client.send(envelope("bob@example.com", "nobody@example.com"), MessageContent.of(HELLO));
            assertThat(r.isPartial()).isTrue();
            assertThat(r.refused()).singleElement().satisfies(x -> {
                assertThat(x.recipient().path().toString()).contains("nobody");
                assertThat(x.outcome()).isEqualTo(noSuchUser);
            });
            assertThat(server.take(WAIT).envelope().forwardPaths()).hasSize(1);
        }
    }

    @Test
    void everyRecipientRefusedThrowsByTheReplies() throws Exception {
        try (TestServer server = TestServer.builder().recipients(r -> r.toString().contains("later")
                ? Optional.of(Replies.MAILBOX_UNAVAILABLE)
                : r.toString().contains("nobody") ? Optional.of(Replies.NO_SUCH_USER) : Optional.empty()).start();
             SmtpClient client = plain(server).build()) {
            assertThatThrownBy(() -> client.send(envelope("nobody@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpPermanentException.class, e -> {
                        assertThat(e.reply()).hasValue(Replies.NO_SUCH_USER);
                        assertThat(e.enhancedStatus()).hasValueSatisfying(s -> assertThat(s.toString()).isEqualTo("5.1.1"));
                        // Issue 17: the per-recipient results in the type send returns, with the transcript.
                        SendResult r = e.result().orElseThrow();
                        assertThat(r.isDelivered()).isFalse();
                        assertThat(r.isPartial()).isTrue();
                        assertThat(r.mailReply().code()).isEqualTo(250);
                        assertThat(r.recipients()).isEqualTo(e.recipients()).isEqualTo(r.refused()).singleElement()
                                .satisfies(x -> {
                                    assertThat(x.recipient().path().toString()).isEqualTo("<nobody@example.com>");
                                    assertThat(x.rcptReply()).hasValue(Replies.NO_SUCH_USER);
                                    assertThat(x.outcome()).isEqualTo(Replies.NO_SUCH_USER);
                                });
                        assertThat(r.accepted()).isEmpty();
                        assertThat(r.dataReply()).as("no content was sent").isEmpty();
                        assertThatThrownBy(r::messageReply).isInstanceOf(java.util.NoSuchElementException.class)
                                .hasMessageContaining("no recipient was");
                        assertThat(r.transcript()).isEqualTo(e.transcript()).contains("C: RCPT TO:<nobody@example.com>");
                        assertThat(r.envelope().recipients()).hasSize(1);
                    });
            // One recipient refused only for now makes the message worth trying again.
            assertThatThrownBy(() -> client.send(envelope("nobody@example.com", "later@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpTransientException.class,
                            e -> assertThat(e.reply()).hasValue(Replies.MAILBOX_UNAVAILABLE));
            // The connection survived both refusals.
            client.send(envelope("bob@example.com").withRecipient(Envelope.Recipient.of(ForwardPath.POSTMASTER)),
                    MessageContent.of(HELLO));
            assertThat(server.connections.get()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: a reused connection is probed with RSET before the next MAIL")
    void reusesTheConnectionWithAnRsetProbe() throws Exception {
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            for (int i = 0; i < 3; i++) {
                client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            }
            assertThat(server.connections.get()).isEqualTo(1);
            List<String> verbs = TestServer.verbs(server.commands);
            assertThat(verbs.stream().filter("RSET"::equals)).hasSize(2);
            assertThat(verbs.get(verbs.indexOf("RSET") + 1)).isEqualTo("MAIL");
        }
    }

    @Test
    void aConnectionWhoseProbeFailsIsReplacedOnce() throws Exception {
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            server.dropConnections();
            SendResult r = client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(r.messageReply().code()).isEqualTo(250);
            assertThat(server.connections.get()).isEqualTo(2);
            assertThat(server.messages).hasSize(2);
        }
    }

    @Test
    void closesAfterMaxMessagesAndSendsQuitOnClose() throws Exception {
        try (TestServer server = TestServer.builder().start()) {
            try (SmtpClient client = plain(server).maxMessagesPerConnection(2).build()) {
                for (int i = 0; i < 5; i++) {
                    client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
                }
                assertThat(server.connections.get()).isEqualTo(3);
            }
            assertThat(TestServer.verbs(server.commands).stream().filter("QUIT"::equals)).hasSize(3);
        }
    }

    @Test
    void anIdleConnectionPastItsTimeoutIsNotReused() throws Exception {
        try (TestServer server = TestServer.builder().start();
             SmtpClient client = plain(server).idleTimeout(Duration.ofNanos(1)).build()) {
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(server.connections.get()).isEqualTo(2);
            assertThat(TestServer.verbs(server.commands)).doesNotContain("RSET").contains("QUIT");
        }
    }

    @Test
    void sendAsyncSharesTheBoundedPool() throws Exception {
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).maxConnections(3).build()) {
            List<CompletableFuture<SendResult>> futures = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                futures.add(client.sendAsync(envelope("bob" + i + "@example.com"), MessageContent.of(HELLO)));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertThat(futures).allSatisfy(f -> assertThat(f.join().messageReply().code()).isEqualTo(250));
            assertThat(server.messages).hasSize(60);
            assertThat(server.connections.get()).isBetween(1, 3);
        }
    }

    @Test
    void streamsPathAndInputStreamContent(@TempDir Path dir) throws Exception {
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 80 == 79 ? '\n' : 'a' + i % 26);
        }
        Path file = Files.write(dir.resolve("m.eml"), big);
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            client.send(envelope("bob@example.com"), MessageContent.of(file));
            client.send(envelope("bob@example.com"), MessageContent.of(new ByteArrayInputStream(big)));
            // Bare LF goes out as CRLF (RFC 5321 §2.3.8).
            byte[] expected = new String(big, StandardCharsets.US_ASCII).replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
            assertThat(server.take(WAIT).content()).isEqualTo(expected);
            assertThat(server.take(WAIT).content()).isEqualTo(expected);
        }
    }

    @Test
    void aStreamCanBeSentOnlyOnce() throws Exception {
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            MessageContent once = MessageContent.of(new ByteArrayInputStream(HELLO));
            client.send(envelope("bob@example.com"), once);
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), once)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    @DisplayName("RFC 6152 §3: 8-bit content is declared BODY=8BITMIME and arrives byte for byte")
    void declaresEightBitMime() throws Exception {
        byte[] latin = "Subject: caf\u00e9\r\n\r\nna\u00efve\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] body8 = "Subject: x\r\n\r\nna\u00efve\r\n".getBytes(StandardCharsets.UTF_8);
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            SendResult r = client.send(envelope("bob@example.com"), MessageContent.of(body8));
            assertThat(r.envelope().mailParameters().body()).hasValue(Parameters.Body.EIGHT_BIT_MIME);
            assertThat(server.take(WAIT).content()).isEqualTo(body8);
            // 8-bit header octets are UTF-8 headers (RFC 6532): SMTPUTF8 too.
            SendResult utf8 = client.send(envelope("bob@example.com"), MessageContent.of(latin));
            assertThat(utf8.envelope().mailParameters().smtpUtf8()).isTrue();
            assertThat(server.take(WAIT).content()).isEqualTo(latin);
        }
    }

    @Test
    @DisplayName("RFC 6152 §3: 8-bit content to a server without 8BITMIME is refused before MAIL")
    void refusesEightBitContentTheServerCannotTake() throws Exception {
        byte[] body8 = "Subject: x\r\n\r\nna\u00efve\r\n".getBytes(StandardCharsets.UTF_8);
        ServerConfig sevenBit = ServerConfig.builder().extension(ServerExtension.EIGHT_BIT_MIME, false)
                .extension(ServerExtension.SMTP_UTF8, false).build();
        try (TestServer server = TestServer.builder().config(sevenBit).start(); SmtpClient client = plain(server).build()) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(body8)))
                    .isInstanceOfSatisfying(SmtpPermanentException.class,
                            e -> assertThat(e.reply()).hasValue(Replies.CONVERSION_NOT_SUPPORTED))
                    .hasMessageContaining("8BITMIME");
            assertThat(TestServer.verbs(server.commands)).doesNotContain("MAIL");
            // A stream is found out while it is sent: the connection is dropped without an end of data.
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"),
                    MessageContent.of(new ByteArrayInputStream(body8)))).isInstanceOf(SmtpPermanentException.class);
            assertThat(server.messages).isEmpty();
            // and the pool still works
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(server.take(WAIT).content()).isEqualTo(HELLO);
        }
    }

    @Test
    @DisplayName("RFC 1870 §6.1: a message over the server's SIZE is refused before MAIL")
    void checksSizeBeforeSending() throws Exception {
        ServerConfig small = ServerConfig.builder()
                .limits(dev.smtpkit.core.Limits.DEFAULTS.toBuilder().maxMessageSize(10).build()).build();
        try (TestServer server = TestServer.builder().config(small).start(); SmtpClient client = plain(server).build()) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpPermanentException.class,
                            e -> assertThat(e.reply()).hasValue(Replies.MESSAGE_TOO_BIG));
            assertThat(TestServer.verbs(server.commands)).doesNotContain("MAIL");
        }
    }

    @Test
    void sendsDsnParameters() throws Exception {
        Parameters mail = Parameters.builder().ret(Parameters.Ret.HDRS).envId("QQ314159").build();
        Envelope.Recipient rcpt = new Envelope.Recipient(ForwardPath.of(Mailbox.parse("bob@example.com")),
                Parameters.builder().dsnNotify(java.util.EnumSet.of(Parameters.Notify.FAILURE))
                        .orcpt(new Parameters.Orcpt("rfc822", "bob@example.com")).build());
        Envelope env = new Envelope(ReversePath.of(Mailbox.parse("alice@example.org")), mail, List.of(rcpt));
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            client.send(env, MessageContent.of(HELLO));
            assertThat(server.commands).anySatisfy(c -> assertThat(c).contains("RET=HDRS").contains("ENVID=QQ314159"));
            assertThat(server.commands).anySatisfy(c -> assertThat(c).contains("NOTIFY=FAILURE").contains("ORCPT=rfc822;"));
        }
    }

    @Test
    @DisplayName("RFC 3207 §4: STARTTLS, with the certificate checked against the host name")
    void startTls() throws Exception {
        try (TestServer server = TestServer.builder().startTls(CERT.serverContext()).start();
             SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_REQUIRED).sslContext(CERT.clientContext()).build()) {
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(TestServer.verbs(server.commands)).containsSubsequence("EHLO", "STARTTLS", "EHLO", "MAIL");
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        SelfSignedCertificate other = SelfSignedCertificate.generate("other.example");
        try (TestServer server = TestServer.builder().startTls(other.serverContext()).start();
             SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_OPPORTUNISTIC).sslContext(other.clientContext()).build()) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOf(SmtpTlsException.class)
                    .hasMessageContaining("The certificate does not name localhost (RFC 6125)");
            assertThat(TestServer.verbs(server.commands)).doesNotContain("MAIL");
        }
    }

    static ServerConfig maxRecipients(int n) {
        return ServerConfig.builder().hostname("mx.example.org")
                .limits(dev.smtpkit.core.Limits.builder().maxRecipients(n).build()).build();
    }

    @Test
    @DisplayName("Issue 17, RFC 5321 §4.5.3.1.10: recipients refused with 452 4.5.3 get the message in new transactions")
    void tooManyRecipientsAreSentInANewTransaction() throws Exception {
        String[] five = {"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"};
        try (TestServer server = TestServer.builder().config(maxRecipients(2)).start();
             SmtpClient client = plain(server).build()) {
            SendResult r = client.send(envelope(five), MessageContent.of(HELLO));
            assertThat(r.isPartial()).isFalse();
            assertThat(r.recipients()).extracting(x -> x.recipient().path().toString())
                    .containsExactly("<a@example.com>", "<b@example.com>", "<c@example.com>", "<d@example.com>",
                            "<e@example.com>");
            assertThat(r.recipients()).allMatch(TransactionResult.RecipientResult::isDelivered);
            assertThat(server.messages).hasSize(3);
            assertThat(server.messages).extracting(m -> m.envelope().recipients().size()).containsExactly(2, 2, 1);
            assertThat(server.connections.get()).isEqualTo(1);
        }
        // A server that takes none of them makes no progress: reported, not retried for ever.
        try (TestServer server = TestServer.builder().recipients(r -> Optional.of(Replies.TOO_MANY_RECIPIENTS)).start();
             SmtpClient client = plain(server).build()) {
            assertThatThrownBy(() -> client.send(envelope(five), MessageContent.of(HELLO)))
                    .isInstanceOfSatisfying(SmtpTransientException.class,
                            e -> assertThat(e.recipients()).hasSize(5).allMatch(x -> x.outcome().code() == 452));
            assertThat(TestServer.verbs(server.commands).stream().filter("MAIL"::equals)).hasSize(1);
        }
        try (TestServer server = TestServer.builder().config(maxRecipients(2)).start();
             SmtpClient client = plain(server).tooManyRecipients(TooManyRecipientsPolicy.REPORT).build()) {
            SendResult r = client.send(envelope(five), MessageContent.of(HELLO));
            assertThat(r.refused()).hasSize(3).allSatisfy(x -> {
                assertThat(x.outcome().code()).isEqualTo(452);
                assertThat(x.isTransientFailure()).isTrue();
            });
            assertThat(server.messages).hasSize(1);
        }
    }

    @Test
    @DisplayName("Issue 17, RFC 6531 §3.4: Mailbox.parse takes a UTF-8 address; the client adds SMTPUTF8 where the server offers it")
    void utf8AddressWithoutAFlag() throws Exception {
        try (TestServer server = TestServer.builder().start(); SmtpClient client = plain(server).build()) {
            client.send(envelope("j\u00f6rg@example.com"), MessageContent.of(HELLO));
            TestServer.Received got = server.messages.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(got).isNotNull();
            assertThat(got.envelope().mailParameters().smtpUtf8()).isTrue();
            assertThat(got.envelope().recipients().get(0).path().toString()).isEqualTo("<j\u00f6rg@example.com>");
        }
    }

    @Test
    @DisplayName("Issue 17: trust(Path) trusts a PEM certificate; without it the failure says how to trust one")
    void trustsAPemFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path pem = java.nio.file.Files.writeString(dir.resolve("server.pem"), CERT.certificatePem());
        try (TestServer server = TestServer.builder().startTls(CERT.serverContext()).start()) {
            try (SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_REQUIRED).trust(pem).build()) {
                assertThat(client.send(envelope("bob@example.com"), MessageContent.of(HELLO)).messageReply().code())
                        .isEqualTo(250);
            }
            try (SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_REQUIRED).build()) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOf(SmtpTlsException.class)
                        .hasMessageContaining("not trusted").hasMessageContaining("SmtpClient.Builder.trust(Path)");
            }
        }
        java.nio.file.Path notPem = java.nio.file.Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        assertThatThrownBy(() -> SmtpClient.builder().trust(notPem)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty.pem");
    }

    @Test
    @DisplayName("Issue 17, RFC 5321 §4.5.3.2: every stage has its own timeout, the RFC's by default; the reply line limit is 8 KiB")
    void builderDefaults() {
        try (SmtpClient client = SmtpClient.builder().host("localhost").build()) {
            SmtpClient.Settings s = client.settings();
            for (Timeout t : SmtpClient.CLIENT_STAGES) {
                assertThat(s.timeout(t)).as(t.name()).isEqualTo(t.rfcDefault());
            }
            assertThat(s.timeout(Timeout.DATA_TERMINATION)).isEqualTo(Duration.ofMinutes(10));
            assertThat(s.timeout(Timeout.DATA_INITIATION)).isEqualTo(Duration.ofMinutes(2));
            assertThat(s.limits().maxReplyLine()).isEqualTo(8192);
            assertThat(s.tooManyRecipients()).isEqualTo(TooManyRecipientsPolicy.RETRY_IN_NEW_TRANSACTION);
        }
        try (SmtpClient client = SmtpClient.builder().host("localhost").commandTimeout(Duration.ofSeconds(30)).build()) {
            assertThat(client.settings().timeout(Timeout.RCPT)).isEqualTo(Duration.ofSeconds(30));
            assertThat(client.settings().timeout(Timeout.DATA_TERMINATION)).as("not capped by the command timeout")
                    .isEqualTo(Duration.ofMinutes(10));
        }
        assertThatThrownBy(() -> SmtpClient.builder().timeout(Timeout.SERVER_COMMAND, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("RFC 3207 §4: STARTTLS required and not offered: nothing is sent")
    void tlsRequiredNeverFallsBack() throws Exception {
        try (TestServer server = TestServer.builder().start();
             SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_REQUIRED).build()) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOf(SmtpTlsException.class).hasMessageContaining("does not offer STARTTLS");
            assertThat(TestServer.verbs(server.commands)).containsExactly("EHLO", "QUIT");
        }
        try (TestServer server = TestServer.builder().start();
             SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_OPPORTUNISTIC).build()) {
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
        }
    }

    @Test
    @DisplayName("RFC 8314 §3.3: implicit TLS")
    void implicitTls() throws Exception {
        try (TestServer server = TestServer.builder().implicitTls(CERT.serverContext()).start();
             SmtpClient client = plain(server).tlsMode(TlsMode.IMPLICIT).sslContext(CERT.clientContext()).build()) {
            client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
            assertThat(server.take(WAIT).content()).isEqualTo(HELLO);
        }
    }

    @ParameterizedTest(name = "{0}, pipelining {1}")
    @CsvSource({"STARTTLS_REQUIRED, true", "STARTTLS_REQUIRED, false", "IMPLICIT, true", "IMPLICIT, false"})
    @DisplayName("Issue 17: the look at arrived TLS records before each write leaves a well-behaved server's conversation alone")
    void manyMessagesOverTls(TlsMode mode, boolean pipelining) throws Exception {
        TestServer.Builder b = TestServer.builder();
        if (mode == TlsMode.IMPLICIT) {
            b.implicitTls(CERT.serverContext());
        } else {
            b.startTls(CERT.serverContext());
        }
        try (TestServer server = b.start();
             SmtpClient client = plain(server).tlsMode(mode).sslContext(CERT.clientContext()).pipelining(pipelining)
                     .maxMessagesPerConnection(1_000).build()) {
            for (int i = 0; i < 200; i++) {
                SendResult r = client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
                assertThat(r.messageReply().code()).isEqualTo(250);
            }
            assertThat(client.connectionsOpened()).isEqualTo(1);
            for (int i = 0; i < 200; i++) {
                assertThat(server.take(WAIT).content()).isEqualTo(HELLO);
            }
        }
    }

    private static SaslServerMechanisms users() {
        return SaslServerMechanisms.builder(c -> {
            if (c instanceof Credentials.Password p) {
                return p.username().equals("alice") && p.password().equals("s3cret") ? Optional.of("alice") : Optional.empty();
            }
            if (c instanceof Credentials.ChallengeResponse r) {
                return r.username().equals("alice") && r.matches("s3cret") ? Optional.of("alice") : Optional.empty();
            }
            return Optional.empty();
        }).mechanisms(SaslMechanism.values())
                .cramMd5Challenges(ChallengeSource.of("test.example", new Random(1), Clock.systemUTC())).build();
    }

    @Test
    @DisplayName("RFC 4954 §4: AUTH over TLS, PLAIN preferred; a wrong password is a permanent failure")
    void authenticatesOverTls() throws Exception {
        try (TestServer server = TestServer.builder().startTls(CERT.serverContext()).auth(users(), false).start()) {
            try (SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_REQUIRED).sslContext(CERT.clientContext())
                    .credentials(ClientCredentials.password("alice", "s3cret")).build()) {
                SendResult r = client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
                assertThat(server.commands).contains("AUTH PLAIN <redacted>");
                // Issue 17: the send's own transcript, from the API, with the secret redacted.
                assertThat(r.transcript()).contains("C: STARTTLS", "C: AUTH PLAIN <redacted>", "C: RCPT TO:<bob@example.com>")
                        .anyMatch(l -> l.startsWith("S: 220")).anyMatch(l -> l.startsWith("S: 235"))
                        .anyMatch(l -> l.startsWith("C: MAIL FROM:<alice@example.org>"))
                        .anyMatch(l -> l.startsWith("-- TLS established"));
                assertThat(String.join("\n", r.transcript())).doesNotContain("s3cret")
                        .doesNotContain(java.util.Base64.getEncoder().encodeToString("\0alice\0s3cret".getBytes(StandardCharsets.UTF_8)));
                SendResult second = client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
                assertThat(second.transcript()).as("a reused connection: from the RSET probe").first().isEqualTo("C: RSET");
            }
            try (SmtpClient client = plain(server).tlsMode(TlsMode.STARTTLS_REQUIRED).sslContext(CERT.clientContext())
                    .credentials(ClientCredentials.password("alice", "wrong")).build()) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOfSatisfying(SmtpPermanentException.class, e -> {
                            assertThat(e.reply()).hasValue(Replies.AUTH_FAILED);
                            assertThat(e.transcript()).contains("C: AUTH PLAIN <redacted>")
                                    .anyMatch(l -> l.startsWith("S: 535"));
                            assertThat(e.recipients()).isEmpty();
                            assertThat(e.result()).as("no transaction had begun").isEmpty();
                        })
                        .hasMessageNotContaining("wrong");
            }
        }
    }

    @Test
    @DisplayName("RFC 4954 §4: no password in plaintext; CRAM-MD5 may go without TLS")
    void noPasswordInPlaintext() throws Exception {
        try (TestServer server = TestServer.builder().auth(users(), true).start()) {
            try (SmtpClient client = plain(server).credentials(ClientCredentials.password("alice", "s3cret")).build()) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOf(SmtpTlsException.class).hasMessageContaining("PLAIN");
                assertThat(TestServer.verbs(server.commands)).doesNotContain("AUTH", "MAIL");
            }
            try (SmtpClient client = plain(server).credentials(ClientCredentials.password("alice", "s3cret"))
                    .preferCramMd5(true).build()) {
                client.send(envelope("bob@example.com"), MessageContent.of(HELLO));
                assertThat(server.commands).contains("AUTH CRAM-MD5");
            }
        }
    }

    @Test
    void connectionRefusedIsAConnectionException() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(port).tlsMode(TlsMode.NONE).build()) {
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOf(SmtpConnectionException.class);
        }
    }

    @Test
    void misuseIsRefusedAtTheBoundary() throws Exception {
        assertThatThrownBy(() -> SmtpClient.builder().build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("host");
        assertThatThrownBy(() -> SmtpClient.builder().heloName("not a name")).isInstanceOf(IllegalArgumentException.class);
        try (TestServer server = TestServer.builder().start()) {
            SmtpClient client = plain(server).build();
            assertThatThrownBy(() -> client.send(envelope(), MessageContent.of(HELLO))).isInstanceOf(IllegalArgumentException.class);
            client.close();
            assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
