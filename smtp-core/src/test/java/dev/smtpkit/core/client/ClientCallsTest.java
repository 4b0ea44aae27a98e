package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.client.ClientCalls.Call;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientCallsTest {

    /** The table written out independently of the one in ClientCalls. */
    private static final Map<ClientState, EnumSet<Call>> EXPECTED = Map.of(
            ClientState.READY, EnumSet.of(Call.SEND, Call.START_TLS, Call.AUTH, Call.RESET, Call.QUIT),
            ClientState.TLS_HANDSHAKE, EnumSet.of(Call.TLS_ESTABLISHED),
            ClientState.AUTH_CHALLENGE, EnumSet.of(Call.AUTH_RESPOND, Call.AUTH_CANCEL),
            ClientState.ENVELOPE, EnumSet.of(Call.RESET),
            // A transaction pipelined behind a probing RSET (the session checks PIPELINING).
            ClientState.RESET, EnumSet.of(Call.SEND),
            ClientState.CONTENT, EnumSet.of(Call.WRITE_DATA, Call.END_DATA),
            ClientState.MESSAGE_SENT, EnumSet.of(Call.QUIT));

    @Test
    @DisplayName("RFC 5321 §4.1.4: every (state, call) pair is allowed by the table or refused naming both")
    void everyStateAndCall() {
        for (ClientState state : ClientState.values()) {
            for (Call call : Call.values()) {
                boolean allowed = EXPECTED.getOrDefault(state, EnumSet.noneOf(Call.class)).contains(call);
                assertThat(ClientCalls.allows(state, call)).as("%s in %s", call, state).isEqualTo(allowed);
                if (allowed) {
                    assertThatCode(() -> ClientCalls.check(state, call)).doesNotThrowAnyException();
                } else {
                    assertThatThrownBy(() -> ClientCalls.check(state, call))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining(call.toString())
                            .hasMessageContaining("state " + state);
                }
            }
        }
    }

    @Test
    void nothingIsAllowedWhileWaitingForTheServerOrAfterTheEnd() {
        for (ClientState s : EnumSet.of(ClientState.GREETING, ClientState.HELLO, ClientState.STARTTLS, ClientState.AUTH,
                ClientState.QUIT, ClientState.CLOSED)) {
            for (Call c : Call.values()) {
                assertThat(ClientCalls.allows(s, c)).as("%s in %s", c, s).isFalse();
            }
        }
    }

    @Test
    void refusalNamesWhereTheCallIsAllowed() {
        assertThatThrownBy(() -> ClientCalls.check(ClientState.GREETING, Call.WRITE_DATA))
                .hasMessage("writeData(ByteBuffer) in state GREETING: allowed in [CONTENT]");
    }
}
