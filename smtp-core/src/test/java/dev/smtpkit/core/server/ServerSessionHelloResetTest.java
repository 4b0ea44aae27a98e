package dev.smtpkit.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Reply;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 5321 §4.1.4: "If [EHLO] is issued after the session begins and the EHLO command is
 * acceptable to the SMTP server, the SMTP server MUST clear all buffers and reset the state
 * exactly as if a RSET command had been issued" (HELO likewise; LHLO in LMTP, RFC 2033 §4.1).
 * Within a transaction the application decides first: accepted, the transaction is reset before
 * the 250; refused, it is kept and the client finishes it.
 */
class ServerSessionHelloResetTest {

    private static final ServerConfig SMTP = ServerConfig.builder().hostname("mx.example.org").build();
    private static final ServerConfig LMTP = SMTP.toBuilder().mode(ProtocolMode.LMTP).build();
    private static final String REFUSED_NAME = "localhost";
    private static final Reply REFUSAL = Reply.of(550, EnhancedStatus.of(5, 7, 1), "Not a name for you");

    /** The open transactions, as the client opens them: after MAIL, after RCPT, between BDAT chunks. */
    enum Open {
        MAIL("MAIL FROM:<a@example.com>\r\n", ServerState.MAIL, "RCPT TO:<b@example.net>\r\nDATA\r\nbody\r\n.\r\n", "body\r\n"),
        RCPT("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n", ServerState.RCPT, "DATA\r\nbody\r\n.\r\n", "body\r\n"),
        BDAT("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nBDAT 4\r\nfirs", ServerState.BDAT,
                "BDAT 8 LAST\r\nt part\r\n", "first part\r\n");

        final String commands;
        final ServerState state;
        /** What finishes the transaction as if nothing had come between, and the message that makes. */
        final String rest;
        final String message;

        Open(String commands, ServerState state, String rest, String message) {
            this.commands = commands;
            this.state = state;
            this.rest = rest;
            this.message = message;
        }
    }

    /** The hello verbs, each in the protocol that has it. */
    static Stream<Arguments> hellos() {
        List<Arguments> all = new ArrayList<>();
        for (Open open : Open.values()) {
            all.add(Arguments.of("EHLO", SMTP, open));
            all.add(Arguments.of("HELO", SMTP, open));
            all.add(Arguments.of("LHLO", LMTP, open));
        }
        return all.stream();
    }

    private static Driver opened(ServerConfig config, Open open) {
        Driver d = new Driver(config, decision -> decision instanceof ServerEvent.Hello h
                && h.domain().equals(REFUSED_NAME) ? REFUSAL : null);
        String hello = config.mode() == ProtocolMode.LMTP ? "LHLO" : "EHLO";
        d.send(hello + " client.example\r\n" + open.commands);
        assertThat(d.session.state()).isEqualTo(open.state);
        assertThat(d.codes()).allMatch(code -> code / 100 == 2);
        return d;
    }

