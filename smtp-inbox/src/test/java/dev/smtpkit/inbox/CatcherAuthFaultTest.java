package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SendResult;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.SmtpConnectionException;
import dev.smtpkit.client.SmtpPermanentException;
import dev.smtpkit.client.SmtpTransientException;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.ClientCredentials;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Reply;
import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults at AUTH (issue 18) through smtpkit's client, which without TLS authenticates with
 * CRAM-MD5 (RFC 2195): the AUTH command, a 334 challenge, then the response the credential check
 * sees, so the fault decided at the command is given lines later.
 */
class CatcherAuthFaultTest {

    private static final Authenticator ALICE = c -> c instanceof Credentials.ChallengeResponse r
            && r.username().equals("alice") && r.matches("s3cret") ? Optional.of("alice") : Optional.empty();

    @TempDir
    Path dir;

    @Test
    @DisplayName("RFC 4954 §6: auth:454 at the first AUTH only; the client's retry authenticates and delivers")
    void aReplyAtTheNthAuthReplacesTheCredentialCheck() throws Exception {
        try (TestInbox inbox = new TestInbox(MessageStore.open(dir, MessageStore.KEEP_ALL), Optional.of(ALICE))) {
            inbox.faults.set(List.of(FaultRule.parse("auth:454 4.7.0 Try again later:nth=1")));

            assertThatThrownBy(() -> send(inbox, "s3cret")).isInstanceOfSatisfying(SmtpTransientException.class,
                    e -> assertThat(e.reply()).hasValue(Reply.parse("454 4.7.0 Try again later")));
            SendResult second = send(inbox, "s3cret");
            assertThat(second.messageReply().code()).isEqualTo(250);
            assertThat(inbox.store.size()).isEqualTo(1);

            List<SmtpSession> sessions = inbox.sessions.sessions();
            SmtpSession refused = sessions.get(1);
            assertThat(refused.transcript()).extracting(SmtpSession.Line::text)
                    .containsSubsequence("AUTH CRAM-MD5", "fault at auth: 454 4.7.0 Try again later", "454 4.7.0 Try again later");
            awaitClosed(refused);
            assertThat(refused.outcome()).isEqualTo(SmtpSession.Outcome.REFUSED);
            assertThat(refused.reason()).startsWith("fault at auth: 454 4.7.0 Try again later");
            awaitClosed(sessions.get(0));
            assertThat(sessions.get(0).connection().authenticatedIdentity()).hasValue("alice");
        }
    }

    @Test
    @DisplayName("auth:535 always answers even good credentials; without a fault a wrong password still gets 535 from the check")
    void aReplyAlwaysRefusesEveryAuth() throws Exception {
        try (TestInbox inbox = new TestInbox(MessageStore.open(dir, MessageStore.KEEP_ALL), Optional.of(ALICE))) {
            inbox.faults.set(List.of(FaultRule.parse("auth:535 5.7.8 Not today")));
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> send(inbox, "s3cret")).isInstanceOfSatisfying(SmtpPermanentException.class,
                        e -> assertThat(e.reply()).hasValue(Reply.parse("535 5.7.8 Not today")));
            }
            inbox.faults.set(List.of());
            assertThatThrownBy(() -> send(inbox, "wrong")).isInstanceOfSatisfying(SmtpPermanentException.class,
                    e -> assertThat(e.reply().orElseThrow().code()).isEqualTo(535));
            assertThat(send(inbox, "s3cret").messageReply().code()).isEqualTo(250);
        }
    }

    @Test
    @DisplayName("auth:drop:nth=2 drops the connection at the second AUTH command, before any challenge")
    void aDropAtTheNthAuth() throws Exception {
        try (TestInbox inbox = new TestInbox(MessageStore.open(dir, MessageStore.KEEP_ALL), Optional.of(ALICE))) {
            inbox.faults.set(List.of(FaultRule.parse("auth:drop:nth=2")));
            assertThat(send(inbox, "s3cret").messageReply().code()).isEqualTo(250);
            assertThatThrownBy(() -> send(inbox, "s3cret")).isInstanceOf(SmtpConnectionException.class);
            SmtpSession dropped = inbox.sessions.sessions().get(0);
            awaitClosed(dropped);
            assertThat(dropped.reason()).startsWith("fault at auth: dropped");
            assertThat(dropped.transcript()).extracting(SmtpSession.Line::text).doesNotContain("334");
        }
    }

    @Test
    @DisplayName("A reply at auth on a server that offers no AUTH is noted, not lost in silence")
    void aReplyWithoutAuthOfferedIsNoted() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.faults.set(List.of(FaultRule.parse("auth:454")));
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", inbox.smtp.port())) {
                s.setSoTimeout(10_000);
                java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                in.readLine();
                s.getOutputStream().write("HELO x\r\nAUTH PLAIN AGFsaWNlAHMzY3JldA==\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("250");
                assertThat(in.readLine()).doesNotStartWith("454");
                assertThat(in.readLine()).startsWith("221");
            }
            SmtpSession session = inbox.sessions.sessions().get(0);
            assertThat(session.transcript()).extracting(SmtpSession.Line::text)
                    .anyMatch(l -> l.startsWith("fault at auth: 454") && l.contains("not given: the server offers no AUTH"));
        }
    }

    private static SendResult send(TestInbox inbox, String password) {
        try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(inbox.smtp.port()).tlsMode(TlsMode.NONE)
                .credentials(ClientCredentials.password("alice", password)).preferCramMd5(true).build()) {
            return client.send(Envelope.of(Mailbox.parse("alice@example.com"), Mailbox.parse("bob@example.org")),
                    MessageContent.of("Subject: hi\r\n\r\nHello\r\n".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The session ends on the server's thread a moment after the client has gone. */
    private static void awaitClosed(SmtpSession s) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.ended().isEmpty()) {
            assertThat(System.nanoTime()).as("session " + s.id() + " closed in time").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
