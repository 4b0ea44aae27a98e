package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.smtpkit.core.FuzzInput;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpProtocolException;
import dev.smtpkit.core.internal.ReplyDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link ServerSession}: any octets from a client, in any split, with
 * an application that accepts everything but the recipient {@code nobody}. The corpus in
 * {@code src/test/resources/dev/smtpkit/core/server/ServerSessionFuzzTestInputs} is replayed in
 * every build.
 *
 * <p>Options: bit 0 accepts bare line ends, bit 1 reads LENIENT, bit 2 refuses long data lines,
 * bit 3 sets tight limits, bit 4 is LMTP, bit 5 lets HELO go without a name, bit 6 offers AUTH
 * PLAIN without TLS, bit 7 offers STARTTLS.
 */
class ServerSessionFuzzTest {

    /** The most a session may hold between reads: the start of a line that may turn out to be AUTH. */
    private static final int MAX_HELD = 4;

    @FuzzTest(maxDuration = "2m")
    void conversation(byte[] data) {
        FuzzInput input = FuzzInput.of(data);
        ServerConfig config = config(input);
        Run whole = new Run(config);
        input.feed(0, whole::receive);
        whole.end();
        Run split = new Run(config);
        input.feed(split::receive);
        split.end();

        // The same octets give the same replies and the same story, however TCP cut them.
        assertThat(split.output.toByteArray()).isEqualTo(whole.output.toByteArray());
        assertThat(split.story).isEqualTo(whole.story);
        assertThat(whole.story).last().asString().startsWith("Closed");
    }

    static ServerConfig config(FuzzInput input) {
        ServerConfig.Builder b = ServerConfig.builder()
                .hostname("mx.test")
                .rejectBareLineEndings(!input.option(0))
                .parseMode(input.option(1) ? ParseMode.LENIENT : ParseMode.STRICT)
                .rejectLongLines(input.option(2))
                .mode(input.option(4) ? ProtocolMode.LMTP : ProtocolMode.SMTP)
                .allowHelloWithoutName(input.option(5));
        if (input.option(3)) {
            b.limits(Limits.builder().maxMessageSize(64).maxRecipients(2).maxTextLine(20).maxBadCommands(5).build());
        }
        if (input.option(6)) {
            b.authMechanisms(List.of("PLAIN")).allowAuthWithoutTls(true);
        }
        if (input.option(7)) {
            b.tlsPolicy(TlsPolicy.OPTIONAL);
        }
        return b.build();
    }

    /** The transport loop, checking the session's promises at every step. */
    static final class Run {
        final ServerSession session;
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        /** The events, with message content joined per message so that splits compare equal. */
        final List<String> story = new ArrayList<>();
        private final ReplyDecoder replies = new ReplyDecoder(Limits.builder().maxReplyLines(1000).build());
        private final ByteArrayOutputStream content = new ByteArrayOutputStream();
        private boolean messageOpen;
        private boolean tlsStarted;
        private boolean closed;

        Run(ServerConfig config) {
            session = new ServerSession(config);
            run();
        }

        void receive(ByteBuffer piece) {
            if (tlsStarted) {
                // After the handshake the client's octets would be TLS records, not this plaintext,
                // which the session must drop whatever piece it came in (RFC 3207 §4.2, CVE-2011-0411).
                return;
            }
            session.receive(piece);
            run();
        }

        void end() {
            session.receiveEndOfInput();
            run();
            assertThat(closed).as("the end of input closes the session").isTrue();
            assertThat(session.state()).isEqualTo(ServerState.CLOSED);
            assertThat(messageOpen).as("every message ended or was aborted").isFalse();
            assertThat(replies.hasPartialReply()).as("no half reply written").isFalse();
        }

        private void run() {
            while (true) {
                ServerEvent e = session.nextEvent();
                if (e instanceof ServerEvent.NeedInput) {
                    if (!closed) {
                        // Back-pressure rests on this: the session keeps no more than a few octets of input.
                        assertThat(session.bufferedInput()).isLessThanOrEqualTo(MAX_HELD);
                    }
                    break;
                }
                assertThat(e).as("a decision was left unanswered").isNotInstanceOf(ServerEvent.AwaitingDecision.class);
                assertThat(closed).as("no event after Closed: %s", e).isFalse();
                record(e);
                if (e instanceof ServerEvent.Decision d) {
                    decide(d);
                } else if (e instanceof ServerEvent.StartTls) {
                    drain();
                    session.tlsEstablished();
                    tlsStarted = true;
                }
            }
            drain();
        }

        private void record(ServerEvent e) {
            if (e instanceof ServerEvent.MessageData d) {
                assertThat(messageOpen).as("data outside a message").isTrue();
                ByteBuffer b = d.content();
                byte[] copy = new byte[b.remaining()];
                b.get(copy);
                content.writeBytes(copy);
                return;
            }
            if (e instanceof ServerEvent.MessageStart) {
                assertThat(messageOpen).as("a message inside a message").isFalse();
                messageOpen = true;
                content.reset();
            } else if (e instanceof ServerEvent.MessageEnd || e instanceof ServerEvent.MessageAborted) {
                assertThat(messageOpen).as("%s without a message", e).isTrue();
                messageOpen = false;
                story.add("content " + java.util.Arrays.toString(content.toByteArray()));
            } else if (e instanceof ServerEvent.Closed) {
                closed = true;
            }
            story.add(e.toString());
        }

        private void decide(ServerEvent.Decision d) {
            drain();
            if (d instanceof ServerEvent.RcptTo r && r.recipient().mailbox().map(m -> m.localPart().equals("nobody")).orElse(false)) {
                session.decide(Replies.NO_SUCH_USER);
            } else if (d instanceof ServerEvent.AuthStep a) {
                if (a.response().isPresent()) {
                    session.authSucceeded("user");
                } else {
                    session.decide(Reply.of(334, ""));
                }
            } else {
                session.accept();
            }
        }

        private void drain() {
            if (!session.hasOutput()) {
                return;
            }
            byte[] bytes = session.takeOutput();
            output.writeBytes(bytes);
            try {
                replies.feed(bytes, 0, bytes.length);
            } catch (SmtpProtocolException e) {
                throw new AssertionError("the server wrote a malformed reply: " + new String(output.toByteArray(),
                        java.nio.charset.StandardCharsets.ISO_8859_1), e);
            }
            // Replies are compared as octets, apart from the events: when a reply is written relative
            // to an event depends on how much input the session had, and need not.
            while (replies.next().isPresent()) {
                // Well formed is all that is checked here.
            }
        }
    }
}
