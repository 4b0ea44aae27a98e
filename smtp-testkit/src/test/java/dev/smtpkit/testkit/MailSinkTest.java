package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.SmtpPermanentException;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.ClientCredentials;
import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.testkit.Fault.At;
import dev.smtpkit.testkit.junit.MailSinkExtension;
import dev.smtpkit.testsupport.RawClient;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The mail sink over real sockets, with a raw client and with Jakarta Mail (Angus). Each nested
 * class registers its own per-test extension: a fresh sink per test, so fault counts start at 1.
 */
class MailSinkTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    static Session angus(MailSink sink) {
        Properties p = new Properties();
        p.put("mail.smtp.host", sink.host());
        p.put("mail.smtp.port", Integer.toString(sink.port()));
        p.put("mail.smtp.localhost", "client.test");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        return Session.getInstance(p);
    }

    static MimeMessage welcome(Session session) throws Exception {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("app@example.com", "The App"));
        m.setRecipients(Message.RecipientType.TO, new InternetAddress[] {
                new InternetAddress("ada@example.org", "Lovelace, Ada"), new InternetAddress("bob@example.org")});
        m.setRecipient(Message.RecipientType.CC, new InternetAddress("carol@example.org"));
        m.setSubject("Grüße aus dem Test", "UTF-8");
        m.setText("Welcome aboard.\r\n", "UTF-8");
        return m;
    }

    @Nested
    class Capturing {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest();

        @Test
        @DisplayName("RFC 5321 §2.3.1: the envelope with its MAIL and RCPT parameters, the exact bytes, the headers and the session")
        void rawClient(MailSink sink) throws Exception {
            String content = "Received: from a by b\r\n"
                    + "Subject: a folded\r\n subject\r\n"
                    + "RECEIVED: from c by d\r\n"
                    + "To: \"Lovelace, Ada\" <ada@example.org>, bob@example.org\r\n"
                    + "\r\n"
                    + ".leading dot\r\n"
                    + "body\r\n";
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.command("MAIL FROM:<app@example.com> SIZE=500 BODY=8BITMIME")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<ada@example.org> NOTIFY=SUCCESS,FAILURE")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<bob@example.org>")).isEqualTo(250);
                assertThat(c.command("DATA")).isEqualTo(354);
                c.send(content.replace("\r\n.", "\r\n..") + ".\r\n");
                assertThat(c.code()).isEqualTo(250);
                assertThat(c.command("QUIT")).isEqualTo(221);
            }
            CapturedMessage m = sink.messages().get(0);
            assertThat(m.sender()).isEqualTo("app@example.com");
            assertThat(m.recipients()).containsExactly("ada@example.org", "bob@example.org");
            assertThat(m.received().envelope().mailParameters().size()).hasValue(500);
            assertThat(m.received().envelope().mailParameters().body()).hasValue(Parameters.Body.EIGHT_BIT_MIME);
            assertThat(m.received().envelope().recipients().get(0).parameters().dsnNotify())
                    .containsExactlyInAnyOrder(Parameters.Notify.SUCCESS, Parameters.Notify.FAILURE);
            assertThat(m.received().content()).isEqualTo(content.getBytes(StandardCharsets.US_ASCII));
            assertThat(m.body()).isEqualTo(".leading dot\r\nbody\r\n");
            assertThat(m.subject()).hasValue("a folded subject");
            assertThat(m.headers().all("received")).containsExactly("from a by b", "from c by d");
            assertThat(m.to()).containsExactly("\"Lovelace, Ada\" <ada@example.org>", "bob@example.org");
            assertThat(m.helloName()).isEqualTo("client.test");
            assertThat(m.isTls()).isFalse();
            assertThat(m.authenticatedIdentity()).isEmpty();
            assertThat(m.received().connection().remoteAddress().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        }

        @Test
        @DisplayName("The transcript reads like RFC 5321 Appendix D: commands, replies and the dot-stuffed message")
        void transcript(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                c.sendMail("a@example.com", "Subject: t\r\n\r\n..hidden\r\n", "b@example.org");
                c.command("QUIT");
                assertThat(c.atEnd()).isTrue();
            }
            Conversation t = sink.messages().get(0).session().transcript();
            assertThat(t.clientLines()).containsSubsequence("EHLO client.test", "MAIL FROM:<a@example.com>",
                    "RCPT TO:<b@example.org>", "DATA", "Subject: t", "", "..hidden", ".", "QUIT");
            assertThat(t.replies()).extracting(Reply::code).containsExactly(220, 250, 250, 250, 354, 250, 221);
            assertThat(sink.sessions()).hasSize(1);
        }

        @Test
        @DisplayName("Jakarta Mail: envelope from the To and Cc fields, RFC 2047 subject decoded, addresses split")
        void angusMail(MailSink sink) throws Exception {
            Transport.send(welcome(angus(sink)));
            sink.assertThat().onlyMessage()
                    .hasSender("app@example.com")
                    .hasRecipients("ada@example.org", "bob@example.org", "carol@example.org")
                    .hasSubject("Grüße aus dem Test")
                    .hasHeader("cc", "carol@example.org")
                    .hasBodyContaining("Welcome aboard.")
                    .hasHelloName("client.test");
            CapturedMessage m = sink.messages().get(0);
            assertThat(m.from()).hasValue("The App <app@example.com>");
            assertThat(m.to()).containsExactly("\"Lovelace, Ada\" <ada@example.org>", "bob@example.org");
        }

        @Test
        @DisplayName("awaitMessages returns once a message sent from another thread arrived")
        void awaitMessages(MailSink sink) throws Exception {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    Transport.send(welcome(angus(sink)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(sink.awaitMessages(1, WAIT)).hasSize(1);
            sending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Test
        @DisplayName("awaitMessages fails saying how many messages arrived, and which")
        void awaitMessagesTimeout(MailSink sink) throws Exception {
            assertThatThrownBy(() -> sink.awaitMessages(1, Duration.ofMillis(50)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessage("MailSink expected 1 message within 50 ms but none arrived");
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                c.sendMail("a@example.com", "Subject: only one\r\n\r\nx\r\n", "b@example.org");
            }
            assertThatThrownBy(() -> sink.awaitMessages(2, Duration.ofMillis(50)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("MailSink expected 2 messages within 50 ms but 1 arrived: [CapturedMessage[<a@example.com>")
                    .hasMessageContaining("\"only one\"");
        }

        @Test
        @DisplayName("clear() forgets messages and sessions; the sink goes on taking mail")
        void clear(MailSink sink) throws Exception {
            Transport.send(welcome(angus(sink)));
            sink.clear();
            assertThat(sink.messages()).isEmpty();
            assertThat(sink.sessions()).isEmpty();
            Transport.send(welcome(angus(sink)));
            assertThat(sink.messages()).hasSize(1);
        }

        @Test
        @DisplayName("A listener hears of the messages so far, then of each new one before its 250, and of clear()")
        void listener(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                c.sendMail("a@example.com", "Subject: before\r\n\r\nx\r\n", "b@example.org");
            }
            java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            MailSink.Listener listener = new MailSink.Listener() {
                @Override
                public void taken(CapturedMessage message) {
                    heard.add(message.subject().orElse("") + " kept=" + sink.messages().size());
                }

                @Override
                public void cleared() {
                    heard.add("cleared");
                }
            };
            sink.addListener(listener);
            assertThat(heard).containsExactly("before kept=1");
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", "Subject: after\r\n\r\nx\r\n", "b@example.org")).isEqualTo(250);
                // Heard on the connection's thread before the 250, and before the message was kept.
                assertThat(heard).containsExactly("before kept=1", "after kept=1");
            }
            sink.clear();
            sink.removeListener(listener);
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                c.sendMail("a@example.com", "Subject: unheard\r\n\r\nx\r\n", "b@example.org");
            }
            assertThat(heard).containsExactly("before kept=1", "after kept=1", "cleared");
            assertThat(sink.messages()).hasSize(1);
        }

        @Test
        @DisplayName("A listener that fails leaves the message unkept, and its client gets 451")
        void failingListener(MailSink sink) throws Exception {
            sink.addListener(m -> {
                throw new IllegalStateException("no room");
            });
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", "Subject: lost\r\n\r\nx\r\n", "b@example.org")).isEqualTo(451);
            }
            assertThat(sink.messages()).isEmpty();
        }

        @Test
        @DisplayName("Assertion failures show what was expected and what arrived")
        void assertionFailures(MailSink sink) throws Exception {
            assertThatThrownBy(() -> sink.assertThat().hasMessages(1))
                    .isInstanceOfSatisfying(org.opentest4j.AssertionFailedError.class, e -> {
                        assertThat(e.getExpected().getValue()).isEqualTo(1);
                        assertThat(e.getActual().getValue()).isEqualTo(0);
                    })
                    .hasMessage("expected the mail sink to have 1 message but it has 0");
            Transport.send(welcome(angus(sink)));
            assertThatThrownBy(() -> sink.assertThat().message(0).hasSubject("Hello"))
                    .isInstanceOfSatisfying(org.opentest4j.AssertionFailedError.class, e -> {
                        // The values an IDE shows side by side.
                        assertThat(e.getExpected().getValue()).isEqualTo("Hello");
                        assertThat(e.getActual().getValue()).isEqualTo("Grüße aus dem Test");
                    })
                    .hasMessageStartingWith("message #0: expected subject \"Hello\" but was \"Grüße aus dem Test\"")
                    .hasMessageContaining("CapturedMessage[<app@example.com> -> [ada@example.org, bob@example.org, carol@example.org]");
            assertThatThrownBy(() -> sink.assertThat().message(0).hasRecipients("ada@example.org"))
                    .hasMessageStartingWith("message #0: expected envelope recipients [ada@example.org] but was "
                            + "[ada@example.org, bob@example.org, carol@example.org]");
            assertThatThrownBy(() -> sink.assertThat().message(0).wasSentOverTls())
                    .hasMessageStartingWith("message #0: expected delivery over TLS but was plaintext");
            assertThatThrownBy(() -> sink.assertThat().message(1))
                    .hasMessageStartingWith("expected a message #1 in the mail sink but it has 1:\n  #0 CapturedMessage[");
        }

        @Test
        void noTlsWithoutAPolicy(MailSink sink) {
            assertThat(sink.certificate()).isEmpty();
            assertThatThrownBy(sink::clientSslContext).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("MailSink.Builder.tls");
            assertThat(sink.host()).isEqualTo("127.0.0.1");
        }

        @Test
        void builderChecksItsSettings() {
            assertThatThrownBy(() -> MailSink.builder().delay(Verb.EHLO, Duration.ofSeconds(1)))
                    .hasMessage("a MailSink delay can be set for [MAIL, RCPT, DATA], not EHLO");
            assertThatThrownBy(() -> MailSink.builder().delay(Verb.MAIL, Duration.ofSeconds(-1)))
                    .hasMessageContaining("negative");
            assertThatThrownBy(() -> MailSink.builder().refuseRecipients(Pattern.compile(".*"), Replies.OK))
                    .hasMessageContaining("4xx or 5xx");
            assertThatThrownBy(() -> MailSink.builder().server(s -> s.port(70000)).start())
                    .hasMessageContaining("SmtpServer.Builder.port");
        }

        @Test
        @DisplayName("server(...) sets the SmtpServer's own options: the greeting's name, a recipient limit")
        void serverOptionsPassThrough() throws Exception {
            try (MailSink sink = MailSink.builder().server(s -> s.hostname("mx.example.org")).server(s -> s.maxRecipients(1))
                    .start();
                 RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                assertThat(c.ask("RCPT TO:<c@example.org>")).startsWith("452");
                assertThat(sink.sessions().get(0).transcript().replies().get(0).lines().get(0)).startsWith("mx.example.org");
                assertThat(sink.host()).isEqualTo("127.0.0.1");
            }
        }

        @Test
        void refusesFaultsItCannotInject() {
            assertThatThrownBy(() -> MailSink.builder().fault(Fault.dropConnection(At.first(Verb.EHLO))))
                    .hasMessage("a MailSink fault can be set at [MAIL, RCPT, DATA], not EHLO #1");
            assertThatThrownBy(() -> MailSink.builder().fault(Fault.rewriteReply(At.greeting(), Replies.TIMEOUT)))
                    .hasMessage("a MailSink fault can be set at [MAIL, RCPT, DATA], not greeting");
            assertThatThrownBy(() -> MailSink.builder().fault(Fault.stripStartTls()))
                    .hasMessageContaining("is for an SmtpProxy");
            assertThatThrownBy(() -> MailSink.builder().fault(Fault.rewriteReply(At.first(Verb.RCPT), Replies.OK)))
                    .hasMessageContaining("4xx or 5xx");
            assertThatThrownBy(() -> MailSink.builder().fault(Fault.dropConnection(At.first(Verb.MAIL)))
                    .fault(Fault.rewriteReply(At.first(Verb.MAIL), Replies.TIMEOUT)))
                    .hasMessageContaining("MAIL #1 already has a fault");
            assertThatThrownBy(() -> At.command(Verb.MAIL, 0)).hasMessage("occurrence counts from 1: 0");
        }
    }

    @Nested
    class RefusingRecipients {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder()
                .refuseRecipients(Pattern.compile("bounce-.*@example\\.org"))
                .refuseRecipients(Pattern.compile("full@.*"), Reply.of(452, EnhancedStatus.of(4, 2, 2), "Mailbox full")));

        @Test
        @DisplayName("Recipients matching a pattern get 550 5.1.1 or the rule's reply; the message goes to the others")
        void patterns(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(c.ask("RCPT TO:<bounce-7@example.org>")).startsWith("550 5.1.1");
                assertThat(c.ask("RCPT TO:<full@example.net>")).isEqualTo("452 4.2.2 Mailbox full\r\n");
                assertThat(c.command("RCPT TO:<ok@example.org>")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<xbounce-7@example.org>")).isEqualTo(250);
                assertThat(c.command("DATA")).isEqualTo(354);
                assertThat(c.send("Subject: s\r\n\r\nx\r\n.\r\n").code()).isEqualTo(250);
            }
            sink.assertThat().onlyMessage().hasRecipients("ok@example.org", "xbounce-7@example.org");
        }
    }

    @Nested
    class Bounded {
        /** 8,000 octets in 80 lines: two messages, with their transcripts, do not fit in 30,000. */
        static final String CONTENT = "Subject: s\r\n\r\n" + ("y".repeat(98) + "\r\n").repeat(79);
        static final long BOUND = 30_000;

        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder().maxHeldBytes(BOUND));

        @Test
        @DisplayName("Past maxHeldBytes a message gets 452 4.3.1 and is not kept, its transcript is cut; clear() makes room again")
        void refusesMessagesPastItsBound(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", CONTENT, "b@example.org")).isEqualTo(250);
                assertThat(sink.sessions().get(0).transcript().clientLines()).contains("y".repeat(98));
                assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                assertThat(c.command("DATA")).isEqualTo(354);
                assertThat(c.send(CONTENT + ".\r\n").reply())
                        .matches("452 4\\.3\\.1 Mail sink full: it holds \\d+ of its 30000 octets \\(1 message, 1 session\\); the test may clear\\(\\) it\r\n");
                assertThat(sink.messages()).hasSize(1);
                Conversation cut = sink.sessions().get(0).transcript();
                assertThat(cut.comments()).anyMatch(comment -> comment.contains("transcript cut here"));
                // The first message's content once, the second's not at all: never half a message.
                assertThat(cut.clientLines().stream().filter(l -> l.equals("y".repeat(98)))).hasSize(79);
                sink.clear();
                assertThat(c.sendMail("a@example.com", CONTENT, "b@example.org")).isEqualTo(250);
            }
            assertThat(sink.messages()).hasSize(1);
            assertThatThrownBy(() -> MailSink.builder().maxHeldBytes(0)).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("A flood of messages and connections: what the sink holds stays within maxHeldBytes; the rest get 452 and 421")
        void holdsNoMoreThanItsBoundUnderAFlood(MailSink sink) throws Exception {
            int refusedMessages = 0;
            int refusedConnections = 0;
            for (int i = 0; i < 40; i++) {
                try (RawClient c = new RawClient(sink.host(), sink.port())) {
                    String greeting = c.reply();
                    if (greeting.startsWith("421")) {
                        assertThat(greeting).startsWith("421 4.3.1 Mail sink full: it holds ");
                        refusedConnections++;
                        continue;
                    }
                    assertThat(c.command("EHLO client.test")).isEqualTo(250);
                    int code = c.sendMail("a@example.com", CONTENT, "b@example.org");
                    assertThat(code).isIn(250, 452);
                    refusedMessages += code == 452 ? 1 : 0;
                }
            }
            assertThat(refusedMessages).isPositive();
            assertThat(refusedConnections).isPositive();
            // What the sink lets a test see, reckoned as the sink does: it never exceeds the bound
            // (its one always-kept message aside, which is within the bound here).
            long held = 0;
            for (CapturedMessage m : sink.messages()) {
                held += m.received().size();
            }
            for (CapturedSession session : sink.sessions()) {
                held += HeldBytes.CONNECTION_OVERHEAD;
                Conversation t = session.transcript();
                for (String line : t.clientLines()) {
                    held += line.length() + HeldBytes.LINE_OVERHEAD;
                }
                for (Reply r : t.replies()) {
                    held += r.lines().stream().mapToInt(String::length).sum() + (long) r.lines().size() * HeldBytes.LINE_OVERHEAD;
                }
            }
            assertThat(held).isPositive().isLessThanOrEqualTo(BOUND);
            // A refused connection is not among the sessions.
            assertThat(sink.sessions()).hasSize(40 - refusedConnections);
            sink.clear();
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", CONTENT, "b@example.org")).isEqualTo(250);
            }
        }
    }

    @Nested
    class RcptFault {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder()
                .fault(Fault.rewriteReply(At.command(Verb.RCPT, 3), Replies.TOO_MANY_RECIPIENTS)));

        @Test
        @DisplayName("RFC 5321 §4.5.3.1.10: the third RCPT gets 452 4.5.3, the client's retry succeeds")
        void thirdRcptThenRetry(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<r1@example.org>")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<r2@example.org>")).isEqualTo(250);
                assertThat(c.ask("RCPT TO:<r3@example.org>")).startsWith("452 4.5.3");
                assertThat(c.command("RCPT TO:<r3@example.org>")).isEqualTo(250);
                assertThat(c.command("DATA")).isEqualTo(354);
                assertThat(c.send("Subject: s\r\n\r\nx\r\n.\r\n").code()).isEqualTo(250);
            }
            sink.assertThat().onlyMessage().hasRecipients("r1@example.org", "r2@example.org", "r3@example.org");
        }
    }

    @Nested
    class DataFault {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder()
                .fault(Fault.rewriteReply(At.first(Verb.DATA), Reply.of(421, EnhancedStatus.of(4, 3, 0), "Try again later"))));

        @Test
        @DisplayName("RFC 5321 §3.8: DATA answered 421 once closes the connection, keeps nothing; the retry is taken")
        void dataAnswered421Once(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", "Subject: s\r\n\r\nx\r\n", "b@example.org")).isEqualTo(421);
                assertThat(c.atEnd()).isTrue();
            }
            assertThat(sink.messages()).isEmpty();
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", "Subject: s\r\n\r\nx\r\n", "b@example.org")).isEqualTo(250);
            }
            sink.assertThat().onlyMessage().hasSubject("s");
        }

        @Test
        @DisplayName("Jakarta Mail sees the 421 as a failed send; its second attempt is delivered")
        void angusRetry(MailSink sink) throws Exception {
            Session session = angus(sink);
            assertThatThrownBy(() -> Transport.send(welcome(session))).isInstanceOf(jakarta.mail.MessagingException.class);
            Transport.send(welcome(session));
            sink.assertThat().onlyMessage().hasSubject("Grüße aus dem Test");
        }
    }

    @Nested
    class DropFault {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder()
                .fault(Fault.dropConnection(At.command(Verb.MAIL, 2)))
                .fault(Fault.dropConnection(At.command(Verb.DATA, 3))));

        @Test
        @DisplayName("The connection drops at the second MAIL, without a reply; only the first message is kept")
        void dropAtSecondMail(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", "Subject: first\r\n\r\nx\r\n", "b@example.org")).isEqualTo(250);
                assertThat(c.ask("MAIL FROM:<a@example.com>")).isEmpty();
            }
            sink.assertThat().onlyMessage().hasSubject("first");
            Conversation transcript = sink.sessions().get(0).transcript();
            assertThat(transcript.comments()).containsExactly("dropped: MAIL #2 (sink)");
            assertThat(transcript.replies()).extracting(Reply::code).containsExactly(220, 250, 250, 250, 354, 250);

            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                assertThat(c.sendMail("a@example.com", "Subject: retry\r\n\r\nx\r\n", "b@example.org")).isEqualTo(250);
                assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                assertThat(c.command("DATA")).isEqualTo(354);
                assertThat(c.send("Subject: never kept\r\n\r\nx\r\n.\r\n").reply())
                        .as("DATA #3 is dropped after the whole message arrived").isEmpty();
            }
            assertThat(sink.messages()).extracting(m -> m.subject().orElseThrow()).containsExactly("first", "retry");
        }
    }

    @Nested
    class PerConnectionFault {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder()
                .fault(Fault.rewriteReply(At.first(Verb.RCPT), Replies.MAILBOX_UNAVAILABLE))
                .faultsPerConnection());

        @Test
        @DisplayName("Counted per connection, the first RCPT of every connection is refused")
        void firstRcptOfEachConnection(MailSink sink) throws Exception {
            for (int i = 0; i < 2; i++) {
                try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                    assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                    assertThat(c.ask("RCPT TO:<b@example.org>")).startsWith("450 4.2.1");
                    assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                }
            }
        }
    }

    @Nested
    class Slow {
        static final Duration DELAY = Duration.ofMillis(200);

        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder()
                .delay(Verb.MAIL, DELAY).delay(Verb.DATA, DELAY)
                .fault(Fault.delayReply(At.command(Verb.RCPT, 2), DELAY)));

        @Test
        @DisplayName("MAIL, the second RCPT and the end of DATA are answered no sooner than the delay (never checked from above)")
        void delayedReplies(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port()).hello()) {
                long start = System.nanoTime();
                assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(DELAY);
                assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                start = System.nanoTime();
                assertThat(c.command("RCPT TO:<c@example.org>")).isEqualTo(250);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(DELAY);
                assertThat(c.command("DATA")).isEqualTo(354);
                start = System.nanoTime();
                assertThat(c.send("Subject: s\r\n\r\nx\r\n.\r\n").code()).isEqualTo(250);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(DELAY);
            }
        }
    }

    @Nested
    class RequiredTls {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(MailSink.builder().tls(TlsPolicy.REQUIRED));

        @Test
        @DisplayName("RFC 3207 §4: MAIL before STARTTLS gets 530 5.7.0; after it the message is taken and marked TLS")
        void rawStartTls(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port())) {
                c.code();
                assertThat(c.ask("EHLO client.test")).contains("STARTTLS");
                assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("530 5.7.0");
                c.startTls(sink.clientSslContext());
                assertThat(c.ask("EHLO client.test")).doesNotContain("STARTTLS");
                assertThat(c.sendMail("a@example.com", "Subject: sealed\r\n\r\nx\r\n", "b@example.org")).isEqualTo(250);
            }
            sink.assertThat().onlyMessage().wasSentOverTls().hasSubject("sealed");
            assertThat(sink.messages().get(0).session().isTls()).isTrue();
        }

        @Test
        @DisplayName("Jakarta Mail with STARTTLS required trusts the sink through clientSslContext()")
        void angusStartTls(MailSink sink) throws Exception {
            Session session = angus(sink);
            session.getProperties().put("mail.smtp.starttls.enable", "true");
            session.getProperties().put("mail.smtp.starttls.required", "true");
            session.getProperties().put("mail.smtp.ssl.socketFactory", sink.clientSslContext().getSocketFactory());
            Transport.send(welcome(session));
            sink.assertThat().onlyMessage().wasSentOverTls();
            assertThat(sink.certificate().orElseThrow().hostname()).isEqualTo("localhost");
        }
    }

    @Nested
    class RequiredAuth {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(
                MailSink.builder().auth(Map.of("alice", "secret")).requireAuth(true));

        SmtpClient.Builder client(MailSink sink) {
            return SmtpClient.builder().host(sink.host()).port(sink.port()).tlsMode(TlsMode.NONE)
                    .commandTimeout(WAIT).connectTimeout(WAIT);
        }

        Envelope envelope() {
            return Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("b@example.org"));
        }

        MessageContent content() {
            return MessageContent.of("Subject: signed in\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        @Test
        @DisplayName("RFC 4954 §4: SmtpClient authenticates without TLS with CRAM-MD5, and the message records who")
        void smtpClientWithCramMd5(MailSink sink) {
            try (SmtpClient client = client(sink).credentials(ClientCredentials.password("alice", "secret"))
                    .preferCramMd5(true).build()) {
                client.send(envelope(), content());
            }
            CapturedMessage m = sink.assertThat().onlyMessage().hasSubject("signed in").actual();
            assertThat(m.authenticatedIdentity()).contains("alice");
        }

        @Test
        @DisplayName("RFC 4954 §6: MAIL before AUTH gets 530 5.7.0")
        void mailWithoutAuthIsRefused(MailSink sink) {
            try (SmtpClient client = client(sink).build()) {
                assertThatThrownBy(() -> client.send(envelope(), content()))
                        .isInstanceOf(SmtpPermanentException.class)
                        .satisfies(e -> assertThat(((SmtpPermanentException) e).enhancedStatus()).contains(EnhancedStatus.parse("5.7.0")));
            }
            assertThat(sink.messages()).isEmpty();
        }

        @Test
        @DisplayName("RFC 4954 §6: a wrong password gets 535 5.7.8")
        void wrongPasswordIsRefused(MailSink sink) {
            try (SmtpClient client = client(sink).credentials(ClientCredentials.password("alice", "wrong"))
                    .preferCramMd5(true).build()) {
                assertThatThrownBy(() -> client.send(envelope(), content()))
                        .isInstanceOf(SmtpPermanentException.class)
                        .hasMessageContaining("535 5.7.8");
            }
            assertThat(sink.sessions()).singleElement().satisfies(s -> assertThat(s.authenticatedIdentity()).isEmpty());
        }

        @Test
        @DisplayName("a test that fails AUTH on purpose, over and over, is never shut out (no maxAuthFailuresPerClient)")
        void wrongPasswordsNeverShutTheTestOut(MailSink sink) throws Exception {
            String wrong = Base64.getEncoder().encodeToString("\0alice\0wrong".getBytes(StandardCharsets.US_ASCII));
            String right = Base64.getEncoder().encodeToString("\0alice\0secret".getBytes(StandardCharsets.US_ASCII));
            // past the library's default of 30 failures a client in 10 minutes
            for (int i = 0; i < 12; i++) {
                try (RawClient c = new RawClient(sink.host(), sink.port())) {
                    c.code();
                    c.ask("EHLO client.test");
                    for (int guess = 0; guess < 3; guess++) {
                        assertThat(c.ask("AUTH PLAIN " + wrong)).startsWith("535 5.7.8");
                    }
                }
            }
            try (RawClient c = new RawClient(sink.host(), sink.port())) {
                c.code();
                c.ask("EHLO client.test");
                assertThat(c.ask("AUTH PLAIN " + right)).startsWith("235 2.7.0");
            }
        }

        @Test
        void aRawClientWithPlainAndLogin(MailSink sink) throws Exception {
            String plain = Base64.getEncoder().encodeToString("\0alice\0secret".getBytes(StandardCharsets.US_ASCII));
            try (RawClient c = new RawClient(sink.host(), sink.port())) {
                c.code();
                assertThat(c.ask("EHLO client.test")).contains("AUTH PLAIN LOGIN CRAM-MD5");
                assertThat(c.ask("AUTH PLAIN " + plain)).startsWith("235 2.7.0");
                assertThat(c.sendMail("a@example.com", "Subject: plain\r\n\r\nx\r\n", "b@example.org")).isEqualTo(250);
            }
            assertThat(sink.messages()).singleElement().satisfies(m -> assertThat(m.authenticatedIdentity()).contains("alice"));
        }
    }

    @Nested
    class AuthAfterTls {
        @RegisterExtension
        final MailSinkExtension extension = MailSinkExtension.perTest(
                MailSink.builder().tls(TlsPolicy.REQUIRED).auth(Map.of("alice", "secret")).requireAuth(true));

        @Test
        @DisplayName("RFC 4954 §4: with TLS required AUTH is offered only after STARTTLS; SmtpClient then uses PLAIN")
        void smtpClientOverStartTls(MailSink sink) throws Exception {
            try (RawClient c = new RawClient(sink.host(), sink.port())) {
                c.code();
                assertThat(c.ask("EHLO client.test")).contains("STARTTLS").doesNotContain("AUTH");
            }
            try (SmtpClient client = SmtpClient.builder().host(sink.host()).port(sink.port())
                    .tlsMode(TlsMode.STARTTLS_REQUIRED).sslContext(sink.clientSslContext())
                    .credentials(ClientCredentials.password("alice", "secret")).build()) {
                client.send(Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("b@example.org")),
                        MessageContent.of("Subject: both\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
            sink.assertThat().onlyMessage().wasSentOverTls();
            assertThat(sink.messages().get(0).authenticatedIdentity()).contains("alice");
            assertThat(sink.sessions()).last().satisfies(s -> assertThat(s.transcript().toString()).contains("AUTH PLAIN"));
        }
    }

    @Test
    void requiredAuthWithoutAccountsIsAMisuse() {
        assertThatThrownBy(() -> MailSink.builder().requireAuth(true).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MailSink.Builder.auth(users)");
    }
}
