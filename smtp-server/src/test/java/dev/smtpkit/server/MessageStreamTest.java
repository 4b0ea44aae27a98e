package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.server.MessageStream.Count;
import dev.smtpkit.server.MessageStream.Decision;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A message on its way to the handler, without a driver or a session: when its call starts, and
 * what the call's end tells the session and counts. The clock is a number.
 */
class MessageStreamTest {

    private static final Envelope ENVELOPE = Envelope.of(Mailbox.of("a", "example.com"), Mailbox.of("b", "example.org"));
    private static final Duration TERMINATION = Duration.ofMinutes(10);
    private static final long ENDED = 5_000_000_000L;

    /** What the handler read, one entry per message call. */
    private final List<String> read = new ArrayList<>();

    private final SessionHandler reader = new SessionHandler() {
        @Override
        public void message(Envelope envelope, InputStream content) throws Exception {
            assertThat(envelope).isEqualTo(ENVELOPE);
            read.add(new String(content.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    };

    private MessageStream stream(SessionHandler handler) {
        return new MessageStream("1", ENVELOPE, handler, new MessagePipe(null, () -> { }, new MemoryBudget(1 << 20)), TERMINATION);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    @DisplayName("A message that ends before it fills the pipe is handed over whole, at its end, once")
    void callStartsAtTheEnd() {
        MessageStream m = stream(reader);
        m.append(ascii("Subject: x\r\n\r\n"));
        assertThat(m.callStarts()).isFalse();
        m.append(ascii("body\r\n"));
        assertThat(m.callStarts()).isFalse();
        m.end(ENDED);
        assertThat(m.over()).isTrue();
        assertThat(m.callStarts()).isTrue();
        assertThat(m.callStarts()).as("started once").isFalse();
        assertThat(m.callStarted()).isTrue();
        m.call().run(true, () -> { });
        assertThat(read).containsExactly("Subject: x\r\n\r\nbody\r\n");
        assertThat(m.octets()).isEqualTo(20);
    }

    @Test
    @DisplayName("A message that fills the pipe starts its call before its end, so the handler takes it down")
    void callStartsWhenThePipeFills() {
        MessageStream m = stream(reader);
        byte[] line = new byte[1_000];
        int appended = 0;
        while (appended + line.length < MessagePipe.PAUSE_AT) {
            m.append(ByteBuffer.wrap(line));
            appended += line.length;
            assertThat(m.callStarts()).as("%d octets", appended).isFalse();
        }
        m.append(ByteBuffer.wrap(line));
        assertThat(m.full()).isTrue();
        assertThat(m.over()).isFalse();
        assertThat(m.callStarts()).isTrue();
        m.end(ENDED);
        assertThat(m.callStarts()).as("started already").isFalse();
    }

    @Test
    @DisplayName("A message cut short starts its call too: the handler reads an IncompleteMessageException")
    void callStartsWhenCutShort() throws Exception {
        MessageStream m = stream(reader);
        m.append(ascii("Subject: x\r\n"));
        m.abort(Replies.MESSAGE_TOO_BIG);
        assertThat(m.callStarts()).isTrue();
        m.call().run(true, () -> { });
        assertThat(m.call().failure()).isInstanceOf(IncompleteMessageException.class);
        assertThat(m.cutShort()).isTrue();
        assertThat(read).isEmpty();
    }

    @Test
    @DisplayName("An AsyncMessages handler's call is its stage, not its return")
    void asyncHandlerCallIsItsStage() {
        CompletableFuture<Void> taken = new CompletableFuture<>();
        AsyncMessages async = (envelope, content) -> taken;
        MessageStream m = stream(async);
        m.end(ENDED);
        m.callStarts();
        m.call().run(false, () -> { });
        assertThat(m.call().done()).isFalse();
        taken.complete(null);
        assertThat(m.call().done()).isTrue();
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2.6: the handler is timed from the end of the content, for dataTerminationTimeout")
    void answerDeadlineFromTheEnd() {
        MessageStream m = stream(reader);
        m.end(ENDED);
        assertThat(m.answerDeadline()).isEqualTo(ENDED + TERMINATION.toNanos());
    }

    @Test
    @DisplayName("Only an unstarted call is set aside for a hello between chunks, and it comes back once")
    void parking() {
        MessageStream m = stream(reader);
        assertThat(m.unpark()).isFalse();
        m.park();
        assertThat(m.unpark()).isTrue();
        assertThat(m.unpark()).isFalse();
        m.end(ENDED);
        m.callStarts();
        assertThatThrownBy(m::park).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- outcomes

    /** The outcome of a whole message whose handler answered {@code refusal} (null: took it), in time or {@code late}. */
    private MessageStream.Outcome complete(Reply refusal, boolean late) {
        MessageStream m = stream(reader);
        m.append(ascii("x\r\n"));
        m.end(ENDED);
        return m.outcome(refusal, late, true, ENDED + 1);
    }

    @Test
    @DisplayName("A whole message: taken, refused, taken with the handler's own 2xx, or answered 451 before the handler returned")
    void completeOutcomes() {
        assertThat(complete(null, false)).as("taken: the session's 250")
                .isEqualTo(new MessageStream.Outcome(Decision.ACCEPT, null, Count.ACCEPTED, "complete"));
        assertThat(complete(Replies.NO_SUCH_USER, false)).as("refused: the handler's reply")
                .isEqualTo(new MessageStream.Outcome(Decision.REPLY, Replies.NO_SUCH_USER, Count.REFUSED, "complete"));
        Reply queued = Reply.of(250, EnhancedStatus.of(2, 0, 0), "Queued as 42");
        assertThat(complete(queued, false)).as("a 2xx of the handler's own words takes the message")
                .isEqualTo(new MessageStream.Outcome(Decision.REPLY, queued, Count.ACCEPTED, "complete"));
        assertThat(complete(null, true)).as("late: the client has its 451; nothing more is said, and it is not taken")
                .isEqualTo(new MessageStream.Outcome(Decision.NONE, null, Count.REFUSED,
                        "complete, answered 451 before the handler returned"));
    }

    @Test
    @DisplayName("Content the session refused (552, session open): the session answered already, and it counts as refused")
    void incompleteRefused() {
        MessageStream m = stream(reader);
        m.abort(Replies.MESSAGE_TOO_BIG);
        MessageStream.Outcome o = m.outcome(null, false, true, ENDED);
        assertThat(o.decision()).isEqualTo(Decision.NONE);
        assertThat(o.count()).isEqualTo(Count.REFUSED);
        assertThat(o.note()).isEqualTo("incomplete, " + Replies.MESSAGE_TOO_BIG.toString().strip());
    }

    @Test
    @DisplayName("Content lost with the connection, or to a reset, counts as aborted, not refused")
    void incompleteAborted() {
        MessageStream lost = stream(reader);
        lost.abort(Replies.LOCAL_ERROR);
        assertThat(lost.outcome(null, false, false, ENDED).count()).isEqualTo(Count.ABORTED);

        MessageStream reset = stream(reader);
        reset.abort(Replies.OK);
        assertThat(reset.outcome(null, false, true, ENDED).count()).isEqualTo(Count.ABORTED);
    }

    @Test
    @DisplayName("Each count is the server's own counter")
    void countsAreTheServersCounters() {
        Counters counters = new Counters();
        assertThat(Count.ACCEPTED.in(counters)).isSameAs(counters.messagesAccepted);
        assertThat(Count.REFUSED.in(counters)).isSameAs(counters.messagesRefused);
        assertThat(Count.ABORTED.in(counters)).isSameAs(counters.messagesAborted);
    }
}
