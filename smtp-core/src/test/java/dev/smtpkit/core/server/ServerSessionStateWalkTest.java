package dev.smtpkit.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Walks every (state, verb) pair of the states in which a command line is read, each state
 * reached through a real command sequence, in each kind of session: plain SMTP, SMTP offering
 * STARTTLS and AUTH, SMTP after STARTTLS and AUTH, and LMTP. The oracle is {@link #RFC_ALLOWED}
 * and the methods below it, written here from the RFC text and not from the session's own table
 * ({@code ServerTransitions}), so that a wrong row there fails this test.
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

    // ---------------------------------------------------------------- the oracle, from the RFCs

    /**
     * RFC 5321 §4.1.4: "The NOOP, HELP, EXPN, VRFY, and RSET commands can be used at any time
     * during a session, or without previously initializing a session"; QUIT ends any session
     * (§4.1.1.10).
     */
    private static final Set<Verb> ANYTIME = EnumSet.of(Verb.NOOP, Verb.HELP, Verb.EXPN, Verb.VRFY, Verb.RSET, Verb.QUIT);

    /**
     * The verbs that are in sequence in each state; any other recognized verb gets 503
     * (RFC 5321 §4.1.4: "If the commands in a transaction are out of order ... a 503 failure
     * reply MUST be returned and the SMTP server MUST stay in the same state").
     */
    static final Map<ServerState, Set<Verb>> RFC_ALLOWED = new EnumMap<>(ServerState.class);

    static {
        // RFC 5321 §4.1.4: "a client MUST issue HELO or EHLO before starting a mail
        // transaction"; RFC 3207 §4 lets STARTTLS come before EHLO is repeated. AUTH is offered
        // only in the reply to EHLO (RFC 4954 §3).
        RFC_ALLOWED.put(ServerState.CONNECTED, plus(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.STARTTLS));
        // RFC 5321 §3.3: MAIL starts a transaction; RCPT and DATA need one. RFC 4954 §4: AUTH
        // outside a transaction.
        RFC_ALLOWED.put(ServerState.READY, plus(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.STARTTLS, Verb.AUTH, Verb.MAIL));
        // RFC 5321 §4.1.4: "MAIL ... MUST NOT be sent if a mail transaction is already open";
        // EHLO may come and resets it. RFC 4954 §4: "The AUTH command is not permitted during
        // a mail transaction." DATA needs a recipient (§3.3).
        RFC_ALLOWED.put(ServerState.MAIL, plus(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.RCPT));
        RFC_ALLOWED.put(ServerState.RCPT, plus(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.RCPT, Verb.DATA, Verb.BDAT));
        // RFC 3030 §2: "If a DATA statement is issued after a BDAT for the current transaction,
        // a 503 'Bad sequence of commands' MUST be issued"; further chunks may follow.
        RFC_ALLOWED.put(ServerState.BDAT, plus(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.BDAT));
        // RFC 5321 §3.1: after a 554 greeting the server waits for QUIT, "answering any
        // intervening commands with 503".
        RFC_ALLOWED.put(ServerState.REFUSED, EnumSet.of(Verb.QUIT));
    }

    private static Set<Verb> plus(Verb... verbs) {
        Set<Verb> set = EnumSet.copyOf(ANYTIME);
        set.addAll(List.of(verbs));
        return set;
    }

    /** The codes the RFCs allow for {@code verb} in {@code state}, for a session in the state {@code d} is in. */
    static Set<Integer> rfcCodes(Scenario s, ServerState state, Verb verb, Driver d) {
        boolean lmtp = s.config().mode() == ProtocolMode.LMTP;
        if (state == ServerState.REFUSED) {
            // RFC 5321 §3.1: unrecognized commands too.
            return Set.of(verb == Verb.QUIT ? 221 : 503);
        }
        if (unrecognized(verb, s)) {
            // RFC 5321 §4.2.4; RFC 2033 §4.1 (LMTP has LHLO, not HELO or EHLO).
            return Set.of(500);
        }
        if (RFC_ALLOWED.get(state).contains(verb)) {
            return Set.of(allowedCode(verb, d, s));
        }
        if (state == ServerState.MAIL && (verb == Verb.DATA || verb == Verb.BDAT)) {
            // RFC 5321 §3.3: with no accepted recipient the server "MAY return a 'command out of
            // sequence' (503) or 'no valid recipients' (554) reply"; RFC 2033 §4.2: "If there were
            // no successful RCPT commands in the mail transaction, the DATA command MUST fail with
            // a 503 reply code." RFC 3030 §2 makes BDAT DATA's alternative.
            return lmtp ? Set.of(503) : Set.of(503, 554);
        }
        return Set.of(503);
    }

    /**
     * The state a successful {@code verb} leads to from {@code state} (for STARTTLS, after the
     * handshake), or empty when the session is inside a message afterwards.
     */
    static Optional<ServerState> rfcNextState(ServerState state, Verb verb) {
        return switch (verb) {
            // RFC 5321 §4.1.4: an accepted EHLO resets "exactly as if a RSET command had been issued".
            case HELO, EHLO, LHLO -> Optional.of(ServerState.READY);
            case MAIL -> Optional.of(ServerState.MAIL);                       // RFC 5321 §3.3
            case RCPT -> Optional.of(ServerState.RCPT);                       // RFC 5321 §3.3
            case DATA -> Optional.empty();                                    // 354: the message follows
            case BDAT -> Optional.of(ServerState.BDAT);                       // RFC 3030 §2: until LAST
            // RFC 5321 §4.1.1.5: RSET clears the transaction, not the EHLO.
            case RSET -> Optional.of(state == ServerState.CONNECTED ? ServerState.CONNECTED : ServerState.READY);
            case NOOP, VRFY, EXPN, HELP -> Optional.of(state);                // RFC 5321 §4.1.1.6-9
            case QUIT -> Optional.of(ServerState.CLOSED);                     // RFC 5321 §4.1.1.10
            case STARTTLS -> Optional.of(ServerState.CONNECTED);              // RFC 3207 §4.2: starts over
            case AUTH -> Optional.of(ServerState.READY);                      // RFC 4954 §4
            case UNKNOWN -> Optional.of(state);
        };
    }

    // ---------------------------------------------------------------- the walk

    /** The octets of the chunk that follows every BDAT line, whatever its reply (RFC 3030 §2). */
    static final String CHUNK = "ab\r\n.\r\n";

    /** Sends a verb's example line, with the chunk after BDAT. */
    static void sendExample(Driver d, Verb verb, Scenario s) {
        d.send(exampleLine(verb, s) + "\r\n" + (verb == Verb.BDAT ? CHUNK : ""));
    }

    /** A session of the scenario in the given state, reached through real commands. */
    static Driver reach(Scenario s, ServerState target) {
        return reach(s, target, decision -> null);
    }

    /**
     * A session of the scenario in the given state, reached through real commands, whose
     * application answers with {@code decider} (null: accepts), which must accept those commands.
     */
    static Driver reach(Scenario s, ServerState target, Function<ServerEvent.Decision, Reply> decider) {
        if (target == ServerState.REFUSED) {
            Driver d = new Driver(s.config(), decision -> decision instanceof ServerEvent.Connected
                    ? Reply.of(554, "No SMTP service here") : null);
            assertThat(d.session.state()).isEqualTo(ServerState.REFUSED);
            return d;
        }
        Driver d = new Driver(s.config(), decider);
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
    @DisplayName("RFC 5321 §4.1.4, §3.3, §3.1; RFC 3030 §2; RFC 3207 §4; RFC 4954 §4; RFC 2033 §4: every verb in every state gets the reply and next state the RFCs give")
    void everyVerbInEveryState(Scenario s, ServerState state, Verb verb) {
        Driver d = reach(s, state);
        Optional<Envelope> envelopeBefore = d.session.envelope();
        Set<Integer> expected = rfcCodes(s, state, verb, d);
        int before = d.replies.size();

        sendExample(d, verb, s);

        List<Reply> got = newReplies(d, before);
        assertThat(got).as("one reply per command").hasSize(1);
        Reply reply = got.get(0);
        assertThat(reply.code()).as("reply to %s in %s", verb, state).isIn(expected);
        if (reply.code() == 503 || reply.code() == 554) {
            // RFC 3463 §3.6: X.5.1, "a mail transaction protocol command was issued which was
            // either out of sequence or unsupported".
            assertThat(reply.status()).contains(EnhancedStatus.of(5, 5, 1));
        }
        if (reply.isFailure()) {
            assertThat(d.session.state()).as("a refused command leaves the state").isEqualTo(state);
            assertThat(d.session.envelope()).as("a refused command leaves the transaction").isEqualTo(envelopeBefore);
        } else {
            Optional<ServerState> next = rfcNextState(state, verb);
            if (next.isPresent()) {
                assertThat(d.session.state()).as("state after %s in %s", verb, state).isEqualTo(next.get());
            }
            if (verb == Verb.HELO || verb == Verb.EHLO || verb == Verb.LHLO || verb == Verb.RSET || verb == Verb.STARTTLS) {
                assertThat(d.session.envelope()).as("%s leaves no transaction", verb).isEmpty();
            } else if (EnumSet.of(Verb.NOOP, Verb.VRFY, Verb.EXPN, Verb.HELP).contains(verb)) {
                assertThat(d.session.envelope()).as("%s keeps the transaction", verb).isEqualTo(envelopeBefore);
            }
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

    @ParameterizedTest(name = "{0}: XCLIENT in {1}")
    @MethodSource("everyState")
    @DisplayName("XCLIENT_README: XCLIENT, when offered, is allowed outside a mail transaction only; it greets again with 220 and forgets the EHLO")
    void xclientInEveryState(Scenario s, ServerState state) {
        Driver d = reach(s, state);
        d.session.offerXclient(List.of("NAME", "ADDR"));
        Optional<Envelope> envelopeBefore = d.session.envelope();
        int before = d.replies.size();

        d.send("XCLIENT ADDR=192.0.2.1\r\n");

        // XCLIENT_README: it "may be sent at any time, except in the middle of a mail delivery
        // transaction (i.e. between MAIL and DOT, or MAIL and RSET)", and on success "the server
        // resets state to the initial SMTP greeting protocol stage". RFC 5321 §3.1 still holds
        // after a 554 greeting.
        boolean allowed = state == ServerState.CONNECTED || state == ServerState.READY;
        List<Reply> got = newReplies(d, before);
        assertThat(got).extracting(Reply::code).containsExactly(allowed ? 220 : 503);
        if (allowed) {
            assertThat(d.session.state()).isEqualTo(ServerState.CONNECTED);
            assertThat(d.session.helloDomain()).isEmpty();
        } else {
            assertThat(got.get(0).status()).contains(EnhancedStatus.of(5, 5, 1));
            assertThat(d.session.state()).isEqualTo(state);
            assertThat(d.session.envelope()).isEqualTo(envelopeBefore);
        }
    }

    @Test
    @DisplayName("RFC 3030 §3: DATA after MAIL with BODY=BINARYMIME gets 503 and the transaction stays for BDAT")
    void dataAfterBinaryMime() {
        Driver d = new Driver(SCENARIOS.get(0).config())
                .send("EHLO client.example\r\nMAIL FROM:<a@example.com> BODY=BINARYMIME\r\nRCPT TO:<b@example.net>\r\n");
        d.send("DATA\r\n");
        assertThat(d.lastReply().code()).isEqualTo(503);
        assertThat(d.lastReply().status()).contains(EnhancedStatus.of(5, 5, 1));
        assertThat(d.session.state()).isEqualTo(ServerState.RCPT);
        d.send("BDAT 3 LAST\r\nabc");
        assertThat(d.lastReply().code()).isEqualTo(250);
        assertThat(d.messages).hasSize(1);
    }

    @Test
    @DisplayName("RFC 3030 §2, RFC 1869 §4: BDAT after HELO (CHUNKING not offered) gets 502 once its chunk was read")
    void bdatWithoutChunking() {
        Driver d = new Driver(SCENARIOS.get(0).config())
                .send("HELO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n");
        // The 7-octet chunk looks like a QUIT: it must be read as the chunk and dropped.
        d.send("BDAT 7\r\nQUIT\r\n!NOOP\r\n");
        assertThat(d.codes()).endsWith(250, 250, 502, 250);
        assertThat(d.session.state()).isEqualTo(ServerState.RCPT);
        assertThat(d.eventsOf(ServerEvent.MessageStart.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 3030 §2: \"Any BDAT command sent after the BDAT LAST is illegal and MUST be replied to with a 503\"")
    void bdatAfterLast() {
        Driver d = reach(SCENARIOS.get(0), ServerState.RCPT);
        d.send("BDAT 3 LAST\r\nabcBDAT 3\r\nxyz");
        assertThat(d.codes()).endsWith(250, 503);
        assertThat(d.messages).hasSize(1);
        assertThat(d.session.state()).isEqualTo(ServerState.READY);
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

    /** The name the application refuses in {@link #refusedHelloKeepsEverything}. */
    private static final String REFUSED_NAME = "refused.example";

    static Stream<Arguments> everyHelloInEveryState() {
        return everyStateButRefused().flatMap(a -> Stream.of(Verb.HELO, Verb.EHLO, Verb.LHLO)
                .filter(verb -> !unrecognized(verb, (Scenario) a.get()[0]))
                .map(verb -> Arguments.of(a.get()[0], a.get()[1], verb)));
    }

    /**
     * What the client sends to finish the transaction open in {@code state} (RFC 5321 §3.3;
     * RFC 3030 §2), as if nothing had come between; the message is the content sent in the state
     * and here.
     */
    private static String finishTransaction(ServerState state) {
        return switch (state) {
            case MAIL -> "RCPT TO:<c@example.net>\r\nDATA\r\nxy\r\n.\r\n";
            case RCPT -> "DATA\r\nxy\r\n.\r\n";
            case BDAT -> "BDAT 4 LAST\r\nxy\r\n";
            default -> throw new IllegalArgumentException("no transaction in " + state);
        };
    }

    @ParameterizedTest(name = "{0}: {2} refused in {1}")
    @MethodSource("everyHelloInEveryState")
    @DisplayName("RFC 5321 §4.1.4: only an EHLO (HELO, LHLO) that \"is acceptable\" resets; a refused one leaves state, name and transaction, which the client finishes")
    void refusedHelloKeepsEverything(Scenario s, ServerState state, Verb verb) {
        Reply refusal = Reply.of(550, EnhancedStatus.of(5, 7, 1), "not that name");
        Driver d = reach(s, state, decision -> decision instanceof ServerEvent.Hello h
                && h.domain().equals(REFUSED_NAME) ? refusal : null);
        Optional<Envelope> envelope = d.session.envelope();
        String hello = d.session.helloDomain();
        int before = d.replies.size();
        int events = d.events.size();

        d.send(verb + " " + REFUSED_NAME + "\r\n");

        assertThat(newReplies(d, before)).containsExactly(refusal);
        assertThat(d.session.state()).isEqualTo(state);
        assertThat(d.session.envelope()).isEqualTo(envelope);
        assertThat(d.session.helloDomain()).isEqualTo(hello);
        assertThat(d.events.subList(events, d.events.size()))
                .noneMatch(e -> e instanceof ServerEvent.TransactionReset || e instanceof ServerEvent.MessageAborted);
        if (envelope.isEmpty()) {
            return;
        }
        d.send(finishTransaction(state));
        assertThat(d.lastReply().code()).as("the message of the kept transaction").isEqualTo(250);
        assertThat(d.messages).hasSize(1);
        String content = new String(d.messages.get(0), StandardCharsets.US_ASCII);
        assertThat(content).isEqualTo(state == ServerState.BDAT ? "abcxy\r\n" : "xy\r\n");
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class).get(0).envelope().sender())
                .isEqualTo(envelope.get().sender());
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
