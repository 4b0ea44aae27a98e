package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.smtpkit.core.client.ClientTransitions.Call;
import dev.smtpkit.core.client.ClientTransitions.Guard;
import dev.smtpkit.core.client.ClientTransitions.Phase;
import dev.smtpkit.core.client.ClientTransitions.Trigger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
