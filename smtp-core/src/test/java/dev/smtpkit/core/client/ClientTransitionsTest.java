package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.smtpkit.core.client.ClientTransitions.Call;
import dev.smtpkit.core.client.ClientTransitions.Guard;
import dev.smtpkit.core.client.ClientTransitions.Phase;
import dev.smtpkit.core.client.ClientTransitions.Trigger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Checks the tables of {@link ClientTransitions} against oracles written here from the RFCs and
 * from the documented contract of {@link ClientSession} (its Javadoc and {@link ClientState}'s),
 * not from the tables: call by call rather than phase by phase, so a wrong row shows up as a
 * disagreement.
 */
class ClientTransitionsTest {

    /**
     * Where {@code call} leads from {@code phase}, or empty when it is misuse, as the
     * {@code ClientSession} Javadoc promises.
     */
    private static Optional<Phase> expectedCall(Phase phase, Call call, Set<Guard> facts) {
        boolean pipelining = facts.contains(Guard.PIPELINING);
        // RFC 2920 §3.1: with PIPELINING and without BDAT, DATA goes out with MAIL and RCPT.
        Phase afterSend = facts.contains(Guard.DATA_WITH_ENVELOPE) ? Phase.DATA_SENT : Phase.ENVELOPE;
        return switch (call) {
            // "unless READY, or RESET after a reset() from READY with pipelining in use"
            case SEND -> phase == Phase.READY || (phase == Phase.PROBE && pipelining)
                    ? Optional.of(afterSend) : Optional.empty();
            // "unless READY, or when TLS is already in force" (RFC 3207 §4.2)
            case START_TLS -> phase == Phase.READY && !facts.contains(Guard.TLS)
                    ? Optional.of(Phase.STARTTLS) : Optional.empty();
            // RFC 3207 §4.2: EHLO again after the handshake
            case TLS_ESTABLISHED -> phase == Phase.TLS_HANDSHAKE ? Optional.of(Phase.HELLO) : Optional.empty();
            case AUTH -> phase == Phase.READY ? Optional.of(Phase.AUTH) : Optional.empty();
            // RFC 4954 §4: a 334 is answered with a response or "*"
            case AUTH_RESPOND, AUTH_CANCEL -> phase == Phase.AUTH_CHALLENGE ? Optional.of(Phase.AUTH) : Optional.empty();
            case WRITE_DATA -> phase == Phase.CONTENT ? Optional.of(Phase.CONTENT) : Optional.empty();
            // RFC 3030 §2: after a refused chunk nothing more is sent but an RSET
            case END_DATA -> phase != Phase.CONTENT ? Optional.empty()
                    : Optional.of(facts.contains(Guard.CHUNK_REFUSED) ? Phase.CHUNK_CLEANUP : Phase.MESSAGE_SENT);
            // "unless READY, or in ENVELOPE before DATA was sent"; without PIPELINING one
            // command at a time (RFC 5321 §3.3), so the RSET may have to wait for a reply
            case RESET -> phase == Phase.READY ? Optional.of(Phase.PROBE)
                    : phase == Phase.ENVELOPE
                    ? Optional.of(facts.contains(Guard.REPLY_DUE) ? Phase.ABANDON_DUE : Phase.ABANDON)
                    : Optional.empty();
            // "unless READY, or MESSAGE_SENT with pipelining in use" (RFC 2920 §3.1)
            case QUIT -> phase == Phase.READY || (phase.state() == ClientState.MESSAGE_SENT && pipelining)
                    ? Optional.of(Phase.QUIT) : Optional.empty();
        };
    }

    /** The public state behind each phase, as {@link ClientState}'s Javadoc describes it. */
    private static final Map<Phase, ClientState> EXPECTED_STATE = new EnumMap<>(Map.ofEntries(
            Map.entry(Phase.GREETING, ClientState.GREETING),
            Map.entry(Phase.HELLO, ClientState.HELLO),
            Map.entry(Phase.READY, ClientState.READY),
            Map.entry(Phase.STARTTLS, ClientState.STARTTLS),
            Map.entry(Phase.TLS_HANDSHAKE, ClientState.TLS_HANDSHAKE),
            Map.entry(Phase.AUTH, ClientState.AUTH),
            Map.entry(Phase.AUTH_CHALLENGE, ClientState.AUTH_CHALLENGE),
            // "MAIL, RCPT and DATA (or the RSET ending a failed transaction) sent; replies outstanding"
            Map.entry(Phase.ENVELOPE, ClientState.ENVELOPE),
            Map.entry(Phase.DATA_SENT, ClientState.ENVELOPE),
            Map.entry(Phase.LONE_DOT, ClientState.ENVELOPE),
            Map.entry(Phase.CLEANUP, ClientState.ENVELOPE),
            Map.entry(Phase.CONTENT, ClientState.CONTENT),
            Map.entry(Phase.MESSAGE_SENT, ClientState.MESSAGE_SENT),
            Map.entry(Phase.CHUNK_CLEANUP, ClientState.MESSAGE_SENT),
            // "RSET sent by reset(); waiting for its reply"
            Map.entry(Phase.PROBE, ClientState.RESET),
            Map.entry(Phase.ABANDON_DUE, ClientState.RESET),
            Map.entry(Phase.ABANDON, ClientState.RESET),
            Map.entry(Phase.QUIT, ClientState.QUIT),
            Map.entry(Phase.CLOSED, ClientState.CLOSED)));

    /** (trigger, from, to), written from the RFC sequence of a session. */
    private static final List<Object[]> EXPECTED_TRIGGERS = List.of(
            // RFC 5321 §3.1: 220 then EHLO; 554 then QUIT
            new Object[] {Trigger.GREETED, Phase.GREETING, Phase.HELLO},
            new Object[] {Trigger.GREETING_REFUSED, Phase.GREETING, Phase.QUIT},
            // RFC 5321 §4.1.1.1, §3.2
            new Object[] {Trigger.HELLO_ACCEPTED, Phase.HELLO, Phase.READY},
            new Object[] {Trigger.HELO_FALLBACK, Phase.HELLO, Phase.HELLO},
            new Object[] {Trigger.HELLO_REFUSED, Phase.HELLO, Phase.QUIT},
            // RFC 3207 §4, §4.2
            new Object[] {Trigger.TLS_ACCEPTED, Phase.STARTTLS, Phase.TLS_HANDSHAKE},
            new Object[] {Trigger.TLS_REFUSED, Phase.STARTTLS, Phase.READY},
            // RFC 4954 §4, §6
            new Object[] {Trigger.AUTH_DEFERRED_RESPONSE, Phase.AUTH, Phase.AUTH},
            new Object[] {Trigger.AUTH_CHALLENGED, Phase.AUTH, Phase.AUTH_CHALLENGE},
            new Object[] {Trigger.AUTH_ENDED, Phase.AUTH, Phase.READY},
            // RFC 5321 §4.1.1.5; RFC 2920 §3.1: a transaction pipelined behind a probe keeps going
            new Object[] {Trigger.PROBE_ACCEPTED, Phase.PROBE, Phase.READY},
            new Object[] {Trigger.PROBE_ACCEPTED, Phase.ENVELOPE, Phase.ENVELOPE},
            new Object[] {Trigger.PROBE_ACCEPTED, Phase.DATA_SENT, Phase.DATA_SENT},
            new Object[] {Trigger.PROBE_ACCEPTED, Phase.ABANDON, Phase.ABANDON},
            new Object[] {Trigger.ABANDON_SENT, Phase.ABANDON_DUE, Phase.ABANDON},
            new Object[] {Trigger.ABANDON_ACCEPTED, Phase.ABANDON, Phase.READY},
            // RFC 5321 §3.3: MAIL, RCPT..., DATA, content; RFC 3030 §2: BDAT after the envelope
            new Object[] {Trigger.RCPT_NEXT, Phase.ENVELOPE, Phase.ENVELOPE},
            new Object[] {Trigger.DATA_NEXT, Phase.ENVELOPE, Phase.DATA_SENT},
            new Object[] {Trigger.CONTENT_OPENED, Phase.ENVELOPE, Phase.CONTENT},
            new Object[] {Trigger.CONTENT_OPENED, Phase.DATA_SENT, Phase.CONTENT},
            new Object[] {Trigger.LONE_DOT_SENT, Phase.DATA_SENT, Phase.LONE_DOT},
            new Object[] {Trigger.CLEANUP_SENT, Phase.ENVELOPE, Phase.CLEANUP},
            new Object[] {Trigger.CLEANUP_SENT, Phase.DATA_SENT, Phase.CLEANUP},
            // "TransactionCompleted: the session is READY again (unless the caller already sent QUIT)"
            new Object[] {Trigger.COMPLETED, Phase.ENVELOPE, Phase.READY},
            new Object[] {Trigger.COMPLETED, Phase.DATA_SENT, Phase.READY},
            new Object[] {Trigger.COMPLETED, Phase.LONE_DOT, Phase.READY},
            new Object[] {Trigger.COMPLETED, Phase.CLEANUP, Phase.READY},
            new Object[] {Trigger.COMPLETED, Phase.MESSAGE_SENT, Phase.READY},
            new Object[] {Trigger.COMPLETED, Phase.CHUNK_CLEANUP, Phase.READY},
            new Object[] {Trigger.COMPLETED, Phase.QUIT, Phase.QUIT});

    /** Every consistent set of guard facts: DATA with the envelope and BDAT need PIPELINING. */
    private static List<Set<Guard>> consistentFacts() {
        List<Guard> guards = List.of(Guard.PIPELINING, Guard.DATA_WITH_ENVELOPE, Guard.REPLY_DUE, Guard.TLS,
                Guard.CHUNK_REFUSED);
        List<Set<Guard>> all = new ArrayList<>();
        for (int bits = 0; bits < 1 << guards.size(); bits++) {
            EnumSet<Guard> facts = EnumSet.noneOf(Guard.class);
            for (int i = 0; i < guards.size(); i++) {
                if ((bits & 1 << i) != 0) {
                    facts.add(guards.get(i));
                }
            }
            boolean pipelining = facts.contains(Guard.PIPELINING);
            boolean bdat = pipelining && !facts.contains(Guard.DATA_WITH_ENVELOPE);
            if ((facts.contains(Guard.DATA_WITH_ENVELOPE) && !pipelining)
                    || (facts.contains(Guard.REPLY_DUE) && pipelining)
                    || (facts.contains(Guard.CHUNK_REFUSED) && !bdat)) {
                continue;
            }
            all.add(facts);
        }
        return all;
    }

    @Test
    @DisplayName("RFC 5321 §4.1.4: every (phase, call, guards) is allowed where the contract says, else refused naming both")
    void everyPhaseCallAndGuard() {
        List<Set<Guard>> factSets = consistentFacts();
        assertThat(factSets).hasSize(10);
        for (Phase phase : Phase.values()) {
            for (Call call : Call.values()) {
                for (Set<Guard> facts : factSets) {
                    Optional<Phase> expected = expectedCall(phase, call, facts);
                    String where = call + " in " + phase + " with " + facts;
                    if (expected.isPresent()) {
                        assertThat(ClientTransitions.onCall(phase, call, facts)).as(where).isEqualTo(expected.get());
                    } else {
                        assertThat(catchThrowable(() -> ClientTransitions.onCall(phase, call, facts))).as(where)
                                .isInstanceOf(IllegalStateException.class)
                                .hasMessageStartingWith(call + " in state " + phase.state());
                    }
                }
            }
        }
    }

    /** A session driven into {@code phase}, where {@code facts} are what the session should find. */
    private record Scenario(String name, Phase phase, Set<Guard> facts, Supplier<ClientSession> start) {
    }

    private static final Set<Guard> PLAIN = EnumSet.noneOf(Guard.class);
    private static final Set<Guard> PIPELINED_DATA = EnumSet.of(Guard.PIPELINING, Guard.DATA_WITH_ENVELOPE);
    private static final Set<Guard> BDAT = EnumSet.of(Guard.PIPELINING);

    private static ClientDriver ready(String ehlo) {
        return ClientSessionTest.ready(ClientSessionTest.CONFIG.toBuilder().bdatChunkSize(4).build(), ehlo);
    }

    private static ClientDriver sent(String ehlo) {
        ClientDriver d = ready(ehlo);
        return d.act(() -> d.session.send(ClientSessionTest.envelope("a@example.com", "b@example.org")));
    }

    private static ClientDriver content(String ehlo) {
        ClientDriver d = sent(ehlo);
        return ehlo.equals(ClientSessionTest.EHLO_PLAIN) ? d.server("250 OK\n").server("250 OK\n").server("354 go\n")
                : d.server(ehlo.equals(ClientSessionTest.EHLO_CHUNKING) ? "250 OK\n250 OK\n" : "250 OK\n250 OK\n354 go\n");
    }

    /** A BDAT transaction whose first chunk (4 octets here) was refused (RFC 3030 §2). */
    private static ClientDriver chunkRefused() {
        ClientDriver d = content(ClientSessionTest.EHLO_CHUNKING);
        return d.act(() -> d.session.writeData(ByteBuffer.wrap(ClientSessionTest.ascii("hello")))).server("552 no\n");
    }

    private static ClientDriver then(ClientDriver d, Consumer<ClientSession> call) {
        return d.act(() -> call.accept(d.session));
    }

    private static List<Scenario> scenarios() {
        String plain = ClientSessionTest.EHLO_PLAIN;
        String pipelining = ClientSessionTest.EHLO_PIPELINING;
        String chunking = ClientSessionTest.EHLO_CHUNKING;
        return List.of(
                new Scenario("new", Phase.GREETING, PLAIN, () -> new ClientDriver(ClientSessionTest.CONFIG).session),
                new Scenario("greeted", Phase.HELLO, PLAIN,
                        () -> new ClientDriver(ClientSessionTest.CONFIG).server(ClientSessionTest.GREETING).session),
                new Scenario("ready", Phase.READY, PLAIN, () -> ready(plain).session),
                new Scenario("ready, pipelining", Phase.READY, PIPELINED_DATA, () -> ready(pipelining).session),
                new Scenario("ready, chunking", Phase.READY, BDAT, () -> ready(chunking).session),
                new Scenario("STARTTLS sent", Phase.STARTTLS, PLAIN, () -> then(ready(plain), ClientSession::startTls).session),
                new Scenario("220 to STARTTLS", Phase.TLS_HANDSHAKE, PLAIN,
                        () -> then(ready(plain), ClientSession::startTls).server("220 go\n").session),
                new Scenario("ready over TLS", Phase.READY, EnumSet.of(Guard.TLS),
                        () -> then(then(ready(plain), ClientSession::startTls).server("220 go\n"),
                                ClientSession::tlsEstablished).server(plain).session),
                new Scenario("AUTH sent", Phase.AUTH, PLAIN,
                        () -> then(ready(plain), s -> s.auth("PLAIN", Optional.empty())).session),
                new Scenario("334", Phase.AUTH_CHALLENGE, PLAIN,
                        () -> then(ready(plain), s -> s.auth("PLAIN", Optional.empty())).server("334 \n").session),
                new Scenario("MAIL sent", Phase.ENVELOPE, EnumSet.of(Guard.REPLY_DUE), () -> sent(plain).session),
                new Scenario("MAIL and RCPT sent for BDAT", Phase.ENVELOPE, BDAT, () -> sent(chunking).session),
                new Scenario("DATA pipelined", Phase.DATA_SENT, PIPELINED_DATA, () -> sent(pipelining).session),
                new Scenario("354 without recipients", Phase.LONE_DOT, PIPELINED_DATA,
                        () -> sent(pipelining).server("250 OK\n550 no\n354 go\n").session),
                new Scenario("DATA refused", Phase.CLEANUP, PIPELINED_DATA,
                        () -> sent(pipelining).server("250 OK\n550 no\n554 no valid recipients\n").session),
                new Scenario("354", Phase.CONTENT, PLAIN, () -> content(plain).session),
                new Scenario("354, pipelining", Phase.CONTENT, PIPELINED_DATA, () -> content(pipelining).session),
                new Scenario("envelope accepted for BDAT", Phase.CONTENT, BDAT, () -> content(chunking).session),
                new Scenario("chunk refused", Phase.CONTENT, EnumSet.of(Guard.PIPELINING, Guard.CHUNK_REFUSED),
                        () -> chunkRefused().session),
                new Scenario("end of data", Phase.MESSAGE_SENT, PLAIN, () -> then(content(plain), ClientSession::endData).session),
                new Scenario("end of data, pipelining", Phase.MESSAGE_SENT, PIPELINED_DATA,
                        () -> then(content(pipelining), ClientSession::endData).session),
                new Scenario("last chunk after a refused one", Phase.CHUNK_CLEANUP,
                        EnumSet.of(Guard.PIPELINING, Guard.CHUNK_REFUSED), () -> then(chunkRefused(), ClientSession::endData).session),
                new Scenario("RSET from READY", Phase.PROBE, PLAIN, () -> then(ready(plain), ClientSession::reset).session),
                new Scenario("RSET from READY, pipelining", Phase.PROBE, PIPELINED_DATA,
                        () -> then(ready(pipelining), ClientSession::reset).session),
                new Scenario("RSET from READY, chunking", Phase.PROBE, BDAT, () -> then(ready(chunking), ClientSession::reset).session),
                new Scenario("RSET after MAIL, reply due", Phase.ABANDON_DUE, EnumSet.of(Guard.REPLY_DUE),
                        () -> then(sent(plain), ClientSession::reset).session),
                new Scenario("RSET pipelined after the BDAT envelope", Phase.ABANDON, BDAT,
                        () -> then(sent(chunking), ClientSession::reset).session),
                new Scenario("QUIT sent", Phase.QUIT, PLAIN, () -> then(ready(plain), ClientSession::quit).session),
                new Scenario("221", Phase.CLOSED, PLAIN, () -> then(ready(plain), ClientSession::quit).server("221 bye\n").session));
    }

    private static final Map<Call, Consumer<ClientSession>> CALLERS = new EnumMap<>(Map.of(
            Call.SEND, s -> s.send(ClientSessionTest.envelope("c@example.com", "d@example.org")),
            Call.START_TLS, ClientSession::startTls,
            Call.TLS_ESTABLISHED, ClientSession::tlsEstablished,
            Call.AUTH, s -> s.auth("PLAIN", Optional.empty()),
            Call.AUTH_RESPOND, s -> s.authRespond(""),
            Call.AUTH_CANCEL, ClientSession::authCancel,
            Call.WRITE_DATA, s -> s.writeData(ByteBuffer.wrap(ClientSessionTest.ascii("x\r\n"))),
            Call.END_DATA, ClientSession::endData,
            Call.RESET, ClientSession::reset,
            Call.QUIT, ClientSession::quit));

    @Test
    @DisplayName("RFC 5321 §4.1.4: a session driven into every phase takes or refuses each call as the contract says")
    void sessionsInEveryPhaseFollowTheContract() {
        EnumSet<Phase> reached = EnumSet.noneOf(Phase.class);
        for (Scenario sc : scenarios()) {
            assertThat(sc.start().get().phase()).as(sc.name()).isEqualTo(sc.phase());
            reached.add(sc.phase());
            for (Call call : Call.values()) {
                ClientSession session = sc.start().get();
                Optional<Phase> expected = expectedCall(sc.phase(), call, sc.facts());
                String where = call + " after " + sc.name();
                Throwable thrown = catchThrowable(() -> CALLERS.get(call).accept(session));
                if (expected.isPresent()) {
                    assertThat(thrown).as(where).isNull();
                    assertThat(session.phase()).as(where).isEqualTo(expected.get());
                } else {
                    assertThat(thrown).as(where).isInstanceOf(IllegalStateException.class)
                            .hasMessageStartingWith(call + " in state " + sc.phase().state());
                    assertThat(session.phase()).as(where).isEqualTo(sc.phase());
                }
            }
        }
        assertThat(reached).containsExactlyInAnyOrder(Phase.values());
    }

    @Test
    void everyPhaseIsSeenAsItsDocumentedState() {
        for (Phase phase : Phase.values()) {
            assertThat(phase.state()).as("%s", phase).isEqualTo(EXPECTED_STATE.get(phase));
        }
    }

    @Test
    @DisplayName("RFC 5321 §3.3, §4.1.1.5, RFC 2920 §3.1, RFC 3030 §2, RFC 3207 §4.2, RFC 4954 §4: each trigger moves as the RFCs sequence it")
    void everyTriggerTransition() {
        Map<Trigger, Map<Phase, Phase>> expected = new EnumMap<>(Trigger.class);
        for (Object[] row : EXPECTED_TRIGGERS) {
            expected.computeIfAbsent((Trigger) row[0], t -> new EnumMap<>(Phase.class)).put((Phase) row[1], (Phase) row[2]);
        }
        // RFC 5321 §3.8 and the Closed event: the session can end in any phase.
        Map<Phase, Phase> ended = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            ended.put(p, Phase.CLOSED);
        }
        expected.put(Trigger.ENDED, ended);
        for (Trigger trigger : Trigger.values()) {
            for (Phase from : Phase.values()) {
                Phase to = expected.getOrDefault(trigger, Map.of()).get(from);
                String where = trigger + " from " + from;
                if (to != null) {
                    assertThat(ClientTransitions.onTrigger(from, trigger)).as(where).isEqualTo(to);
                } else {
                    assertThat(catchThrowable(() -> ClientTransitions.onTrigger(from, trigger))).as(where)
                            .isInstanceOf(IllegalStateException.class);
                }
            }
        }
    }

    @Test
    void refusalSaysWhy() {
        assertThatThrownBy(() -> ClientTransitions.onCall(Phase.DATA_SENT, Call.RESET, Set.of(Guard.PIPELINING)))
                .hasMessage("reset() in state ENVELOPE (DATA sent): DATA was already sent; a transaction can be"
                        + " abandoned with RSET only before DATA (RFC 2920 §3.1)");
    }

    @Test
    void refusalWithoutARowNamesWhereTheCallIsAllowed() {
        assertThatThrownBy(() -> ClientTransitions.onCall(Phase.GREETING, Call.WRITE_DATA, Set.of()))
                .hasMessage("writeData(ByteBuffer) in state GREETING: allowed in [CONTENT]");
        assertThatThrownBy(() -> ClientTransitions.onCall(Phase.HELLO, Call.QUIT, Set.of()))
                .hasMessage("quit() in state HELLO: allowed in [READY, MESSAGE_SENT]");
    }
}