    private static <T extends ServerEvent> int indexOf(Driver d, Class<T> type) {
        for (int i = 0; i < d.events.size(); i++) {
            if (type.isInstance(d.events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @ParameterizedTest(name = "{0} in {2}")
    @MethodSource("hellos")
    @DisplayName("RFC 5321 §4.1.4: an accepted HELO, EHLO or LHLO within a transaction resets it, after the decision and before its 250")
    void acceptedHelloResets(String verb, ServerConfig config, Open open) {
        Driver d = opened(config, open);
        int replies = d.replies.size();

        d.send(verb + " again.example\r\n");

        assertThat(d.replies.subList(replies, d.replies.size())).extracting(Reply::code).containsExactly(250);
        assertThat(d.session.state()).isEqualTo(ServerState.READY);
        assertThat(d.session.envelope()).isEmpty();
        assertThat(d.session.helloDomain()).isEqualTo("again.example");
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).extracting(ServerEvent.TransactionReset::cause)
                .containsExactly(ServerEvent.ResetCause.HELLO);
        assertThat(indexOf(d, ServerEvent.Hello.class)).as("asked with the transaction open")
                .isLessThan(indexOf(d, ServerEvent.TransactionReset.class));
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(open == Open.BDAT ? 1 : 0);
        d.send("RCPT TO:<b@example.net>\r\n");
        assertThat(d.lastReply().code()).as("no transaction left").isEqualTo(503);
    }

    @ParameterizedTest(name = "{0} in {2}")
    @MethodSource("hellos")
    @DisplayName("RFC 5321 §4.1.4: a HELO, EHLO or LHLO the application refuses leaves the transaction, which the client finishes")
    void refusedHelloKeepsTheTransaction(String verb, ServerConfig config, Open open) {
        Driver d = opened(config, open);
        Optional<Envelope> envelope = d.session.envelope();
        int replies = d.replies.size();

        d.send(verb + " " + REFUSED_NAME + "\r\n");

        assertThat(d.replies.subList(replies, d.replies.size())).containsExactly(REFUSAL);
        assertThat(d.session.state()).isEqualTo(open.state);
        assertThat(d.session.envelope()).isEqualTo(envelope);
        assertThat(d.session.helloDomain()).isEqualTo("client.example");
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).isEmpty();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).isEmpty();

        d.send(open.rest);

        assertThat(d.lastReply().code()).isEqualTo(250);
        assertThat(d.messages).hasSize(1);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo(open.message);
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class).get(0).envelope().sender()).isEqualTo(envelope.get().sender());
        assertThat(d.session.state()).isEqualTo(ServerState.READY);
    }

    @Test
    @DisplayName("RFC 5321 §3.8: a hello answered 421 within a transaction closes, the transaction lost to the closing")
    void helloAnswered421Closes() {
        Driver d = new Driver(SMTP, decision -> decision instanceof ServerEvent.Hello h && h.domain().equals("bye.example")
                ? Reply.of(421, "closing") : null);
        d.send("EHLO client.example\r\n" + Open.RCPT.commands + "EHLO bye.example\r\n");
        assertThat(d.codes()).endsWith(421);
        assertThat(d.session.state()).isEqualTo(ServerState.CLOSED);
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).extracting(ServerEvent.TransactionReset::cause)
                .containsExactly(ServerEvent.ResetCause.SERVICE_CLOSING);
    }

    /** A session of the test's own, left with the Hello of {@code hello} pending within a BDAT transaction. */
    private static ServerSession helloPendingBetweenChunks(String hello, List<ServerEvent> seen) {
        ServerSession session = new ServerSession(SMTP);
        Driver.acceptUntil(session, ServerEvent.Hello.class, "EHLO client.example\r\n");
        session.accept();
        Driver.acceptUntil(session, ServerEvent.Hello.class, Open.BDAT.commands + hello + "\r\n");
        assertThat(session.pendingDecision()).containsInstanceOf(ServerEvent.Hello.class);
        assertThat(session.envelope()).isPresent();
        session.takeOutput();
        seen.clear();
        return session;
    }

    private static ServerEvent next(ServerSession session, List<ServerEvent> seen) {
        ServerEvent e = session.nextEvent();
        seen.add(e);
        return e;
    }

    @Test
    @DisplayName("resetBeforeHello: the transport ends the transaction first (MessageAborted, TransactionReset), then gets the Hello again; a refusal then leaves none")
    void resetBeforeHello() {
        List<ServerEvent> seen = new ArrayList<>();
        ServerSession session = helloPendingBetweenChunks("EHLO " + REFUSED_NAME, seen);

        session.resetBeforeHello();

        assertThat(session.state()).isEqualTo(ServerState.READY);
        assertThat(session.envelope()).isEmpty();
        assertThat(session.pendingDecision()).isEmpty();
        assertThat(next(session, seen)).isInstanceOf(ServerEvent.MessageAborted.class);
        assertThat(next(session, seen)).isEqualTo(new ServerEvent.TransactionReset(ServerEvent.ResetCause.HELLO));
        assertThat(next(session, seen)).isEqualTo(new ServerEvent.Hello(REFUSED_NAME, true));
        session.decide(REFUSAL);
        assertThat(session.state()).isEqualTo(ServerState.READY);
        assertThat(session.helloDomain()).isEqualTo("client.example");
        assertThat(new String(session.takeOutput(), StandardCharsets.US_ASCII)).startsWith("550 5.7.1");
        session.receive(ByteBuffer.wrap("RCPT TO:<b@example.net>\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(next(session, seen)).isInstanceOf(ServerEvent.NeedInput.class);
        assertThat(new String(session.takeOutput(), StandardCharsets.US_ASCII)).startsWith("503");
    }

    @Test
    @DisplayName("resetBeforeHello is a transport's misuse without a Hello pending within a transaction")
    void resetBeforeHelloMisuse() {
        ServerSession idle = new ServerSession(SMTP);
        assertThatThrownBy(idle::resetBeforeHello).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("resetBeforeHello()");
        Driver.acceptUntil(idle, ServerEvent.Hello.class, "EHLO client.example\r\n");
        assertThatThrownBy(idle::resetBeforeHello).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CONNECTED");
        assertThat(idle.pendingDecision()).containsInstanceOf(ServerEvent.Hello.class);

        List<ServerEvent> seen = new ArrayList<>();
        ServerSession session = helloPendingBetweenChunks("EHLO again.example", seen);
        session.resetBeforeHello();
        next(session, seen);
        next(session, seen);
        next(session, seen);
        assertThatThrownBy(session::resetBeforeHello).as("no transaction left").isInstanceOf(IllegalStateException.class);
        session.accept();
        assertThat(session.helloDomain()).isEqualTo("again.example");
        assertThat(seen).filteredOn(ServerEvent.TransactionReset.class::isInstance).hasSize(1);
    }
}
