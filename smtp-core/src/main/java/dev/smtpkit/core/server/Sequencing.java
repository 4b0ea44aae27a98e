package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;

/**
 * Which verb may come in which state (RFC 5321 §4.1.4, §3.3, §4.1.1; RFC 3030 §2; RFC 3207;
 * RFC 4954 §4), as one table. A verb not in a state's row is out of sequence: 503 5.5.1, except
 * DATA and BDAT after MAIL with no accepted recipient, which get 554 5.5.1 in SMTP (§3.3) and
 * 503 5.5.1 in LMTP (RFC 2033 §4.2).
 */
final class Sequencing {

    /** Verbs that are fine whenever a command may come (§4.1.4: RSET, NOOP, QUIT, VRFY, EXPN, HELP). */
    private static final EnumSet<Verb> ANYTIME = EnumSet.of(
            Verb.RSET, Verb.NOOP, Verb.QUIT, Verb.VRFY, Verb.EXPN, Verb.HELP);

    private static final Map<ServerState, EnumSet<Verb>> ALLOWED = new EnumMap<>(ServerState.class);

    static {
        ALLOWED.put(ServerState.CONNECTED, with(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.STARTTLS));
        ALLOWED.put(ServerState.READY, with(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.STARTTLS, Verb.AUTH, Verb.MAIL));
        ALLOWED.put(ServerState.MAIL, with(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.RCPT));
        ALLOWED.put(ServerState.RCPT, with(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.RCPT, Verb.DATA, Verb.BDAT));
        // RFC 3030 §2: within a BDAT transaction only further BDAT chunks (and the verbs that
        // are fine anytime, RSET among them) may come; DATA, MAIL and RCPT are out of sequence.
        ALLOWED.put(ServerState.BDAT, with(Verb.HELO, Verb.EHLO, Verb.LHLO, Verb.BDAT));
        // RFC 5321 §3.1: after a 554 greeting, everything but QUIT gets 503.
        ALLOWED.put(ServerState.REFUSED, EnumSet.of(Verb.QUIT));
    }

    private Sequencing() {
    }

    private static EnumSet<Verb> with(Verb... verbs) {
        EnumSet<Verb> set = EnumSet.copyOf(ANYTIME);
        set.addAll(java.util.List.of(verbs));
        return set;
    }

    /**
     * Returns the reply refusing {@code verb} in {@code state} of a session speaking
     * {@code mode}, or empty when it is allowed. Only states in which a command line is read
     * have a row.
     */
    static Optional<Reply> refusal(ServerState state, Verb verb, ProtocolMode mode) {
        EnumSet<Verb> allowed = ALLOWED.get(state);
        if (allowed == null) {
            throw new IllegalStateException("no command is read in state " + state);
        }
        if (allowed.contains(verb)) {
            return Optional.empty();
        }
        if (state == ServerState.MAIL && (verb == Verb.DATA || verb == Verb.BDAT)) {
            // RFC 5321 §3.3 allows 503 or 554 here; RFC 2033 §4.2 makes it 503 for LMTP.
            return Optional.of(mode == ProtocolMode.LMTP ? Replies.BAD_SEQUENCE : Replies.NO_VALID_RECIPIENTS);
        }
        return Optional.of(Replies.BAD_SEQUENCE);
    }

    /**
     * Returns the reply refusing Postfix's XCLIENT in {@code state}, or empty when it is allowed:
     * outside a mail transaction only (XCLIENT_README; Postfix answers 503 5.5.1 within one).
     * XCLIENT has no {@link Verb}, since a session knows it only when a transport offers it.
     */
    static Optional<Reply> xclientRefusal(ServerState state) {
        return state == ServerState.CONNECTED || state == ServerState.READY
                ? Optional.empty() : Optional.of(Replies.BAD_SEQUENCE);
    }

    /** Whether a command line is read in this state (so that {@link #refusal} applies). */
    static boolean readsCommands(ServerState state) {
        return ALLOWED.containsKey(state);
    }
}
