package dev.smtpkit.core.server;

import static dev.smtpkit.core.server.ServerTransitions.Input.AUTH;
import static dev.smtpkit.core.server.ServerTransitions.Input.BDAT;
import static dev.smtpkit.core.server.ServerTransitions.Input.DATA;
import static dev.smtpkit.core.server.ServerTransitions.Input.EHLO;
import static dev.smtpkit.core.server.ServerTransitions.Input.EXPN;
import static dev.smtpkit.core.server.ServerTransitions.Input.HELO;
import static dev.smtpkit.core.server.ServerTransitions.Input.HELP;
import static dev.smtpkit.core.server.ServerTransitions.Input.LHLO;
import static dev.smtpkit.core.server.ServerTransitions.Input.MAIL;
import static dev.smtpkit.core.server.ServerTransitions.Input.NOOP;
import static dev.smtpkit.core.server.ServerTransitions.Input.QUIT;
import static dev.smtpkit.core.server.ServerTransitions.Input.RCPT;
import static dev.smtpkit.core.server.ServerTransitions.Input.RSET;
import static dev.smtpkit.core.server.ServerTransitions.Input.STARTTLS;
import static dev.smtpkit.core.server.ServerTransitions.Input.UNKNOWN;
import static dev.smtpkit.core.server.ServerTransitions.Input.VRFY;
import static dev.smtpkit.core.server.ServerTransitions.Input.XCLIENT;

