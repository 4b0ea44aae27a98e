package dev.smtpkit.core.client;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;

/**
 * Which caller call is allowed in which {@link ClientState}, as one table: a call outside its
 * row is misuse, an {@link IllegalStateException} naming the call and the state (never a
 * command the server would have to refuse with 503, RFC 5321 §4.1.4).
 */
final class ClientCalls {

    /** The calls of {@link ClientSession} that drive the protocol. */
    enum Call {
        SEND("send(Envelope)"),
        START_TLS("startTls()"),
        TLS_ESTABLISHED("tlsEstablished()"),
        AUTH("auth(String, Optional)"),
        AUTH_RESPOND("authRespond(String)"),
        AUTH_CANCEL("authCancel()"),
        WRITE_DATA("writeData(ByteBuffer)"),
        END_DATA("endData()"),
        RESET("reset()"),
        QUIT("quit()");

        private final String signature;

        Call(String signature) {
            this.signature = signature;
        }

        @Override
        public String toString() {
            return signature;
        }
    }

    private static final Map<ClientState, EnumSet<Call>> ALLOWED = new EnumMap<>(ClientState.class);

    static {
        for (ClientState s : ClientState.values()) {
            ALLOWED.put(s, EnumSet.noneOf(Call.class));
        }
        ALLOWED.put(ClientState.READY, EnumSet.of(Call.SEND, Call.START_TLS, Call.AUTH, Call.RESET, Call.QUIT));
        ALLOWED.put(ClientState.TLS_HANDSHAKE, EnumSet.of(Call.TLS_ESTABLISHED));
        ALLOWED.put(ClientState.AUTH_CHALLENGE, EnumSet.of(Call.AUTH_RESPOND, Call.AUTH_CANCEL));
        // RESET in ENVELOPE abandons a transaction whose content has not begun; the session
        // checks that DATA is not already in flight (RFC 2920 §3.1 leaves no way back then).
        ALLOWED.put(ClientState.ENVELOPE, EnumSet.of(Call.RESET));
        // SEND in RESET pipelines a transaction behind the RSET that checks a reused connection;
        // the session checks that pipelining is in use and that the RSET abandoned nothing.
        ALLOWED.put(ClientState.RESET, EnumSet.of(Call.SEND));
        ALLOWED.put(ClientState.CONTENT, EnumSet.of(Call.WRITE_DATA, Call.END_DATA));
        // QUIT may follow the end of the content in the same write when pipelining (RFC 2920
        // §3.1: QUIT ends a group); the session checks that pipelining is in use.
        ALLOWED.put(ClientState.MESSAGE_SENT, EnumSet.of(Call.QUIT));
    }

    private ClientCalls() {
    }

    /** Throws unless {@code call} is allowed in {@code state}. */
    static void check(ClientState state, Call call) {
        if (!ALLOWED.get(state).contains(call)) {
            throw misuse(state, call, "allowed in " + allowedStates(call));
        }
    }

    /** Whether {@code call} is allowed in {@code state}. */
    static boolean allows(ClientState state, Call call) {
        return ALLOWED.get(state).contains(call);
    }

    static IllegalStateException misuse(ClientState state, Call call, String why) {
        return new IllegalStateException(call + " in state " + state + ": " + why);
    }

    private static EnumSet<ClientState> allowedStates(Call call) {
        EnumSet<ClientState> states = EnumSet.noneOf(ClientState.class);
        ALLOWED.forEach((s, calls) -> {
            if (calls.contains(call)) {
                states.add(s);
            }
        });
        return states;
    }
}
