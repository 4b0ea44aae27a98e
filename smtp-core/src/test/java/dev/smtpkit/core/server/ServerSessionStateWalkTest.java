package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Walks every (state, verb) pair of the states in which a command line is read, each state
 * reached through a real command sequence, in each kind of session: plain SMTP, SMTP offering
 * STARTTLS and AUTH, SMTP after STARTTLS and AUTH, and LMTP. The oracle for refusals is the
 * {@link Sequencing} table; what an allowed verb gives is written out here, independently.
 */
class ServerSessionStateWalkTest {

    /** The states in which the session reads a command line (RFC 5321 §4.1.4; RFC 3030 §2 between chunks). */
    static final List<ServerState> COMMAND_STATES = List.of(
            ServerState.CONNECTED, ServerState.READY, ServerState.MAIL, ServerState.RCPT, ServerState.BDAT,
            ServerState.REFUSED);

    /** One kind of session: its configuration, and whether STARTTLS and AUTH are done before the state is reached. */
    record Scenario(String name, ServerConfig config, boolean secured) {
        @Override
        public String toString() {
            return name;
        }

        String hello() {
            return config.mode() == ProtocolMode.LMTP ? "LHLO client.example" : "EHLO client.example";
        }
    }

    private static final ServerConfig OFFERING = ServerConfig.builder().hostname("mx.example.org")
            .tlsPolicy(TlsPolicy.OPTIONAL).authMechanisms(List.of("PLAIN")).allowAuthWithoutTls(true).build();

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("SMTP", ServerConfig.builder().hostname("mx.example.org").build(), false),
            new Scenario("SMTP offering STARTTLS and AUTH", OFFERING, false),
            new Scenario("SMTP after STARTTLS and AUTH", OFFERING, true),
            new Scenario("LMTP", ServerConfig.builder().hostname("mx.example.org").mode(ProtocolMode.LMTP).build(), false));

    /** A valid line for each verb, without CRLF; BDAT's chunk is {@link #CHUNK}. */
    static String exampleLine(Verb verb, Scenario s) {
        return switch (verb) {
            case HELO -> "HELO client.example";
            case EHLO -> "EHLO client.example";
            case LHLO -> "LHLO client.example";
            case MAIL -> "MAIL FROM:<sender@example.com>";
            case RCPT -> "RCPT TO:<rcpt@example.net>";
            case DATA -> "DATA";
            case BDAT -> "BDAT " + CHUNK.length();
            case RSET -> "RSET";
            case NOOP -> "NOOP";
            case QUIT -> "QUIT";
            case VRFY -> "VRFY postmaster";
            case EXPN -> "EXPN staff";
            case HELP -> "HELP";
            case STARTTLS -> "STARTTLS";
            case AUTH -> "AUTH PLAIN AHVzZXIAc2VjcmV0";
            case UNKNOWN -> "XYZZY plugh";
        };
    }

    /** The octets of the chunk that follows every BDAT line, whatever its reply (RFC 3030 §2). */
    static final String CHUNK = "ab\r\n.\r\n";

    /** Sends a verb's example line, with the chunk after BDAT. */
    static void sendExample(Driver d, Verb verb, Scenario s) {
        d.send(exampleLine(verb, s) + "\r\n" + (verb == Verb.BDAT ? CHUNK : ""));
    }

    /** A session of the scenario in the given state, reached through real commands. */
    static Driver reach(Scenario s, ServerState target) {
        if (target == ServerState.REFUSED) {
            Driver d = new Driver(s.config(), decision -> decision instanceof ServerEvent.Connected
                    ? Reply.of(554, "No SMTP service here") : null);
            assertThat(d.session.state()).isEqualTo(ServerState.REFUSED);
            return d;
        }
        Driver d = new Driver(s.config());
        if (s.secured()) {
            d.send("EHLO client.example\r\nSTARTTLS\r\n");
            assertThat(d.session.isTls()).isTrue();
        }
        List<String> steps = new ArrayList<>();
        if (target != ServerState.CONNECTED) {
            steps.add(s.hello() + "\r\n");
            if (s.secured()) {
                steps.add("AUTH PLAIN AHVzZXIAc2VjcmV0\r\n");
            }
        }
        if (EnumSet.of(ServerState.MAIL, ServerState.RCPT, ServerState.BDAT).contains(target)) {
            steps.add("MAIL FROM:<a@example.com>\r\n");
        }
        if (EnumSet.of(ServerState.RCPT, ServerState.BDAT).contains(target)) {
            steps.add("RCPT TO:<b@example.net>\r\n");
        }
        if (target == ServerState.BDAT) {
            steps.add("BDAT 3\r\nabc");
        }
        for (String step : steps) {
            d.send(step);
        }
        assertThat(d.session.state()).as("reached").isEqualTo(target);
        assertThat(d.codes()).as("every step succeeded").allMatch(c -> c / 100 == 2);
        if (s.secured() && target != ServerState.CONNECTED) {
            assertThat(d.session.authenticatedIdentity()).contains("user");
        }
        return d;
    }

    /** What an allowed verb gives in a session that has not refused the greeting. */
    static int allowedCode(Verb verb, Driver d, Scenario s) {
        boolean lmtp = s.config().mode() == ProtocolMode.LMTP;
        return switch (verb) {
            case HELO, EHLO -> lmtp ? 500 : 250;
            case LHLO -> lmtp ? 250 : 500;
            case MAIL, RCPT, BDAT, RSET, NOOP -> 250;
            case DATA -> 354;
            case QUIT -> 221;
            case VRFY -> 252;
            case EXPN -> 502;
            case HELP -> 214;
            case STARTTLS -> s.config().tlsPolicy() == TlsPolicy.OFF ? 502 : d.session.isTls() ? 503 : 220;
            case AUTH -> s.config().authMechanisms().isEmpty() ? 502
                    : d.session.authenticatedIdentity().isPresent() ? 503 : 235;
            case UNKNOWN -> 500;
        };
    }

    /** Whether the verb is not a command of this protocol at all, so no sequencing applies (500). */
    static boolean unrecognized(Verb verb, Scenario s) {
        boolean lmtp = s.config().mode() == ProtocolMode.LMTP;
        return verb == Verb.UNKNOWN || (lmtp ? verb == Verb.HELO || verb == Verb.EHLO : verb == Verb.LHLO);
    }

    static Stream<Arguments> everyPair() {
        return SCENARIOS.stream().flatMap(s -> COMMAND_STATES.stream()
                .flatMap(state -> Stream.of(Verb.values()).map(verb -> Arguments.of(s, state, verb))));
    }

    static Stream<Arguments> everyState() {
        return SCENARIOS.stream().flatMap(s -> COMMAND_STATES.stream().map(state -> Arguments.of(s, state)));
    }

    static Stream<Arguments> everyStateButRefused() {
        return everyState().filter(a -> a.get()[1] != ServerState.REFUSED);
    }

    private static List<Reply> newReplies(Driver d, int from) {
        return List.copyOf(d.replies.subList(from, d.replies.size()));
    }

    @ParameterizedTest(name = "{0}: {2} in {1}")
    @MethodSource("everyPair")
    @DisplayName("RFC 5321 §4.1.4: every verb in every state gets exactly one reply, as the sequencing table says")
    void everyVerbInEveryState(Scenario s, ServerState state, Verb verb) {
        Driver d = reach(s, state);
        Optional<Envelope> envelopeBefore = d.session.envelope();
        int allowed = allowedCode(verb, d, s);
        int before = d.replies.size();

        sendExample(d, verb, s);

        List<Reply> got = newReplies(d, before);
        assertThat(got).as("one reply per command").hasSize(1);
        Reply reply = got.get(0);
        Optional<Reply> refusal = Sequencing.refusal(state, verb, s.config().mode());
        if (state == ServerState.REFUSED && verb != Verb.QUIT) {
            // RFC 5321 §3.1: after a 554 greeting every command but QUIT gets 503, unknown ones too.
            assertThat(reply.code()).isEqualTo(503);
        } else if (unrecognized(verb, s)) {
            assertThat(reply.code()).isEqualTo(500);
        } else if (refusal.isPresent()) {
            assertThat(reply).isEqualTo(refusal.get());
        } else {
            assertThat(reply.code()).isEqualTo(allowed);
        }
        if (reply.isFailure()) {
            assertThat(d.session.state()).as("a refused command leaves the state").isEqualTo(state);
            assertThat(d.session.envelope()).as("a refused command leaves the transaction").isEqualTo(envelopeBefore);
        }
        if (reply.code() == 354) {
            d.send("Subject: walk\r\n\r\nbody\r\n.\r\n");
            assertThat(newReplies(d, before)).extracting(Reply::code).containsExactly(354, 250);
            assertThat(d.messages).hasSize(1);
            assertThat(d.session.state()).isEqualTo(ServerState.READY);
        }
        if (verb == Verb.QUIT) {
            assertThat(d.session.state()).isEqualTo(ServerState.CLOSED);
            assertThat(d.eventsOf(ServerEvent.Closed.class)).extracting(ServerEvent.Closed::reason)
                    .containsExactly(CloseReason.QUIT);
        } else {
            assertThat(d.session.state()).as("only QUIT closes").isNotEqualTo(ServerState.CLOSED);
        }
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).hasSizeLessThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "{0}: RSET in {1}")
    @MethodSource("everyStateButRefused")
    @DisplayName("RFC 5321 §4.1.1.5: RSET is 250 in every state; it clears the transaction and keeps identity, TLS, AUTH and the connection")
    void rsetInEveryState(Scenario s, ServerState state) {
        Driver d = reach(s, state);
        String hello = d.session.helloDomain();
        boolean tls = d.session.isTls();
        Optional<String> identity = d.session.authenticatedIdentity();
        boolean open = d.session.envelope().isPresent();
        int before = d.replies.size();

        d.send("RSET\r\n");

        assertThat(newReplies(d, before)).extracting(Reply::code).containsExactly(250);
        assertThat(d.session.envelope()).isEmpty();
        assertThat(d.session.state()).isEqualTo(state == ServerState.CONNECTED ? ServerState.CONNECTED : ServerState.READY);
        assertThat(d.session.helloDomain()).isEqualTo(hello);
        assertThat(d.session.isTls()).isEqualTo(tls);
        assertThat(d.session.authenticatedIdentity()).isEqualTo(identity);
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).hasSize(open ? 1 : 0);
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(state == ServerState.BDAT ? 1 : 0);
        if (state != ServerState.CONNECTED) {
            d.send("MAIL FROM:<again@example.com>\r\n");
            assertThat(d.lastReply().code()).as("a new transaction can start").isEqualTo(250);
        }
    }

    @ParameterizedTest(name = "{0}: NOOP in {1}")
    @MethodSource("everyStateButRefused")
    @DisplayName("RFC 5321 §4.1.1.9: NOOP is 250 in every state and changes nothing")
    void noopInEveryState(Scenario s, ServerState state) {
        Driver d = reach(s, state);
        Optional<Envelope> envelope = d.session.envelope();
        int before = d.replies.size();

        d.send("NOOP\r\nNOOP with an argument\r\n");

        assertThat(newReplies(d, before)).extracting(Reply::code).containsExactly(250, 250);
        assertThat(d.session.state()).isEqualTo(state);
        assertThat(d.session.envelope()).isEqualTo(envelope);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    @DisplayName("RFC 5321 §3.1: after a 554 greeting RSET and NOOP get 503 too, and the connection stays open for QUIT")
    void rsetAndNoopAfterRefusedGreeting(Scenario s) {
        Driver d = reach(s, ServerState.REFUSED);
        d.send("RSET\r\nNOOP\r\nXYZZY\r\n");
        assertThat(d.codes()).containsExactly(554, 503, 503, 503);
        assertThat(d.session.state()).isEqualTo(ServerState.REFUSED);
        d.send("QUIT\r\n");
        assertThat(d.lastReply().code()).isEqualTo(221);
    }

    static Stream<Scenario> scenarios() {
        return SCENARIOS.stream();
    }

    /** Records, at the moment each reply is queued, the state and whether a transaction is open. */
    record Seen(Reply reply, ServerState state, boolean transactionOpen) {
    }

    private static List<Seen> watch(Driver d) {
        List<Seen> seen = new ArrayList<>();
        d.session.observer(new ServerSession.Observer() {
            @Override
            public void sent(Reply reply) {
                seen.add(new Seen(reply, d.session.state(), d.session.envelope().isPresent()));
            }
        });
        return seen;
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET right after the end of data is 250 and leaves no transaction")
    void rsetRightAfterEndOfData() {
        Driver d = reach(SCENARIOS.get(0), ServerState.RCPT);
        d.send("DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nRSET\r\n");
        assertThat(d.codes()).endsWith(354, 250, 250);
        assertThat(d.messages).hasSize(1);
        assertThat(d.session.envelope()).isEmpty();
        assertThat(d.session.state()).isEqualTo(ServerState.READY);
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).as("the transaction had already ended").isEmpty();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).isEmpty();

        d.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nBDAT 3 LAST\r\nxyzRSET\r\n");
        assertThat(d.codes()).endsWith(250, 250, 250, 250);
        assertThat(d.messages).hasSize(2);
        assertThat(d.session.envelope()).isEmpty();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET after a message refused at its end is 250 and the session goes on")
    void rsetAfterRefusedData() {
        Driver d = reach(SCENARIOS.get(0), ServerState.RCPT);
        d.send("DATA\r\nbare\nline\r\n.\r\nRSET\r\nMAIL FROM:<a@example.com>\r\n");
        assertThat(d.codes()).endsWith(354, 550, 250, 250);
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(1);
        assertThat(d.session.state()).isEqualTo(ServerState.MAIL);
    }

    @Test
    @DisplayName("RFC 2920 §3.1, RFC 5321 §4.1.1.5: RSET in the middle of a pipelined batch clears only what came before it")
    void rsetInThePipelinedBatch() {
        Driver d = reach(SCENARIOS.get(0), ServerState.READY);
        List<Seen> seen = watch(d);
        d.send("MAIL FROM:<first@example.com>\r\nRCPT TO:<one@example.net>\r\nRSET\r\n"
                + "MAIL FROM:<second@example.com>\r\nRCPT TO:<two@example.net>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
        assertThat(seen).extracting(r -> r.reply().code()).containsExactly(250, 250, 250, 250, 250, 354, 250, 221);
        Seen rset = seen.get(2);
        assertThat(rset.transactionOpen()).as("RSET's 250 is sent with the transaction cleared").isFalse();
        assertThat(rset.state()).isEqualTo(ServerState.READY);
        ServerEvent.MessageEnd end = d.eventsOf(ServerEvent.MessageEnd.class).get(0);
        assertThat(end.envelope().sender().toString()).isEqualTo("<second@example.com>");
        assertThat(end.envelope().recipients()).hasSize(1);
        assertThat(end.envelope().recipients().get(0).path().toString()).isEqualTo("<two@example.net>");
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).extracting(ServerEvent.TransactionReset::cause)
                .containsExactly(ServerEvent.ResetCause.RSET);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5, RFC 3207 §4.2, RFC 4954 §4: RSET keeps TLS and the AUTH identity; only STARTTLS clears them")
    void rsetKeepsTlsAndAuth() {
        Scenario secured = SCENARIOS.get(2);
        Driver d = reach(secured, ServerState.RCPT);
        d.send("RSET\r\nRSET\r\n");
        assertThat(d.codes()).endsWith(250, 250);
        assertThat(d.session.isTls()).isTrue();
        assertThat(d.session.authenticatedIdentity()).contains("user");
        assertThat(d.session.helloDomain()).isEqualTo("client.example");
        d.send("AUTH PLAIN AHVzZXIAc2VjcmV0\r\nMAIL FROM:<a@example.com>\r\n");
        assertThat(d.codes()).as("still authenticated; MAIL needs no new EHLO").endsWith(503, 250);
    }
}