import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The server's sequencing rules as data, in two tables that are the only place they live:
 * <ul>
 *   <li>{@link #COMMANDS}: (phase, command) to rows, tried in order; the first whose guard holds
 *       either refuses the command with its reply, leaving phase and transaction as they were
 *       (RFC 5321 §4.1.4: "the SMTP server MUST stay in the same state"), or lets the session
 *       perform it;</li>
 *   <li>{@link #MOVES}: (phase, event) to the next phase. {@link ServerSession} changes its phase
 *       only through this table.</li>
 * </ul>
 * Written to be read next to RFC 5321 §3.1, §3.3 and §4.1.4, RFC 3030 §2, RFC 3207 §4,
 * RFC 4954 §4 and RFC 2033 §4. What is decided elsewhere is not sequencing: syntax (500, 501,
 * checked before a row refuses a parsed command), parameters, limits and policy (530 for
 * {@link TlsPolicy#REQUIRED} or {@link ServerConfig#requireAuth()}), and the application's answers.
 */
final class ServerTransitions {

    /**
     * Where a session is: {@link ServerState}, with the sub-state it shows as {@code BDAT} made
     * explicit. In {@link #BDAT} a command line is read; in {@link #CHUNK} the octets of an
     * accepted chunk are (RFC 3030 §2).
     */
    enum Phase {
        GREETING(ServerState.GREETING),
        CONNECTED(ServerState.CONNECTED),
        REFUSED(ServerState.REFUSED),
        READY(ServerState.READY),
        /** MAIL accepted, no recipient yet. */
        MAIL(ServerState.MAIL),
        /** At least one recipient accepted. */
        RCPT(ServerState.RCPT),
        DATA(ServerState.DATA),
        /** A BDAT transaction between chunks: the next command is read. */
        BDAT(ServerState.BDAT),
        /** A BDAT transaction within an accepted chunk: its octets are read. */
        CHUNK(ServerState.BDAT),
        AUTH(ServerState.AUTH),
        STARTTLS(ServerState.STARTTLS),
        CLOSED(ServerState.CLOSED);

        final ServerState state;

        Phase(ServerState state) {
            this.state = state;
        }

        /** Whether a mail transaction is open (RFC 5321 §3.3: from an accepted MAIL to its end). */
        boolean inTransaction() {
            return this == MAIL || this == RCPT || this == DATA || this == BDAT || this == CHUNK;
        }
    }

    /**
     * A command line as the table sees it: one per {@link Verb}, Postfix's XCLIENT when the
     * transport offers it, and {@link #UNKNOWN} for everything else.
     */
    enum Input {
        HELO, EHLO, LHLO, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH,
        XCLIENT, UNKNOWN;

        /**
         * The input for {@code verb}. RFC 2033 §4.1: LMTP has LHLO instead of HELO and EHLO, so
         * those are unknown commands in LMTP, and LHLO is one in SMTP.
         */
        static Input of(Verb verb, ProtocolMode mode) {
            boolean lmtp = mode == ProtocolMode.LMTP;
            return switch (verb) {
                case HELO -> lmtp ? UNKNOWN : HELO;
                case EHLO -> lmtp ? UNKNOWN : EHLO;
                case LHLO -> lmtp ? LHLO : UNKNOWN;
                case MAIL -> MAIL;
                case RCPT -> RCPT;
                case DATA -> DATA;
                case BDAT -> BDAT;
                case RSET -> RSET;
                case NOOP -> NOOP;
                case QUIT -> QUIT;
                case VRFY -> VRFY;
                case EXPN -> EXPN;
                case HELP -> HELP;
                case STARTTLS -> STARTTLS;
                case AUTH -> AUTH;
                case UNKNOWN -> UNKNOWN;
            };
        }
    }

    /** What the guards read of a session. */
    interface Facts {
        /** LMTP rather than SMTP (RFC 2033). */
        boolean lmtp();

        /** STARTTLS is configured at all ({@link TlsPolicy} is not OFF). */
        boolean tlsConfigured();

        /** TLS is in force. */
        boolean tls();

        /**
         * AUTH can be used by this client: mechanisms are configured and it said EHLO or LHLO
         * (over plaintext it may still need TLS first, {@link #authNeedsTls()}).
         */
        boolean authAvailable();

        /** AUTH over plaintext is refused and TLS is not in force. */
        boolean authNeedsTls();

        /** An AUTH succeeded in this session. */
        boolean authenticated();

        /** CHUNKING was offered to this client (RFC 1869 §4: extensions only after EHLO or LHLO). */
        boolean chunkingOffered();

        /** The open transaction's MAIL declared BODY=BINARYMIME (RFC 3030 §3). */
        boolean binaryMime();
    }

    /** A condition a row depends on, beyond phase and command. */
    enum Guard implements Predicate<Facts> {
        ALWAYS(f -> true),
        LMTP(Facts::lmtp),
        TLS_NOT_CONFIGURED(f -> !f.tlsConfigured()),
        TLS_ACTIVE(Facts::tls),
        AUTH_NOT_AVAILABLE(f -> !f.authAvailable()),
        AUTH_NEEDS_TLS(Facts::authNeedsTls),
        AUTHENTICATED(Facts::authenticated),
        CHUNKING_NOT_OFFERED(f -> !f.chunkingOffered()),
        BINARY_MIME(Facts::binaryMime);

        private final Predicate<Facts> test;

        Guard(Predicate<Facts> test) {
            this.test = test;
        }

        @Override
        public boolean test(Facts facts) {
            return test.test(facts);
        }
    }

    /** How a row treats a command line. */
    enum Outcome {
        /** The session performs the command. */
        PERFORM,
        /**
         * As {@link #PERFORM}, and once the application accepts the command, the open transaction
         * ends as RSET would, before the reply; a refusal leaves it as it was.
         */
        PERFORM_RESETTING_IF_ACCEPTED,
        /** Refused with the row's reply once the line parsed (a BDAT's chunk is read first, RFC 3030 §2). */
        REFUSE,
        /** Refused with the row's reply whatever the line holds, even when it does not parse. */
        REFUSE_ANY_LINE
    }

    /**
     * One row: when {@code guard} holds, the command gets {@code outcome} ({@code reply} for a
     * refusal); {@code rule} cites where the rule comes from.
     */
    record Row(Guard guard, Outcome outcome, Reply reply, String rule) {
        Row {
            Objects.requireNonNull(guard, "guard");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(rule, "rule");
            if ((outcome == Outcome.REFUSE || outcome == Outcome.REFUSE_ANY_LINE) != (reply != null)) {
                throw new IllegalArgumentException("a refusing row, and only one, has a reply: " + outcome);
            }
        }

        boolean refuses() {
            return reply != null;
        }
    }

    /** What moves a session from one phase to another, besides a command being refused (which moves nothing). */
    enum Event {
        /** The application greeted with 220 (RFC 5321 §3.1). */
        GREETED,
        /** The application refused the connection with 554 (RFC 5321 §3.1). */
        GREETING_REFUSED,
        /** The application accepted HELO, EHLO or LHLO (RFC 5321 §4.1.1.1). */
        HELLO_ACCEPTED,
        /** The application accepted MAIL (RFC 5321 §4.1.1.2). */
        MAIL_ACCEPTED,
        /** The application accepted a RCPT (RFC 5321 §4.1.1.3). */
        RCPT_ACCEPTED,
        /** 354 was sent to DATA (RFC 5321 §4.1.1.4). */
        DATA_STARTED,
        /** A BDAT was accepted and its chunk is read (RFC 3030 §2). */
        CHUNK_STARTED,
        /** The chunk's last octet was read. */
        CHUNK_READ,
        /** The transaction ended: RSET, an accepted HELO, the message's reply, or the connection closing. */
        TRANSACTION_ENDED,
        /** AUTH started a SASL exchange (RFC 4954 §4). */
        AUTH_STARTED,
        /** The SASL exchange ended, in success, failure or cancellation (RFC 4954 §4). */
        AUTH_ENDED,
        /** 220 was sent to STARTTLS (RFC 3207 §4). */
        STARTTLS_ACCEPTED,
        /** The transport finished the TLS handshake (RFC 3207 §4.2). */
        TLS_ESTABLISHED,
        /** The application accepted XCLIENT with a new 220 greeting (XCLIENT_README). */
        XCLIENT_ACCEPTED,
        /** The session ended: QUIT, end of input, a 421, a timeout or a shutdown. */
        CLOSED
    }

    private static final Reply BAD_SEQUENCE = Replies.BAD_SEQUENCE;

    /** (phase, command) to its rows, first match wins; only phases in which a command line is read have rows. */
    private static final Map<Phase, Map<Input, List<Row>>> COMMANDS = new EnumMap<>(Phase.class);

    /** (phase, event) to the next phase. */
    private static final Map<Phase, Map<Event, Phase>> MOVES = new EnumMap<>(Phase.class);

    static {
        List<Phase> greeted = List.of(Phase.CONNECTED, Phase.READY, Phase.MAIL, Phase.RCPT, Phase.BDAT);
        for (Phase p : greeted) {
            // RFC 5321 §4.1.4: "The NOOP, HELP, EXPN, VRFY, and RSET commands can be used at any
            // time during a session, or without previously initializing a session"; QUIT ends
            // any session (§4.1.1.10).
            on(p, RSET, perform("RFC 5321 §4.1.4, §4.1.1.5"));
            on(p, NOOP, perform("RFC 5321 §4.1.4, §4.1.1.9"));
            on(p, VRFY, perform("RFC 5321 §4.1.4, §4.1.1.6"));
            on(p, EXPN, perform("RFC 5321 §4.1.4, §4.1.1.7"));
            on(p, HELP, perform("RFC 5321 §4.1.4, §4.1.1.8"));
            on(p, QUIT, perform("RFC 5321 §4.1.1.10"));
            // RFC 5321 §4.2.4: 500 for a command that is not recognized, in any phase.
            on(p, UNKNOWN, refuse(Replies.SYNTAX_ERROR, "RFC 5321 §4.2.4"));
        }
        for (Phase p : List.of(Phase.CONNECTED, Phase.READY)) {
            // RFC 5321 §4.1.4: a session is initialized by EHLO (or HELO), which may come again
            // later; RFC 2033 §4.1: LHLO in LMTP.
            for (Input hello : List.of(HELO, EHLO, LHLO)) {
                on(p, hello, perform("RFC 5321 §4.1.4; RFC 2033 §4.1"));
            }
            on(p, STARTTLS,
                    refuseIf(Guard.TLS_NOT_CONFIGURED, Replies.NOT_IMPLEMENTED, "RFC 3207 §4: not offered, RFC 5321 §4.2.4"),
                    // RFC 3207 §4: "A client MUST NOT attempt to start a TLS session if a TLS
                    // session is already active."
                    refuseIf(Guard.TLS_ACTIVE, BAD_SEQUENCE, "RFC 3207 §4"),
                    perform("RFC 3207 §4"));
            // XCLIENT_README: it "may be sent at any time, except in the middle of a mail delivery
            // transaction" (Postfix answers 503 5.5.1 within one, the default row).
            on(p, XCLIENT, perform("XCLIENT_README"));
        }
        // Before any HELO: MAIL, RCPT, DATA, BDAT and AUTH are out of sequence (the default row).
        // RFC 5321 §4.1.4: "a client MUST issue HELO or EHLO before starting a mail transaction";
        // RFC 4954 §3: AUTH is an extension, offered only in the reply to EHLO.

        // Identified, no transaction open.
        on(Phase.READY, MAIL, perform("RFC 5321 §3.3, §4.1.1.2"));
        on(Phase.READY, AUTH,
                refuseIf(Guard.AUTH_NOT_AVAILABLE, Replies.NOT_IMPLEMENTED, "RFC 4954 §3: not offered, RFC 5321 §4.2.4"),
                refuseIf(Guard.AUTH_NEEDS_TLS, Replies.ENCRYPTION_REQUIRED_FOR_AUTH, "RFC 4954 §6: 538"),
                // RFC 4954 §4: "After a successful AUTH command completes, a server MUST reject
                // any further AUTH commands with a 503 reply."
                refuseIf(Guard.AUTHENTICATED, Replies.AUTH_ALREADY_DONE, "RFC 4954 §4"),
                perform("RFC 4954 §4"));
        // RCPT, DATA and BDAT need an open transaction (RFC 5321 §3.3, RFC 3030 §2): the default row.

        for (Phase p : List.of(Phase.MAIL, Phase.RCPT, Phase.BDAT)) {
            // RFC 5321 §4.1.4: an EHLO "issued after the session begins" resets the state "exactly
            // as if a RSET command had been issued" if "the EHLO command is acceptable to the SMTP
            // server" (HELO likewise; LHLO is LMTP's EHLO, RFC 2033 §4.1). So the application
            // decides with the transaction still open: accepted, it is reset before the 250;
            // refused, it stays, and the client may go on with it (another RCPT, the next chunk).
            // The one exception is the transport's: between BDAT chunks, once it handed the
            // message's content to the application, it may end the transaction before asking
            // (ServerSession.resetBeforeHello), since the application cannot be asked about the
            // name while it still reads the message; SmtpServer does so.
            for (Input hello : List.of(HELO, EHLO, LHLO)) {
                on(p, hello, performResettingIfAccepted("RFC 5321 §4.1.4; RFC 2033 §4.1"));
            }
            // Out of sequence within a transaction, the default row: MAIL ("MUST NOT be sent if a
            // mail transaction is already open", RFC 5321 §4.1.4), AUTH ("not permitted during a
            // mail transaction", RFC 4954 §4), STARTTLS and XCLIENT (only between transactions).
        }
        on(Phase.MAIL, RCPT, perform("RFC 5321 §3.3, §4.1.1.3"));
        // RFC 5321 §3.3: DATA without an accepted recipient may get 503 or 554; RFC 2033 §4.2
        // makes it 503 in LMTP. BDAT is DATA's alternative (RFC 3030 §2) and is answered alike.
        for (Input message : List.of(DATA, BDAT)) {
            on(Phase.MAIL, message,
                    refuseIf(Guard.LMTP, BAD_SEQUENCE, "RFC 2033 §4.2"),
                    refuse(Replies.NO_VALID_RECIPIENTS, "RFC 5321 §3.3"));
        }

        on(Phase.RCPT, RCPT, perform("RFC 5321 §3.3, §4.1.1.3"));
        on(Phase.RCPT, DATA,
                // RFC 3030 §3: a BODY=BINARYMIME message must be sent with BDAT.
                refuseIf(Guard.BINARY_MIME, BAD_SEQUENCE, "RFC 3030 §3"),
                perform("RFC 5321 §3.3, §4.1.1.4"));
        for (Phase p : List.of(Phase.RCPT, Phase.BDAT)) {
            on(p, BDAT,
                    refuseIf(Guard.CHUNKING_NOT_OFFERED, Replies.NOT_IMPLEMENTED, "RFC 3030 §2: CHUNKING not offered, RFC 5321 §4.2.4"),
                    perform("RFC 3030 §2"));
        }
        // Between chunks, only further chunks (and the anytime commands): RFC 3030 §2, "If a DATA
        // statement is issued after a BDAT for the current transaction, a 503 ... MUST be
        // issued"; MAIL and RCPT are out of sequence as well (the default row). After BDAT LAST
        // the transaction has ended, so a further BDAT meets READY's default row, 503 (RFC 3030 §2).

        // RFC 5321 §3.1: after a 554 greeting the server MUST wait for QUIT, "answering any
        // intervening commands with 503", unrecognized and malformed ones included.
        on(Phase.REFUSED, QUIT, perform("RFC 5321 §3.1"));
        // A BDAT's chunk follows it whatever the reply (RFC 3030 §2), so its size must be parsed.
        on(Phase.REFUSED, BDAT, refuse(BAD_SEQUENCE, "RFC 5321 §3.1; RFC 3030 §2"));
        for (Input input : Input.values()) {
            COMMANDS.get(Phase.REFUSED).putIfAbsent(input,
                    List.of(new Row(Guard.ALWAYS, Outcome.REFUSE_ANY_LINE, BAD_SEQUENCE, "RFC 5321 §3.1")));
        }
        // Every other command in a phase that reads commands is out of sequence: RFC 5321 §4.1.4,
        // "If the commands in a transaction are out of order ... a 503 failure reply MUST be
        // returned and the SMTP server MUST stay in the same state."
        for (Phase p : greeted) {
            for (Input input : Input.values()) {
                COMMANDS.get(p).putIfAbsent(input, List.of(refuse(BAD_SEQUENCE, "RFC 5321 §4.1.4")));
            }
        }

        // (phase, event) -> next phase.
        move(Phase.GREETING, Event.GREETED, Phase.CONNECTED);                       // RFC 5321 §3.1
        move(Phase.GREETING, Event.GREETING_REFUSED, Phase.REFUSED);                // RFC 5321 §3.1
        move(Phase.CONNECTED, Event.HELLO_ACCEPTED, Phase.READY);                   // RFC 5321 §4.1.1.1
        move(Phase.READY, Event.HELLO_ACCEPTED, Phase.READY);                       // RFC 5321 §4.1.4
        move(Phase.READY, Event.MAIL_ACCEPTED, Phase.MAIL);                         // RFC 5321 §4.1.1.2
        move(Phase.MAIL, Event.RCPT_ACCEPTED, Phase.RCPT);                          // RFC 5321 §4.1.1.3
        move(Phase.RCPT, Event.RCPT_ACCEPTED, Phase.RCPT);                          // RFC 5321 §4.1.1.3
        move(Phase.RCPT, Event.DATA_STARTED, Phase.DATA);                           // RFC 5321 §4.1.1.4
        move(Phase.RCPT, Event.CHUNK_STARTED, Phase.CHUNK);                         // RFC 3030 §2
        move(Phase.BDAT, Event.CHUNK_STARTED, Phase.CHUNK);                         // RFC 3030 §2
        move(Phase.CHUNK, Event.CHUNK_READ, Phase.BDAT);                            // RFC 3030 §2
        for (Phase p : List.of(Phase.MAIL, Phase.RCPT, Phase.DATA, Phase.BDAT, Phase.CHUNK)) {
            move(p, Event.TRANSACTION_ENDED, Phase.READY);                          // RFC 5321 §3.3, §4.1.1.5
        }
        move(Phase.READY, Event.AUTH_STARTED, Phase.AUTH);                          // RFC 4954 §4
        move(Phase.AUTH, Event.AUTH_ENDED, Phase.READY);                            // RFC 4954 §4
        move(Phase.CONNECTED, Event.STARTTLS_ACCEPTED, Phase.STARTTLS);             // RFC 3207 §4
        move(Phase.READY, Event.STARTTLS_ACCEPTED, Phase.STARTTLS);                 // RFC 3207 §4
        move(Phase.STARTTLS, Event.TLS_ESTABLISHED, Phase.CONNECTED);               // RFC 3207 §4.2
        move(Phase.CONNECTED, Event.XCLIENT_ACCEPTED, Phase.CONNECTED);             // XCLIENT_README
        move(Phase.READY, Event.XCLIENT_ACCEPTED, Phase.CONNECTED);                 // XCLIENT_README
        for (Phase p : Phase.values()) {
            if (p != Phase.CLOSED) {
                move(p, Event.CLOSED, Phase.CLOSED);                                // RFC 5321 §3.8, §4.1.1.10
            }
        }
    }

    private ServerTransitions() {
    }

    private static void on(Phase phase, Input input, Row... rows) {
        Row last = rows[rows.length - 1];
        if (last.guard() != Guard.ALWAYS) {
            throw new IllegalStateException("the last row for " + phase + " " + input + " must be unconditional");
        }
        List<Row> previous = COMMANDS.computeIfAbsent(phase, p -> new EnumMap<>(Input.class)).put(input, List.of(rows));
        if (previous != null) {
            throw new IllegalStateException("two entries for " + phase + " " + input);
        }
    }

    private static Row perform(String rule) {
        return new Row(Guard.ALWAYS, Outcome.PERFORM, null, rule);
    }

    private static Row performResettingIfAccepted(String rule) {
        return new Row(Guard.ALWAYS, Outcome.PERFORM_RESETTING_IF_ACCEPTED, null, rule);
    }

    private static Row refuse(Reply reply, String rule) {
        return new Row(Guard.ALWAYS, Outcome.REFUSE, reply, rule);
    }

    private static Row refuseIf(Guard guard, Reply reply, String rule) {
        return new Row(guard, Outcome.REFUSE, reply, rule);
    }

    private static void move(Phase from, Event event, Phase to) {
        MOVES.computeIfAbsent(from, p -> new EnumMap<>(Event.class)).put(event, to);
    }

    /**
     * The row that decides {@code input} in {@code phase}.
     *
     * @throws IllegalStateException when no command line is read in {@code phase}
     */
    static Row command(Phase phase, Input input, Facts facts) {
        Map<Input, List<Row>> rows = COMMANDS.get(phase);
        if (rows == null) {
            throw new IllegalStateException("no command is read in phase " + phase);
        }
        for (Row row : rows.get(input)) {
            if (row.guard().test(facts)) {
                return row;
            }
        }
        throw new AssertionError("every entry ends with an unconditional row");
    }

    /**
     * The phase {@code event} leads to from {@code phase}.
     *
     * @throws IllegalStateException when the table has no such move: a bug in the session
     */
    static Phase next(Phase phase, Event event) {
        Phase to = MOVES.getOrDefault(phase, Map.of()).get(event);
        if (to == null) {
            throw new IllegalStateException("no move from " + phase + " on " + event);
        }
        return to;
    }
}
