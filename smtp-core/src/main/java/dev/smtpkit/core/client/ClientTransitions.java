package dev.smtpkit.core.client;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every rule of the client session's state machine, as data, in two tables: which caller call is
 * allowed in which {@link Phase} and where it leads ({@link #CALLS}), and where a reply, or the
 * end of a transaction's replies, leads ({@link #TRIGGERS}). {@link ClientSession} decides which
 * call was made or which trigger happened; the phase it moves to is always read here.
 *
 * <p>A call outside its rows is misuse, an {@link IllegalStateException} naming the call and the
 * state (never a command the server would have to refuse with 503, RFC 5321 §4.1.4).
 */
final class ClientTransitions {

    /**
     * The one state of a client session. {@link ClientState} is what the caller sees; a phase
     * refines it where the calls allowed, or what a reply leads to, differ within one state.
     */
    enum Phase {
        GREETING(ClientState.GREETING, "waiting for the greeting"),
        HELLO(ClientState.HELLO, "EHLO, HELO or LHLO sent"),
        READY(ClientState.READY, "nothing outstanding"),
        STARTTLS(ClientState.STARTTLS, "STARTTLS sent"),
        TLS_HANDSHAKE(ClientState.TLS_HANDSHAKE, "the transport performs the TLS handshake"),
        AUTH(ClientState.AUTH, "AUTH or a SASL response sent"),
        AUTH_CHALLENGE(ClientState.AUTH_CHALLENGE, "a 334 challenge to answer"),
        /** MAIL and RCPT sent or still to send, DATA not yet: the transaction may be abandoned. */
        ENVELOPE(ClientState.ENVELOPE, "DATA not sent"),
        /** DATA sent, with the envelope when pipelined: there is no way back (RFC 2920 §3.1). */
        DATA_SENT(ClientState.ENVELOPE, "DATA sent"),
        /** 354 came though no recipient was accepted: a lone dot was sent (RFC 2920 §3.1). */
        LONE_DOT(ClientState.ENVELOPE, "lone dot sent"),
        /** RSET sent to clear a transaction that ended without content (RFC 5321 §4.1.1.5). */
        CLEANUP(ClientState.ENVELOPE, "RSET clearing a transaction without content"),
        CONTENT(ClientState.CONTENT, "the caller writes the content"),
        MESSAGE_SENT(ClientState.MESSAGE_SENT, "end of content sent"),
        /** A BDAT chunk was refused: RSET went out in place of the last chunk (RFC 3030 §2). */
        CHUNK_CLEANUP(ClientState.MESSAGE_SENT, "RSET in place of the last chunk"),
        /** RSET sent from READY to check the connection (RFC 5321 §4.1.1.5). */
        PROBE(ClientState.RESET, "RSET checking the connection"),
        /** The caller abandoned the transaction; without PIPELINING its RSET waits for the reply due. */
        ABANDON_DUE(ClientState.RESET, "RSET abandoning a transaction, waiting for the reply due"),
        /** RSET sent to abandon the transaction. */
        ABANDON(ClientState.RESET, "RSET abandoning a transaction"),
        QUIT(ClientState.QUIT, "QUIT sent"),
        CLOSED(ClientState.CLOSED, "the session is over");

        private final ClientState state;
        private final String description;

        Phase(ClientState state, String description) {
            this.state = state;
            this.description = description;
        }

        /** The state the caller sees. */
        ClientState state() {
            return state;
        }

        /** The state, and this phase where the state alone does not say it: "ENVELOPE (DATA sent)". */
        String describe() {
            return name().equals(state.name()) ? state.name() : state + " (" + description + ")";
        }
    }

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

    /** A condition a call's row may depend on, beyond the phase; the session says which hold. */
    enum Guard {
        /** No condition. */
        ALWAYS,
        /** PIPELINING offered and enabled (RFC 2920 §3). */
        PIPELINING,
        /** PIPELINING in use without BDAT, so DATA goes out with the envelope (RFC 2920 §3.1). */
        DATA_WITH_ENVELOPE,
        /** Without PIPELINING, a reply to the transaction's last command is still due (RFC 5321 §3.3). */
        REPLY_DUE,
        /** TLS is in force (RFC 3207 §4.2). */
        TLS,
        /** A BDAT chunk was refused (RFC 3030 §2). */
        CHUNK_REFUSED;

        boolean holds(Set<Guard> facts) {
            return this == ALWAYS || facts.contains(this);
        }
    }

    /**
     * One row of the call table: in phase {@code from}, {@code call} when {@code when} holds
     * leads to {@code to}, or, when {@code to} is empty, is refused because {@code why}.
     */
    record CallRow(Phase from, Call call, Guard when, Optional<Phase> to, String why) {
    }

    private static final String AFTER_ABANDON = "the RSET abandons a transaction; the next one waits for"
            + " its reply, even with PIPELINING (RFC 2920 §3.1)";

    /**
     * The call table. Rows for one phase and call are tried in order; the first whose guard holds
     * decides. A call with no row in a phase is refused, naming the states that allow it.
     */
    static final List<CallRow> CALLS = List.of(
            allow(Phase.READY, Call.SEND, Guard.DATA_WITH_ENVELOPE, Phase.DATA_SENT),
            allow(Phase.READY, Call.SEND, Guard.ALWAYS, Phase.ENVELOPE),
            refuse(Phase.READY, Call.START_TLS, Guard.TLS, "TLS is already in force (RFC 3207 §4.2)"),
            allow(Phase.READY, Call.START_TLS, Guard.ALWAYS, Phase.STARTTLS),
            allow(Phase.READY, Call.AUTH, Guard.ALWAYS, Phase.AUTH),
            allow(Phase.READY, Call.RESET, Guard.ALWAYS, Phase.PROBE),
            allow(Phase.READY, Call.QUIT, Guard.ALWAYS, Phase.QUIT),
            // RFC 3207 §4.2: after the handshake the client starts over with EHLO.
            allow(Phase.TLS_HANDSHAKE, Call.TLS_ESTABLISHED, Guard.ALWAYS, Phase.HELLO),
            allow(Phase.AUTH_CHALLENGE, Call.AUTH_RESPOND, Guard.ALWAYS, Phase.AUTH),
            allow(Phase.AUTH_CHALLENGE, Call.AUTH_CANCEL, Guard.ALWAYS, Phase.AUTH),
            // RSET abandons a transaction whose content has not begun; without PIPELINING it goes
            // out once the reply now due has come (one command at a time, RFC 5321 §3.3).
            allow(Phase.ENVELOPE, Call.RESET, Guard.REPLY_DUE, Phase.ABANDON_DUE),
            allow(Phase.ENVELOPE, Call.RESET, Guard.ALWAYS, Phase.ABANDON),
            refuse(Phase.DATA_SENT, Call.RESET, Guard.ALWAYS, "DATA was already sent; a transaction can be"
                    + " abandoned with RSET only before DATA (RFC 2920 §3.1)"),
            refuse(Phase.LONE_DOT, Call.RESET, Guard.ALWAYS, "DATA was already sent and the transaction is ending"),
            refuse(Phase.CLEANUP, Call.RESET, Guard.ALWAYS, "the transaction is ending with its own RSET"),
            // A transaction may be pipelined behind the RSET that checks a reused connection
            // (RFC 2920 §3.1 ends a group only at EHLO, DATA, VRFY, EXPN, TURN, QUIT and NOOP).
            allow(Phase.PROBE, Call.SEND, Guard.DATA_WITH_ENVELOPE, Phase.DATA_SENT),
            allow(Phase.PROBE, Call.SEND, Guard.PIPELINING, Phase.ENVELOPE),
            refuse(Phase.PROBE, Call.SEND, Guard.ALWAYS, "a transaction may follow RSET before its reply only"
                    + " when PIPELINING is in use (RFC 2920 §3.1)"),
            refuse(Phase.ABANDON_DUE, Call.SEND, Guard.ALWAYS, AFTER_ABANDON),
            refuse(Phase.ABANDON, Call.SEND, Guard.ALWAYS, AFTER_ABANDON),
            allow(Phase.CONTENT, Call.WRITE_DATA, Guard.ALWAYS, Phase.CONTENT),
            // RFC 3030 §2: after a refused chunk nothing more is sent but an RSET.
            allow(Phase.CONTENT, Call.END_DATA, Guard.CHUNK_REFUSED, Phase.CHUNK_CLEANUP),
            allow(Phase.CONTENT, Call.END_DATA, Guard.ALWAYS, Phase.MESSAGE_SENT),
            // RFC 2920 §3.1: QUIT may follow the end of the content in the same write, as the
            // last command of a group. BDAT is used only with PIPELINING, so CHUNK_CLEANUP needs
            // no refusal row.
            allow(Phase.MESSAGE_SENT, Call.QUIT, Guard.PIPELINING, Phase.QUIT),
            refuse(Phase.MESSAGE_SENT, Call.QUIT, Guard.ALWAYS, "without PIPELINING, QUIT waits for the reply"
                    + " to the end of data (RFC 2920 §3.1)"),
            allow(Phase.CHUNK_CLEANUP, Call.QUIT, Guard.PIPELINING, Phase.QUIT));

    /** What moves the session without a call: a reply, or what the session does after one. */
    enum Trigger {
        /** 220 (RFC 5321 §3.1): EHLO (or HELO, LHLO) goes out. */
        GREETED,
        /** The greeting was refused (RFC 5321 §3.1: 554): QUIT goes out. */
        GREETING_REFUSED,
        /** 2xx to the hello command (RFC 5321 §4.1.1.1). */
        HELLO_ACCEPTED,
        /** 5xx to EHLO: HELO goes out instead (RFC 5321 §3.2). */
        HELO_FALLBACK,
        /** The hello command refused for good: QUIT goes out. */
        HELLO_REFUSED,
        /** 220 to STARTTLS (RFC 3207 §4.2). */
        TLS_ACCEPTED,
        /** 4xx or 5xx to STARTTLS (RFC 3207 §4): the session goes on in plaintext. */
        TLS_REFUSED,
        /** The first 334 after an initial response too long for the AUTH line: it goes out now (RFC 4954 §4). */
        AUTH_DEFERRED_RESPONSE,
        /** A 334 challenge for the caller (RFC 4954 §4). */
        AUTH_CHALLENGED,
        /** 235, 4xx or 5xx to AUTH (RFC 4954 §4, §6). */
        AUTH_ENDED,
        /** 2xx to the RSET sent from READY (RFC 5321 §4.1.1.5). */
        PROBE_ACCEPTED,
        /** 2xx to the RSET abandoning a transaction (RFC 5321 §4.1.1.5). */
        ABANDON_ACCEPTED,
        /** The replies before the abandoning RSET came: it goes out now (RFC 5321 §3.3). */
        ABANDON_SENT,
        /** Without PIPELINING, MAIL and the RCPT before were answered: the next RCPT goes out (RFC 5321 §3.3). */
        RCPT_NEXT,
        /** Without PIPELINING, a recipient was accepted: DATA goes out (RFC 5321 §3.3, §4.1.1.4). */
        DATA_NEXT,
        /** 354 to DATA, or the envelope accepted for BDAT (RFC 5321 §4.1.1.4, RFC 3030 §2). */
        CONTENT_OPENED,
        /** 354 to pipelined DATA though no recipient was accepted: a lone dot goes out (RFC 2920 §3.1). */
        LONE_DOT_SENT,
        /** The transaction ended without content after MAIL was accepted: RSET clears it (RFC 5321 §4.1.1.5). */
        CLEANUP_SENT,
        /** Every reply of the transaction came: it is reported. */
        COMPLETED,
        /** The session ends: QUIT answered, 421 (RFC 5321 §3.8), a refused RSET, the end of input,
         *  a protocol error, or content that cannot be sent. */
        ENDED
    }

    /** For each trigger, the phases where it can happen and the phase each leads to. */
    static final Map<Trigger, Map<Phase, Phase>> TRIGGERS = new EnumMap<>(Trigger.class);

    static {
        on(Trigger.GREETED, Phase.GREETING, Phase.HELLO);
        on(Trigger.GREETING_REFUSED, Phase.GREETING, Phase.QUIT);
        on(Trigger.HELLO_ACCEPTED, Phase.HELLO, Phase.READY);
        on(Trigger.HELO_FALLBACK, Phase.HELLO, Phase.HELLO);
        on(Trigger.HELLO_REFUSED, Phase.HELLO, Phase.QUIT);
        on(Trigger.TLS_ACCEPTED, Phase.STARTTLS, Phase.TLS_HANDSHAKE);
        on(Trigger.TLS_REFUSED, Phase.STARTTLS, Phase.READY);
        on(Trigger.AUTH_DEFERRED_RESPONSE, Phase.AUTH, Phase.AUTH);
        on(Trigger.AUTH_CHALLENGED, Phase.AUTH, Phase.AUTH_CHALLENGE);
        on(Trigger.AUTH_ENDED, Phase.AUTH, Phase.READY);
        on(Trigger.PROBE_ACCEPTED, Phase.PROBE, Phase.READY);
        // A transaction pipelined behind the probe goes on from its own replies, which come after.
        on(Trigger.PROBE_ACCEPTED, Phase.ENVELOPE, Phase.ENVELOPE);
        on(Trigger.PROBE_ACCEPTED, Phase.DATA_SENT, Phase.DATA_SENT);
        on(Trigger.PROBE_ACCEPTED, Phase.ABANDON, Phase.ABANDON);
        on(Trigger.ABANDON_ACCEPTED, Phase.ABANDON, Phase.READY);
        on(Trigger.ABANDON_SENT, Phase.ABANDON_DUE, Phase.ABANDON);
        on(Trigger.RCPT_NEXT, Phase.ENVELOPE, Phase.ENVELOPE);
        on(Trigger.DATA_NEXT, Phase.ENVELOPE, Phase.DATA_SENT);
        on(Trigger.CONTENT_OPENED, Phase.ENVELOPE, Phase.CONTENT);
        on(Trigger.CONTENT_OPENED, Phase.DATA_SENT, Phase.CONTENT);
        on(Trigger.LONE_DOT_SENT, Phase.DATA_SENT, Phase.LONE_DOT);
        on(Trigger.CLEANUP_SENT, Phase.ENVELOPE, Phase.CLEANUP);
        on(Trigger.CLEANUP_SENT, Phase.DATA_SENT, Phase.CLEANUP);
        // MAIL refused, or DATA refused after MAIL was: nothing to clear.
        on(Trigger.COMPLETED, Phase.ENVELOPE, Phase.READY);
        on(Trigger.COMPLETED, Phase.DATA_SENT, Phase.READY);
        on(Trigger.COMPLETED, Phase.LONE_DOT, Phase.READY);
        on(Trigger.COMPLETED, Phase.CLEANUP, Phase.READY);
        on(Trigger.COMPLETED, Phase.MESSAGE_SENT, Phase.READY);
        on(Trigger.COMPLETED, Phase.CHUNK_CLEANUP, Phase.READY);
        // QUIT pipelined after the end of the content: the transaction's replies come first.
        on(Trigger.COMPLETED, Phase.QUIT, Phase.QUIT);
        for (Phase p : Phase.values()) {
            on(Trigger.ENDED, p, Phase.CLOSED);
        }
    }

    private ClientTransitions() {
    }

    private static CallRow allow(Phase from, Call call, Guard when, Phase to) {
        return new CallRow(from, call, when, Optional.of(to), "");
    }

    private static CallRow refuse(Phase from, Call call, Guard when, String why) {
        return new CallRow(from, call, when, Optional.empty(), why);
    }

    private static void on(Trigger trigger, Phase from, Phase to) {
        TRIGGERS.computeIfAbsent(trigger, t -> new EnumMap<>(Phase.class)).put(from, to);
    }

    /** The row that decides {@code call} in {@code phase} when {@code facts} hold, if any. */
    static Optional<CallRow> row(Phase phase, Call call, Set<Guard> facts) {
        for (CallRow r : CALLS) {
            if (r.from() == phase && r.call() == call && r.when().holds(facts)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The phase {@code call} leads to from {@code phase} when {@code facts} hold.
     *
     * @throws IllegalStateException naming the call, the state and why, if the call is refused
     */
    static Phase onCall(Phase phase, Call call, Set<Guard> facts) {
        Optional<CallRow> r = row(phase, call, facts);
        if (r.isEmpty()) {
            throw misuse(phase, call, "allowed in " + allowedStates(call));
        }
        return r.get().to().orElseThrow(() -> misuse(phase, call, r.get().why()));
    }

    /** The phase {@code trigger} leads to from {@code phase}. */
    static Phase onTrigger(Phase phase, Trigger trigger) {
        Phase to = TRIGGERS.get(trigger).get(phase);
        if (to == null) {
            // A bug in the session, not misuse by its caller nor a misbehaving server.
            throw new IllegalStateException("no transition on " + trigger + " from " + phase.describe());
        }
        return to;
    }

    private static IllegalStateException misuse(Phase phase, Call call, String why) {
        return new IllegalStateException(call + " in state " + phase.describe() + ": " + why);
    }

    /** The states with a row that allows {@code call}, in the order of {@link ClientState}. */
    private static Set<ClientState> allowedStates(Call call) {
        EnumSet<ClientState> states = EnumSet.noneOf(ClientState.class);
        for (CallRow r : CALLS) {
            if (r.call() == call && r.to().isPresent()) {
                states.add(r.from().state());
            }
        }
        return states;
    }
}
