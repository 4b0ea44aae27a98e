package dev.smtpkit.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.server.ServerTransitions.Event;
import dev.smtpkit.core.server.ServerTransitions.Facts;
import dev.smtpkit.core.server.ServerTransitions.Input;
import dev.smtpkit.core.server.ServerTransitions.Phase;
import dev.smtpkit.core.server.ServerTransitions.Row;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shape of the table, not its content (which {@link ServerSessionStateWalkTest} checks against
 * the RFCs): every lookup is answered, every phase can be reached, and the session's phases map
 * onto the public states.
 */
class ServerTransitionsTest {

    /** The phases in which a command line is read. */
    private static final Set<Phase> COMMAND_PHASES = EnumSet.of(
            Phase.CONNECTED, Phase.REFUSED, Phase.READY, Phase.MAIL, Phase.RCPT, Phase.BDAT);

    /** Every combination of the eight facts the guards read. */
    private static List<Facts> everyFacts() {
        List<Facts> all = new ArrayList<>();
        for (int bits = 0; bits < 256; bits++) {
            int b = bits;
            all.add(new Facts() {
                @Override public boolean lmtp() { return (b & 1) != 0; }
                @Override public boolean tlsConfigured() { return (b & 2) != 0; }
                @Override public boolean tls() { return (b & 4) != 0; }
                @Override public boolean authAvailable() { return (b & 8) != 0; }
                @Override public boolean authNeedsTls() { return (b & 16) != 0; }
                @Override public boolean authenticated() { return (b & 32) != 0; }
                @Override public boolean chunkingOffered() { return (b & 64) != 0; }
                @Override public boolean binaryMime() { return (b & 128) != 0; }
            });
        }
        return all;
    }

    @Test
    @DisplayName("Every command in every phase that reads one has a row, whatever the facts; a refusal is a 5xx and cites its rule")
    void everyLookupIsAnswered() {
        List<Facts> facts = everyFacts();
        for (Phase phase : COMMAND_PHASES) {
            for (Input input : Input.values()) {
                for (Facts f : facts) {
                    Row row = ServerTransitions.command(phase, input, f);
                    assertThat(row.rule()).as("%s %s", phase, input).isNotBlank();
                    if (row.refuses()) {
                        assertThat(row.reply().isPermanentFailure()).as("%s %s: %s", phase, input, row.reply()).isTrue();
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("An unknown command is never performed, and only QUIT is after a 554 greeting (RFC 5321 §3.1)")
    void unknownAndRefused() {
        for (Facts f : everyFacts()) {
            for (Phase phase : COMMAND_PHASES) {
                assertThat(ServerTransitions.command(phase, Input.UNKNOWN, f).refuses()).isTrue();
            }
            for (Input input : Input.values()) {
                assertThat(ServerTransitions.command(Phase.REFUSED, input, f).refuses()).as("%s", input)
                        .isEqualTo(input != Input.QUIT);
            }
        }
    }

    @Test
    @DisplayName("No command is read while greeting, in DATA, within a chunk, in an AUTH exchange, during STARTTLS or once closed")
    void phasesWithoutCommands() {
        for (Phase phase : EnumSet.complementOf(EnumSet.copyOf(COMMAND_PHASES))) {
            assertThatThrownBy(() -> ServerTransitions.command(phase, Input.NOOP, everyFacts().get(0)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining(phase.name());
        }
    }

    @Test
    @DisplayName("Every phase is reached from GREETING through the moves, and every phase but CLOSED can close")
    void everyPhaseIsReachable() {
        Set<Phase> seen = EnumSet.of(Phase.GREETING);
        ArrayDeque<Phase> todo = new ArrayDeque<>(seen);
        while (!todo.isEmpty()) {
            Phase from = todo.poll();
            for (Event event : Event.values()) {
                try {
                    Phase to = ServerTransitions.next(from, event);
                    if (seen.add(to)) {
                        todo.add(to);
                    }
                } catch (IllegalStateException noSuchMove) {
                    // Not every event can happen in every phase.
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(Phase.values());
        for (Phase phase : EnumSet.complementOf(EnumSet.of(Phase.CLOSED))) {
            assertThat(ServerTransitions.next(phase, Event.CLOSED)).isEqualTo(Phase.CLOSED);
        }
        assertThatThrownBy(() -> ServerTransitions.next(Phase.CLOSED, Event.CLOSED)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("Each public state is shown by a phase; only BDAT is two phases (between and within chunks)")
    void phasesShowTheStates() {
        for (ServerState state : ServerState.values()) {
            List<Phase> phases = EnumSet.allOf(Phase.class).stream().filter(p -> p.state == state).toList();
            assertThat(phases).as("%s", state).hasSize(state == ServerState.BDAT ? 2 : 1);
        }
        assertThat(EnumSet.allOf(Phase.class).stream().filter(Phase::inTransaction).map(p -> p.state))
                .containsOnly(ServerState.MAIL, ServerState.RCPT, ServerState.DATA, ServerState.BDAT);
    }
}
