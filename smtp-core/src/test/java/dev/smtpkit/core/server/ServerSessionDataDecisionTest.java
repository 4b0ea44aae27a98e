package dev.smtpkit.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerEvent.DataRequested}: with {@link ServerConfig#decideData()} on, the application
 * answers DATA and a transaction's first BDAT before any content is read (for a fault that
 * refuses DATA, or a 354 of its own wording as some middleboxes send).
 */
class ServerSessionDataDecisionTest {

    private static final ServerConfig ASKING = ServerConfig.builder().hostname("mx.example.org").decideData(true).build();
    private static final String ENVELOPE = "EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@mx.example.org>\r\n"
            + "RCPT TO:<d@mx.example.org>\r\n";
    private static final Reply TRY_LATER = Reply.of(451, EnhancedStatus.of(4, 3, 0), "try later");

    /** Answers DataRequested with the replies given in turn (null: accept), and everything else with accept. */
    private static Function<ServerEvent.Decision, Reply> dataAnswers(List<ServerEvent.DataRequested> asked, Reply... answers) {
        List<Reply> left = new ArrayList<>(List.of(answers));
        return d -> {
            if (d instanceof ServerEvent.DataRequested r) {
                asked.add(r);
                return left.isEmpty() ? null : left.remove(0);
            }
            return null;
        };
    }

    @Test
    @DisplayName("off by default: DATA is answered 354 without a decision")
    void offByDefault() {
        Driver d = new Driver(ServerConfig.builder().hostname("mx.example.org").build())
                .send(ENVELOPE + "DATA\r\n");
        assertThat(d.lastReply().code()).isEqualTo(354);
        assertThat(d.eventsOf(ServerEvent.DataRequested.class)).isEmpty();
    }

    @Test
    @DisplayName("DATA waits for the decision, which sees the envelope; accepted, the message goes on as usual")
    void dataAsksWithTheEnvelope() {
        Driver d = new Driver(ASKING, decision -> null);
        d.send(ENVELOPE + "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
        ServerEvent.DataRequested asked = d.eventsOf(ServerEvent.DataRequested.class).get(0);
        assertThat(asked.chunked()).isFalse();
        assertThat(asked.envelope().sender().toString()).isEqualTo("<a@c.example>");
        assertThat(asked.envelope().recipients()).hasSize(2);
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 250, 354, 250);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo("Subject: x\r\n\r\nbody\r\n");
    }

    @Test
    @DisplayName("while the decision is pending nothing after DATA is read, and no 354 is sent")
    void nothingIsReadWhileUndecided() {
        ServerSession session = new ServerSession(ASKING);
        Driver.acceptUntil(session, ServerEvent.DataRequested.class, ENVELOPE + "DATA\r\nNOOP\r\n");
        assertThat(session.pendingDecision()).containsInstanceOf(ServerEvent.DataRequested.class);
        assertThat(new String(session.takeOutput(), StandardCharsets.US_ASCII)).doesNotContain("354");
        assertThat(session.nextEvent()).isInstanceOf(ServerEvent.AwaitingDecision.class);
        session.decide(TRY_LATER);
        assertThat(session.nextEvent()).isInstanceOf(ServerEvent.NeedInput.class);
        assertThat(new String(session.takeOutput(), StandardCharsets.US_ASCII))
                .isEqualTo(TRY_LATER.toString() + Replies.OK);
    }

    @Test
    @DisplayName("a 354 of the application's own wording is sent as given")
    void ownGoAhead() {
        Reply own = Reply.of(354, "Enter mail (antivirus)");
        Driver d = new Driver(ASKING, dataAnswers(new ArrayList<>(), own)).send(ENVELOPE + "DATA\r\nx\r\n.\r\n");
        assertThat(d.replies.get(5)).isEqualTo(own);
        assertThat(d.lastReply().code()).isEqualTo(250);
        assertThat(d.messages).hasSize(1);
    }

    @Test
    @DisplayName("refused, DATA leaves the transaction as it was: DATA again is asked again and delivers to the same envelope")
    void refusedDataKeepsTheTransaction() {
        List<ServerEvent.DataRequested> asked = new ArrayList<>();
        Driver d = new Driver(ASKING, dataAnswers(asked, TRY_LATER)).send(ENVELOPE + "DATA\r\n");
        assertThat(d.lastReply()).isEqualTo(TRY_LATER);
        assertThat(d.eventsOf(ServerEvent.MessageStart.class)).isEmpty();
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).isEmpty();

        d.send("DATA\r\nagain\r\n.\r\n");
        assertThat(asked).hasSize(2);
        assertThat(d.codes().subList(6, 8)).containsExactly(354, 250);
        ServerEvent.MessageEnd end = d.eventsOf(ServerEvent.MessageEnd.class).get(0);
        assertThat(end.envelope().recipients()).hasSize(2);
    }

    @Test
    @DisplayName("refused with 421, the session closes (RFC 5321 §3.8)")
    void refusedWith421Closes() {
        Reply closing = Reply.of(421, EnhancedStatus.of(4, 3, 2), "mx.example.org closing");
        Driver d = new Driver(ASKING, dataAnswers(new ArrayList<>(), closing)).send(ENVELOPE + "DATA\r\n");
        assertThat(d.lastReply()).isEqualTo(closing);
        assertThat(d.eventsOf(ServerEvent.Closed.class)).hasSize(1);
        assertThat(d.session.state()).isEqualTo(ServerState.CLOSED);
    }

    @Test
    @DisplayName("DATA takes 354, 4xx or 5xx; a wrong reply is refused and the decision stays pending")
    void wrongRepliesForData() {
        ServerSession session = new ServerSession(ASKING);
        Driver.acceptUntil(session, ServerEvent.DataRequested.class, ENVELOPE + "DATA\r\n");
        assertThatThrownBy(() -> session.decide(Reply.of(250, "OK"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("354");
        assertThatThrownBy(() -> session.decide(Reply.of(334, "go on"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(session.pendingDecision()).containsInstanceOf(ServerEvent.DataRequested.class);
        session.accept();
        assertThat(new String(session.takeOutput(), StandardCharsets.US_ASCII)).endsWith(Replies.START_MAIL_INPUT.toString());
        assertThat(session.state()).isEqualTo(ServerState.DATA);
    }

    @Test
    @DisplayName("BDAT: asked once per transaction, at the first chunk, which is read only once accepted")
    void bdatAsksOnce() {
        List<ServerEvent.DataRequested> asked = new ArrayList<>();
        Driver d = new Driver(ASKING, dataAnswers(asked))
                .send(ENVELOPE + "BDAT 5\r\nhelloBDAT 6 LAST\r\n world")
                .send("MAIL FROM:<a@c.example>\r\nRCPT TO:<b@mx.example.org>\r\nBDAT 2 LAST\r\nok");
        assertThat(asked).hasSize(2).allSatisfy(r -> assertThat(r.chunked()).isTrue());
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 250, 250, 250, 250, 250, 250);
        assertThat(d.messages).hasSize(2);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo("hello world");
    }

    @Test
    @DisplayName("BDAT refused: its chunk is still read and dropped (RFC 3030 §2), then the refusal; the transaction stays")
    void bdatRefusedReadsTheChunk() {
        List<ServerEvent.DataRequested> asked = new ArrayList<>();
        Driver d = new Driver(ASKING, dataAnswers(asked, TRY_LATER))
                .send(ENVELOPE + "BDAT 9\r\nNOOP\r\nxyzNOOP\r\n");
        assertThat(d.replies.subList(5, 7)).containsExactly(TRY_LATER, Replies.OK);
        assertThat(d.eventsOf(ServerEvent.MessageStart.class)).isEmpty();

        d.send("BDAT 3 LAST\r\nabc");
        assertThat(asked).hasSize(2);
        assertThat(d.lastReply().code()).isEqualTo(250);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo("abc");
    }

    @Test
    @DisplayName("BDAT refused with 421 closes at once, its chunk unread; a 354 for BDAT is refused")
    void bdatRefusedWith421AndWrongReplies() {
        ServerSession session = new ServerSession(ASKING);
        Driver.acceptUntil(session, ServerEvent.DataRequested.class, ENVELOPE + "BDAT 100\r\npartial");
        assertThatThrownBy(() -> session.decide(Reply.of(354, "go ahead"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BDAT");
        session.decide(Reply.of(421, EnhancedStatus.of(4, 3, 2), "closing"));
        assertThat(new String(session.takeOutput(), StandardCharsets.US_ASCII)).endsWith("421 4.3.2 closing\r\n");
        assertThat(session.state()).isEqualTo(ServerState.CLOSED);
    }

    @Test
    @DisplayName("LMTP (RFC 2033): DATA is asked too")
    void lmtpAsks() {
        ServerConfig lmtp = ASKING.toBuilder().mode(ProtocolMode.LMTP).build();
        List<ServerEvent.DataRequested> asked = new ArrayList<>();
        Driver d = new Driver(lmtp, dataAnswers(asked, TRY_LATER))
                .send("LHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@mx.example.org>\r\nDATA\r\n");
        assertThat(asked).hasSize(1);
        assertThat(d.lastReply()).isEqualTo(TRY_LATER);
    }
}
