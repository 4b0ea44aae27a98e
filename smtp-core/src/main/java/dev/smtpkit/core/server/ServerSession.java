package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Command;
import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Extensions;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpSyntaxException;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.Verb;
import dev.smtpkit.core.internal.BdatDecoder;
import dev.smtpkit.core.internal.DataDecoder;
import dev.smtpkit.core.internal.DecodeStatus;
import dev.smtpkit.core.internal.LineDecoder;
import dev.smtpkit.core.internal.LineEndingPolicy;
import dev.smtpkit.core.server.ServerEvent.AuthStep;
import dev.smtpkit.core.server.ServerEvent.Connected;
import dev.smtpkit.core.server.ServerEvent.DataRequested;
import dev.smtpkit.core.server.ServerEvent.Decision;
import dev.smtpkit.core.server.ServerEvent.Hello;
import dev.smtpkit.core.server.ServerEvent.MailFrom;
import dev.smtpkit.core.server.ServerEvent.MessageEnd;
import dev.smtpkit.core.server.ServerEvent.RcptTo;
import dev.smtpkit.core.server.ServerEvent.ResetCause;
import dev.smtpkit.core.server.ServerEvent.XclientRequested;
import dev.smtpkit.core.server.ServerTransitions.Event;
import dev.smtpkit.core.server.ServerTransitions.Input;
import dev.smtpkit.core.server.ServerTransitions.Phase;
import dev.smtpkit.core.server.ServerTransitions.Row;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The server side of one SMTP (RFC 5321) or LMTP (RFC 2033) connection, without I/O.
 *
 * <p>A transport feeds it bytes as they arrive ({@link #receive(ByteBuffer)}, any split), takes
 * events until {@link ServerEvent.NeedInput} ({@link #nextEvent()}), answers the decisions
 * among them ({@link #accept()}, {@link #decide(Reply)}), and writes {@link #takeOutput()}.
 * The session decides everything that follows from the protocol: syntax (501, 500), order
 * (503, §4.1.4), RSET and NOOP (250, §4.1.1.5, §4.1.1.9), the EHLO table, limits, pipelining
 * order (RFC 2920), dot-stuffing, STARTTLS's discarding of pipelined plaintext
 * (RFC 3207 §4.2, CVE-2011-0411). It asks the application only about the greeting, the client's
 * name, the sender, each recipient, each message, each AUTH step and (when offered) each
 * XCLIENT, and it never sends the 250 for a message before the application has accepted it.
 *
 * <p>Order is data: every command's fate in every state (performed, or refused with which
 * reply, RFC 5321 §3.1, §3.3, §4.1.4; RFC 3030 §2; RFC 3207 §4; RFC 4954 §4; RFC 2033 §4.2) and
 * every change of {@link #state()} is a row of the package-private {@code ServerTransitions}
 * table; this class applies the rows and never decides order itself.
 *
 * <p>A session is not thread-safe: a transport calls it from one thread at a time (a decision
 * may be given from another thread if the calls are ordered, for example under a lock).
 */
public final class ServerSession {

    /** What a transport logs: every line in and every reply out, with AUTH secrets redacted. */
    public interface Observer {
        /** A command line (or SASL response) received; AUTH data is replaced by {@code <redacted>}. */
        default void received(String line) {
        }

        /** A reply queued for the client. */
        default void sent(Reply reply) {
        }
    }

    private static final ServerEvent.NeedInput NEED_INPUT = new ServerEvent.NeedInput();
    /**
     * The buffer message content is decoded into starts at {@link #FIRST_DATA_CHUNK} and doubles
     * each time a decode fills it, up to {@link #DATA_CHUNK}: a session that takes one small
     * message (a new connection per message is common) allocates 2 KiB instead of 32, which was
     * half of what such a connection allocated in all.
     */
    private static final int DATA_CHUNK = 32 * 1024;
    private static final int FIRST_DATA_CHUNK = 2 * 1024;
    private static final String REDACTED = Printable.REDACTED;
    /**
     * How much longer than {@code Limits.maxCommandLine} a MAIL line may be when AUTH is offered:
     * RFC 4954 §3 extends it by 500 octets for the AUTH parameter.
     */
    static final int MAIL_AUTH_PARAMETER_ROOM = 500;

    private final ServerConfig config;
    private final Limits limits;
    /** The refusal of a data line over {@link Limits#maxTextLine()}, naming that limit. */
    private final Reply textLineTooLong;
    private final LineDecoder lines;
    private final DataDecoder data;
    private final BdatDecoder chunks = new BdatDecoder();
    private final ArrayDeque<ServerEvent> events = new ArrayDeque<>();
    private Observer observer = new Observer() { };

    /** Changed only by {@link #moveTo}, through {@link ServerTransitions}' table. */
    private Phase phase = Phase.GREETING;
    private Decision pending;

    private ByteBuffer in = ByteBuffer.allocate(1024).flip();
    private byte[] out = new byte[512];
    private int outLength;
    /** The last replies sent and their octets (see {@link #encoded}); the bytes are never handed out. */
    private static final int ENCODED_CACHE = 4;
    private final Reply[] encodedReplies = new Reply[ENCODED_CACHE];
    private final byte[][] encodedBytes = new byte[ENCODED_CACHE][];
    private int encodedNext;
    private ByteBuffer dataChunk;
    private boolean endOfInput;
    /** The line decoder holds the start of a line, whose length limit was chosen when it began. */
    private boolean midLine;
    private boolean shuttingDown;
    private Reply shutdownReply = Replies.SHUTTING_DOWN;

    private String helloDomain = "";
    private boolean extended;
    private boolean tls;
    private String authIdentity;
    private String authMechanism;
    private int authStep;
    private int authFailures;
    private int badCommands;
    /** NOOP, RSET, VRFY, EXPN and HELP since the last message accepted (Limits.maxJunkCommands). */
    private int junkCommands;
    /** The attributes advertised with XCLIENT to this client, or null when it may not use XCLIENT. */
    private List<String> xclientAttributes;

    private ReversePath sender;
    private Parameters mailParameters;
    private final List<Envelope.Recipient> recipients = new ArrayList<>();
    /**
     * A MessageStart was reported and neither its MessageEnd nor a MessageAborted yet: the
     * application is told exactly once how each message ends.
     */
    private boolean messageOpen;
    private long messageSize;
    /** Set when the message's data is being read only to be thrown away, with the reply due at its end. */
    private Reply dataRefusal;
    /** The accepted BDAT whose chunk is read in {@link Phase#CHUNK}. */
    private Command.Bdat chunk;
    /**
     * A refused BDAT whose chunk is being read and dropped, with the reply due after it. It is
     * framing, not a phase: the refusal leaves the phase as it was (RFC 5321 §4.1.4), but the
     * chunk follows the command whatever the reply (RFC 3030 §2), so its octets must not be read
     * as commands.
     */
    private DroppedChunk dropped;
    /** The BDAT whose {@link DataRequested} is pending: its chunk is read once that is decided. */
    private Command.Bdat requestedChunk;
    /**
     * The pending {@link Hello} came within a transaction, which ends if it is accepted
     * (RFC 5321 §4.1.4: "if ... the EHLO command is acceptable"), and stays if it is refused.
     */
    private boolean helloResets;

    /** A refused BDAT's chunk; {@code countsAsError} when the refusal is the session's (a command error). */
    private record DroppedChunk(Reply reply, boolean countsAsError) {
    }

    /** What the table's guards read of this session. */
    private final ServerTransitions.Facts facts = new ServerTransitions.Facts() {
        @Override
        public boolean lmtp() {
            return config.mode() == ProtocolMode.LMTP;
        }

        @Override
        public boolean tlsConfigured() {
            return config.tlsPolicy() != TlsPolicy.OFF;
        }

        @Override
        public boolean tls() {
            return tls;
        }

        @Override
        public boolean authAvailable() {
            return extended && !config.authMechanisms().isEmpty();
        }

        @Override
        public boolean authNeedsTls() {
            return !tls && !config.allowAuthWithoutTls();
        }

        @Override
        public boolean authenticated() {
            return authIdentity != null;
        }

        @Override
        public boolean chunkingOffered() {
            return offered(ServerExtension.CHUNKING);
        }

        @Override
        public boolean binaryMime() {
            return mailParameters != null && mailParameters.body().filter(b -> b == Parameters.Body.BINARY_MIME).isPresent();
        }
    };

    /** A session with the given configuration; its first event is {@link Connected}. */
    public ServerSession(ServerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.limits = config.limits();
        this.lines = new LineDecoder(limits.maxCommandLine(),
                config.parseMode() == ParseMode.LENIENT ? LineEndingPolicy.CRLF_OR_LF : LineEndingPolicy.CRLF_ONLY);
        this.data = new DataDecoder(limits.maxTextLine(), config.rejectBareLineEndings(), config.rejectLongLines());
        this.textLineTooLong = limits.maxTextLine() == Limits.DEFAULTS.maxTextLine() ? Replies.TEXT_LINE_TOO_LONG
                : Reply.of(550, EnhancedStatus.of(5, 5, 6), "Message line exceeds " + limits.maxTextLine() + " octets");
    }

    /** Sets who sees each line in and reply out (a transport's wire transcript). */
    public void observer(Observer observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    // ---------------------------------------------------------------- input and output

    /**
     * Feeds bytes received from the client; they are copied. Input in the STARTTLS state is
     * plaintext sent after STARTTLS and is discarded (RFC 3207 §4.2, CVE-2011-0411); input after
     * the session closed is ignored.
     */
    public void receive(ByteBuffer bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (endOfInput) {
            throw new IllegalStateException("receive() after receiveEndOfInput() in state " + state());
        }
        if (phase == Phase.STARTTLS || phase == Phase.CLOSED) {
            bytes.position(bytes.limit());
            return;
        }
        int n = bytes.remaining();
        in.compact();
        if (in.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(in.capacity() * 2, in.position() + n));
            in.flip();
            bigger.put(in);
            in = bigger;
        }
        in.put(bytes);
        in.flip();
    }

    /** Feeds bytes received from the client; see {@link #receive(ByteBuffer)}. */
    public void receive(byte[] bytes, int offset, int length) {
        receive(ByteBuffer.wrap(bytes, offset, length));
    }

    /** Says that the client closed its side; treated as QUIT without a reply (RFC 5321 §3.8). */
    public void receiveEndOfInput() {
        endOfInput = true;
    }

    /** Octets received but not yet processed: a transport stops reading while this is large. */
    public int bufferedInput() {
        return in.remaining();
    }

    /** Whether there are bytes to write to the client. */
    public boolean hasOutput() {
        return outLength > 0;
    }

    /** Returns the bytes to write to the client and forgets them. */
    public byte[] takeOutput() {
        byte[] result = Arrays.copyOf(out, outLength);
        outLength = 0;
        return result;
    }

    // ---------------------------------------------------------------- state

    /** The current state. */
    public ServerState state() {
        return phase.state;
    }

    /** The configuration. */
    public ServerConfig config() {
        return config;
    }

    /** The name the client gave in HELO, EHLO or LHLO; empty before one was accepted. */
    public String helloDomain() {
        return helloDomain;
    }

    /** Whether TLS is in force (STARTTLS done, or implicit TLS). */
    public boolean isTls() {
        return tls;
    }

    /** The identity of a successful AUTH (RFC 4954), if any. */
    public Optional<String> authenticatedIdentity() {
        return Optional.ofNullable(authIdentity);
    }

    /** The envelope of the open transaction, if one is open. */
    public Optional<Envelope> envelope() {
        return phase.inTransaction() ? Optional.of(currentEnvelope()) : Optional.empty();
    }

    /** The decision the session waits for, if any. */
    public Optional<Decision> pendingDecision() {
        return Optional.ofNullable(pending);
    }

    /**
     * Which RFC 5321 §4.5.3.2 timeout applies now, or empty when the session is not waiting for
     * the client (a decision is pending, a TLS handshake is due, or it is closed).
     */
    public Optional<Timeout> timeout() {
        if (pending != null || phase == Phase.CLOSED || phase == Phase.STARTTLS || phase == Phase.GREETING) {
            return Optional.empty();
        }
        if (phase == Phase.DATA || phase == Phase.CHUNK || dropped != null) {
            return Optional.of(Timeout.DATA_BLOCK);
        }
        return Optional.of(Timeout.SERVER_COMMAND);
    }

    // ---------------------------------------------------------------- transport signals

    /**
     * Says that TLS is now in force: after the handshake that followed {@link ServerEvent.StartTls}
     * (the session starts over and the client must say EHLO again, RFC 3207 §4.2), or before the
     * first event for implicit TLS (RFC 8314).
     */
    public void tlsEstablished() {
        if (phase == Phase.GREETING && pending == null) {
            tls = true;
            return;
        }
        if (phase != Phase.STARTTLS) {
            throw new IllegalStateException("tlsEstablished() in state " + state() + "; expected STARTTLS or GREETING");
        }
        tls = true;
        helloDomain = "";
        extended = false;
        authIdentity = null;
        in.position(in.limit());
        moveTo(Event.TLS_ESTABLISHED);
    }

    /**
     * Lets this client use Postfix's XCLIENT (XCLIENT_README): EHLO lists {@code XCLIENT} with
     * these attribute names from then on, and an XCLIENT command is reported as
     * {@link XclientRequested}. A transport calls this only for clients it trusts to speak for
     * others; for everyone else XCLIENT stays an unknown command (500), as on a server without it.
     *
     * @param attributes the attribute names the transport reads, such as {@code NAME ADDR}
     */
    public void offerXclient(List<String> attributes) {
        Objects.requireNonNull(attributes, "attributes");
        if (phase == Phase.CLOSED) {
            throw new IllegalStateException("offerXclient() in state CLOSED");
        }
        xclientAttributes = List.copyOf(attributes);
    }

    /** Says that the client did not send in time: 421 4.4.2 and close (RFC 5321 §4.5.3.2). */
    public void timedOut() {
        if (phase == Phase.CLOSED) {
            return;
        }
        abandonTransaction(ResetCause.TIMEOUT, Replies.TIMEOUT);
        reply(Replies.TIMEOUT);
        close(CloseReason.TIMEOUT);
    }

    /**
     * Asks the session to end for a server shutdown: at once with 421 4.3.2 when no transaction is
     * open and no decision is pending, otherwise once the transaction in flight has ended.
     */
    public void shutdown() {
        shutdown(Replies.SHUTTING_DOWN);
    }

    /**
     * Asks the session to end as {@link #shutdown()} does, with another 421 reply: the server
     * ends it for its own reasons (RFC 5321 §3.8), such as making room for other clients under
     * load ({@link Replies#TOO_MANY_CONNECTIONS}).
     *
     * @throws IllegalArgumentException when the reply is not a 421
     */
    public void shutdown(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        if (reply.code() != 421) {
            throw new IllegalArgumentException("a session is ended with 421 (RFC 5321 §3.8), not " + reply.code());
        }
        if (phase == Phase.CLOSED) {
            return;
        }
        shuttingDown = true;
        shutdownReply = reply;
        if (pending == null && !phase.inTransaction() && phase != Phase.STARTTLS) {
            closeForShutdown();
        }
    }

    private void closeForShutdown() {
        reply(shutdownReply);
        close(CloseReason.SHUTDOWN);
    }

    // ---------------------------------------------------------------- events

    /**
     * Returns the next event: information, a decision to answer, {@link ServerEvent.AwaitingDecision}
     * while one is outstanding, or {@link ServerEvent.NeedInput} when all input was used.
     */
    public ServerEvent nextEvent() {
        while (true) {
            ServerEvent queued = events.poll();
            if (queued != null) {
                if (queued instanceof Decision d) {
                    pending = d;
                }
                return queued;
            }
            if (pending != null) {
                return new ServerEvent.AwaitingDecision(pending);
            }
            switch (phase) {
                case CLOSED:
                    return NEED_INPUT;
                case STARTTLS:
                    // The client went away before or during the handshake (RFC 3207 §4.2).
                    return endOfInputOr(NEED_INPUT);
                case GREETING:
                    events.add(new Connected());
                    continue;
                case DATA:
                    if (!stepData()) {
                        return endOfInputOr(NEED_INPUT);
                    }
                    continue;
                case CHUNK:
                    if (!stepChunk()) {
                        return endOfInputOr(NEED_INPUT);
                    }
                    continue;
                default:
                    if (dropped != null) {
                        if (!stepChunk()) {
                            return endOfInputOr(NEED_INPUT);
                        }
                        continue;
                    }
                    if (!stepLine()) {
                        return endOfInputOr(NEED_INPUT);
                    }
            }
        }
    }

    private ServerEvent endOfInputOr(ServerEvent otherwise) {
        if (!endOfInput || phase == Phase.CLOSED) {
            return otherwise;
        }
        abandonTransaction(ResetCause.END_OF_INPUT, Replies.CONNECTION_LOST);
        close(CloseReason.END_OF_INPUT);
        return events.poll();
    }

    // ---------------------------------------------------------------- decisions

    /** Answers the pending decision with its standard positive reply. */
    public void accept() {
        Decision d = requirePending("accept()");
        if (d instanceof Connected) {
            decide(config.mode() == ProtocolMode.LMTP ? Replies.lmtpGreeting(config.hostname()) : Replies.greeting(config.hostname()));
        } else if (d instanceof Hello) {
            decide(Replies.helo(config.hostname()));
        } else if (d instanceof MailFrom) {
            decide(Replies.SENDER_OK);
        } else if (d instanceof RcptTo) {
            decide(Replies.RECIPIENT_OK);
        } else if (d instanceof MessageEnd) {
            decide(Replies.MESSAGE_ACCEPTED);
        } else if (d instanceof XclientRequested) {
            decide(Replies.greeting(config.hostname()));
        } else if (d instanceof DataRequested r) {
            pending = null;
            if (r.chunked()) {
                readChunk(takeRequestedChunk());
            } else {
                startData(Replies.START_MAIL_INPUT);
            }
        } else {
            throw new IllegalStateException("accept() cannot answer " + d
                    + ": answer with a 334 challenge via decide(), authSucceeded(identity), or a refusal");
        }
    }

    /**
     * Answers the pending decision. A 2xx accepts (for HELLO, its first line is used and the
     * extension list added); 4xx or 5xx refuses; 421 also closes the session (RFC 5321 §3.8).
     * For an {@link AuthStep} a 334 continues the exchange. In LMTP mode a reply for
     * {@link MessageEnd} is used for every recipient.
     *
     * @throws IllegalStateException    when no decision is pending
     * @throws IllegalArgumentException when the reply does not fit the decision
     */
    public void decide(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        Decision d = requirePending("decide()");
        if (d instanceof Connected) {
            decideGreeting(reply);
        } else if (d instanceof Hello h) {
            decideHello(h, reply);
        } else if (d instanceof MailFrom m) {
            checkFinal(d, reply);
            pending = null;
            if (reply.isPositiveCompletion()) {
                sender = m.sender();
                mailParameters = m.parameters();
                moveTo(Event.MAIL_ACCEPTED);
            }
            replyAndMaybeClose(reply);
        } else if (d instanceof RcptTo r) {
            checkFinal(d, reply);
            pending = null;
            if (reply.isPositiveCompletion()) {
                recipients.add(new Envelope.Recipient(r.recipient(), r.parameters()));
                moveTo(Event.RCPT_ACCEPTED);
            }
            replyAndMaybeClose(reply);
        } else if (d instanceof MessageEnd) {
            decide(java.util.Collections.nCopies(config.mode() == ProtocolMode.LMTP ? recipients.size() : 1, reply));
        } else if (d instanceof AuthStep) {
            decideAuth(reply);
        } else if (d instanceof XclientRequested x) {
            decideXclient(x, reply);
        } else if (d instanceof DataRequested r) {
            decideData(r, reply);
        }
    }

    /**
     * Answers a pending {@link MessageEnd} with one reply per accepted recipient in RCPT order
     * (LMTP, RFC 2033 §4.2); in SMTP mode the list has exactly one reply.
     */
    public void decide(List<Reply> replies) {
        Objects.requireNonNull(replies, "replies");
        Decision d = requirePending("decide(List)");
        if (!(d instanceof MessageEnd)) {
            throw new IllegalStateException("decide(List) answers MessageEnd, but the pending decision is " + d);
        }
        int expected = config.mode() == ProtocolMode.LMTP ? recipients.size() : 1;
        if (replies.size() != expected) {
            throw new IllegalArgumentException("MessageEnd needs " + expected + " replies in " + config.mode()
                    + " mode, got " + replies.size());
        }
        for (Reply r : replies) {
            checkFinal(d, r);
        }
        pending = null;
        boolean closing = false;
        for (Reply r : replies) {
            reply(r);
            closing |= r.code() == 421;
            if (r.isPositiveCompletion()) {
                // Mail moved: the client is doing what the connection is for.
                junkCommands = 0;
            }
        }
        clearTransaction();
        if (closing) {
            close(CloseReason.SERVICE_CLOSING);
        } else if (shuttingDown) {
            closeForShutdown();
        }
    }

    /**
     * Ends the open transaction now, as accepting the pending {@link Hello} would (RFC 5321
     * §4.1.4), and reports that Hello again, still to be decided, after the
     * {@link ServerEvent.MessageAborted} (when a message was under way) and the
     * {@link ServerEvent.TransactionReset} with {@link ResetCause#HELLO}. A refusal then leaves
     * no transaction to go on with.
     *
     * <p>For a transport that cannot put the name to the application while the application
     * still has the transaction's message: between BDAT chunks, once it handed content on
     * (RFC 3030 §2). Every other transport lets the decision come first, as the RFC does.
     *
     * @throws IllegalStateException when no {@link Hello} is pending within a transaction
     */
    public void resetBeforeHello() {
        Decision d = requirePending("resetBeforeHello()");
        if (!(d instanceof Hello hello) || !helloResets) {
            throw new IllegalStateException("resetBeforeHello() needs a Hello pending within a transaction, but the pending"
                    + " decision is " + d + " in state " + state());
        }
        pending = null;
        helloResets = false;
        abandonTransaction(ResetCause.HELLO, Replies.OK);
        events.add(hello);
    }

    /** Ends a pending {@link AuthStep} successfully: 235 2.7.0, with the authenticated identity. */
    public void authSucceeded(String identity) {
        Objects.requireNonNull(identity, "identity");
        Decision d = requirePending("authSucceeded()");
        if (!(d instanceof AuthStep)) {
            throw new IllegalStateException("authSucceeded() answers AuthStep, but the pending decision is " + d);
        }
        pending = null;
        authIdentity = identity;
        authMechanism = null;
        moveTo(Event.AUTH_ENDED);
        reply(Replies.AUTH_SUCCEEDED);
    }

    private Decision requirePending(String call) {
        if (pending == null) {
            throw new IllegalStateException(call + " with no decision pending, in state " + state());
        }
        return pending;
    }

    private static void checkFinal(Decision d, Reply reply) {
        if (!reply.isPositiveCompletion() && !reply.isFailure()) {
            throw new IllegalArgumentException(d.getClass().getSimpleName() + " needs a 2xx, 4xx or 5xx reply, not " + reply.code());
        }
    }

    private void decideGreeting(Reply reply) {
        pending = null;
        if (reply.code() == 220) {
            moveTo(Event.GREETED);
            reply(reply);
            if (shuttingDown) {
                closeForShutdown();
            }
        } else if (reply.code() == 554) {
            moveTo(Event.GREETING_REFUSED);
            reply(reply);
        } else if (reply.code() == 421) {
            reply(reply);
            close(CloseReason.GREETING_REFUSED);
        } else {
            pending = new Connected();
            throw new IllegalArgumentException("the greeting must be 220, 554 or 421 (RFC 5321 §3.1, §4.2.5), not " + reply.code());
        }
    }

    /**
     * RFC 5321 §4.1.4: an acceptable EHLO within a transaction resets it "exactly as if a RSET
     * command had been issued", before its 250; a refused one leaves the session as it was, the
     * transaction included.
     */
    private void decideHello(Hello hello, Reply reply) {
        checkFinal(hello, reply);
        pending = null;
        boolean resets = helloResets;
        helloResets = false;
        if (!reply.isPositiveCompletion()) {
            replyAndMaybeClose(reply);
            return;
        }
        if (resets) {
            abandonTransaction(ResetCause.HELLO, Replies.OK);
        }
        helloDomain = hello.domain();
        extended = hello.extended();
        moveTo(Event.HELLO_ACCEPTED);
        if (extended) {
            reply(extensions().toReply(reply.lines().get(0)));
        } else {
            reply(reply);
        }
    }

    /**
     * A refusal leaves the transaction as it was before the command (RFC 5321 §4.1.1.4 lets the
     * client try DATA again or RSET); a BDAT's chunk is still read first (RFC 3030 §2).
     */
    private void decideData(DataRequested request, Reply reply) {
        if (reply.isFailure()) {
            pending = null;
            if (request.chunked() && reply.code() != 421) {
                readChunkThenRefuse(takeRequestedChunk(), reply, false);
            } else {
                requestedChunk = null;
                replyAndMaybeClose(reply);
            }
            return;
        }
        if (request.chunked() || reply.code() != 354) {
            throw new IllegalArgumentException(request.chunked()
                    ? "BDAT is accepted with accept(), its reply coming after the chunk, or refused with 4xx or 5xx, not " + reply.code()
                    : "DATA is accepted with 354 or refused with 4xx or 5xx (RFC 5321 §4.1.1.4), not " + reply.code());
        }
        pending = null;
        startData(reply);
    }

    private Command.Bdat takeRequestedChunk() {
        Command.Bdat b = requestedChunk;
        requestedChunk = null;
        return b;
    }

    /**
     * XCLIENT_README, "XCLIENT server response": on success the server greets again with 220 and
     * forgets what it learnt from the client, who must say EHLO again; a failure changes nothing.
     */
    private void decideXclient(XclientRequested request, Reply reply) {
        if (reply.code() != 220 && !reply.isFailure()) {
            throw new IllegalArgumentException("XCLIENT is accepted with a 220 greeting or refused with 4xx or 5xx,"
                    + " not " + reply.code());
        }
        pending = null;
        if (reply.isFailure()) {
            replyAndMaybeClose(reply);
            return;
        }
        helloDomain = "";
        extended = false;
        authIdentity = null;
        moveTo(Event.XCLIENT_ACCEPTED);
        reply(reply);
        if (shuttingDown) {
            closeForShutdown();
        }
    }

    private void decideAuth(Reply reply) {
        if (reply.isPositiveCompletion()) {
            throw new IllegalArgumentException("AUTH succeeds through authSucceeded(identity), which records who it is");
        }
        pending = null;
        if (reply.code() == 334) {
            authStep++;
            reply(reply);
            return;
        }
        if (!reply.isFailure()) {
            pending = new AuthStep(authMechanism, Optional.empty(), authStep);
            throw new IllegalArgumentException("an AUTH step needs 334, 4xx or 5xx (RFC 4954 §4), not " + reply.code());
        }
        authMechanism = null;
        moveTo(Event.AUTH_ENDED);
        replyAndMaybeClose(reply);
        if (phase != Phase.CLOSED && reply.isPermanentFailure() && ++authFailures >= config.maxAuthFailures()) {
            reply(Replies.TOO_MANY_ERRORS);
            close(CloseReason.TOO_MANY_AUTH_FAILURES);
        }
    }

    // ---------------------------------------------------------------- command lines

    /** Reads and handles one line; false when no complete line is buffered. */
    private boolean stepLine() {
        if (!midLine) {
            // The limit is chosen once per line, from its first word, so that it does not depend
            // on how the line was cut into reads: until "AUTH " could be told apart, wait.
            if (phase != Phase.AUTH && in.remaining() < 5 && !lineEndBuffered()) {
                return false;
            }
            lines.maxLineLength(nextLineLimit());
        }
        boolean hadInput = in.hasRemaining();
        LineDecoder.Result result = lines.decode(in);
        if (result instanceof LineDecoder.NeedMoreInput) {
            midLine |= hadInput;
            return false;
        }
        midLine = false;
        if (result instanceof LineDecoder.LineTooLong) {
            observer.received("<line too long>");
            if (phase == Phase.AUTH) {
                endAuthExchange(Replies.LINE_TOO_LONG);
            } else {
                error(Replies.LINE_TOO_LONG);
            }
            return true;
        }
        LineDecoder.Line line = (LineDecoder.Line) result;
        if (phase == Phase.AUTH) {
            authResponse(line.asString());
        } else {
            command(line);
        }
        return true;
    }

    /** The length limit for the line about to be read, chosen from its first word. */
    private int nextLineLimit() {
        if (phase == Phase.AUTH || nextWordIs("auth")) {
            return limits.maxAuthLine(); // RFC 4954 §4
        }
        if (authOffered() && nextWordIs("mail")) {
            // RFC 4954 §3: room for AUTH=; a longer line without it is refused after parsing.
            return limits.maxCommandLine() + MAIL_AUTH_PARAMETER_ROOM;
        }
        return limits.maxCommandLine();
    }

    private boolean lineEndBuffered() {
        for (int i = in.position(); i < in.limit(); i++) {
            if (in.get(i) == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Whether the buffered input starts with this four-letter verb (lower case) and a space, in any case. */
    private boolean nextWordIs(String verb) {
        if (in.remaining() < 5) {
            return false;
        }
        int p = in.position();
        for (int i = 0; i < 4; i++) {
            if ((in.get(p + i) | 0x20) != verb.charAt(i)) {
                return false;
            }
        }
        return in.get(p + 4) == ' ';
    }

    /**
     * Handles one command line. Which commands may come when, and what a wrong one gets, is
     * {@link ServerTransitions}' row for (phase, command); this method only applies it at the
     * right point: a line refused whatever it holds (RFC 5321 §3.1) before anything else, other
     * refusals once the line is known to be well-formed, so that a syntax error is reported as
     * one (RFC 5321 §4.1.4: 501 for an unacceptable argument).
     */
    private void command(LineDecoder.Line line) {
        Optional<String> utf8 = line.asUtf8();
        String received = utf8.orElseGet(line::asString);
        // RFC 5321 §4.1.1: receivers SHOULD tolerate trailing white space, in either parse mode.
        String text = stripTrailingWhiteSpace(received);
        Verb verb = Verb.lookup(firstWord(text));
        observer.received(Printable.redactAuth(received));
        if (shuttingDown && !phase.inTransaction()) {
            closeForShutdown();
            return;
        }
        Input input = verb == Verb.UNKNOWN && xclientAttributes != null && isXclient(firstWord(text))
                ? Input.XCLIENT : Input.of(verb, config.mode());
        Row row = ServerTransitions.command(phase, input, facts);
        if (row.outcome() == ServerTransitions.Outcome.REFUSE_ANY_LINE) {
            error(row.reply());
            return;
        }
        if (utf8.isEmpty()) {
            // RFC 6531 §3.2 and RFC 3629 §10: what is not well-formed UTF-8 is refused, never
            // repaired to U+FFFD and handed on as if the client had sent that.
            error(malformedUtf8Reply(verb));
            return;
        }
        if (input == Input.UNKNOWN || input == Input.XCLIENT) {
            // No parser to run first: the row decides at once.
            if (row.refuses()) {
                error(row.reply());
            } else {
                events.add(new XclientRequested(text));
            }
            return;
        }
        Command cmd;
        try {
            cmd = Command.parse(text, parseModeFor(verb), utf8AllowedFor(verb));
        } catch (SmtpSyntaxException e) {
            error(e.reply());
            return;
        }
        if (cmd instanceof Command.Mail mail && line.length() + 2 > limits.maxCommandLine()
                && !mail.parameters().has("AUTH")) {
            // The extra room of RFC 4954 §3 is for the AUTH parameter only.
            error(Replies.LINE_TOO_LONG);
            return;
        }
        if (!row.refuses()) {
            dispatch(cmd, row.outcome() == ServerTransitions.Outcome.PERFORM_RESETTING_IF_ACCEPTED);
        } else if (cmd instanceof Command.Bdat b) {
            // RFC 3030 §2: the chunk follows the command whatever the reply, so it is read
            // and dropped before the refusal is sent, or its octets would be taken as commands.
            readChunkThenRefuse(b, row.reply(), true);
        } else {
            error(row.reply());
        }
    }

    /** Performs a command its row allows; {@code resetting} when the row ends the open transaction if it is accepted. */
    private void dispatch(Command cmd, boolean resetting) {
        switch (cmd.verb()) {
            case HELO -> hello(((Command.Helo) cmd).domain(), false, resetting);
            case EHLO -> hello(((Command.Ehlo) cmd).domain(), true, resetting);
            case LHLO -> hello(((Command.Lhlo) cmd).domain(), true, resetting);
            case MAIL -> mail((Command.Mail) cmd);
            case RCPT -> rcpt((Command.Rcpt) cmd);
            case DATA -> data();
            case BDAT -> bdat((Command.Bdat) cmd);
            case RSET -> {
                abandonTransaction(ResetCause.RSET, Replies.OK);
                reply(Replies.OK);
                junkCommand();
            }
            case NOOP -> {
                reply(Replies.OK);
                junkCommand();
            }
            case QUIT -> {
                abandonTransaction(ResetCause.QUIT, Replies.closing(config.hostname()));
                reply(Replies.closing(config.hostname()));
                close(CloseReason.QUIT);
            }
            case VRFY -> {
                reply(Replies.CANNOT_VERIFY);
                junkCommand();
            }
            case EXPN -> {
                error(Replies.NOT_IMPLEMENTED);
                junkCommand();
            }
            case HELP -> {
                reply(Replies.HELP);
                junkCommand();
            }
            case STARTTLS -> startTls();
            case AUTH -> auth((Command.Auth) cmd);
            case UNKNOWN -> throw new IllegalStateException("an unknown command has no parser");
        }
    }

    private ParseMode parseModeFor(Verb verb) {
        boolean hello = verb == Verb.HELO || verb == Verb.EHLO || verb == Verb.LHLO;
        if (hello && config.allowHelloWithoutName()) {
            return ParseMode.LENIENT;
        }
        return config.parseMode();
    }

    private boolean utf8AllowedFor(Verb verb) {
        if (verb == Verb.MAIL) {
            return extended && config.advertises(ServerExtension.SMTP_UTF8);
        }
        if (verb == Verb.RCPT) {
            return mailParameters != null && mailParameters.smtpUtf8();
        }
        return false;
    }

    private void hello(String domain, boolean isExtended, boolean resetting) {
        if (domain.isEmpty() && !config.allowHelloWithoutName()) {
            error(isExtended ? Replies.EHLO_REQUIRES_DOMAIN : Replies.HELO_REQUIRES_DOMAIN);
            return;
        }
        helloResets = resetting;
        events.add(new Hello(domain, isExtended));
    }

    private void mail(Command.Mail cmd) {
        if (config.tlsPolicy() == TlsPolicy.REQUIRED && !tls) {
            error(Replies.ENCRYPTION_REQUIRED);
            return;
        }
        if (config.requireAuth() && authIdentity == null) {
            error(Replies.AUTH_REQUIRED);
            return;
        }
        Parameters p = cmd.parameters();
        Optional<Reply> bad = checkMailParameters(p);
        if (bad.isPresent()) {
            error(bad.get());
            return;
        }
        if (limits.hasMessageSizeLimit() && p.size().isPresent() && p.size().getAsLong() > limits.maxMessageSize()) {
            reply(Replies.MESSAGE_TOO_BIG);
            return;
        }
        if (cmd.from().mailbox().map(m -> !m.isAscii()).orElse(false) && !p.smtpUtf8()) {
            error(Replies.SMTPUTF8_REQUIRED);
            return;
        }
        events.add(new MailFrom(cmd.from(), p));
    }

    /** MAIL FROM's parameters, each with the extension that defines it (RFC 5321 §4.1.1.11: 555 for any other). */
    private Optional<Reply> checkMailParameters(Parameters p) {
        return checkParameters(p, keyword -> switch (keyword) {
            case "SIZE" -> offered(ServerExtension.SIZE) && p.size().isPresent();
            case "BODY" -> switch (p.body().orElseThrow()) {
                case SEVEN_BIT -> extended;
                case EIGHT_BIT_MIME -> offered(ServerExtension.EIGHT_BIT_MIME);
                case BINARY_MIME -> offered(ServerExtension.BINARY_MIME) && offered(ServerExtension.CHUNKING);
            };
            case "SMTPUTF8" -> offered(ServerExtension.SMTP_UTF8) && p.smtpUtf8();
            case "RET" -> offered(ServerExtension.DSN) && p.ret().isPresent();
            case "ENVID" -> offered(ServerExtension.DSN) && p.envId().isPresent();
            case "AUTH" -> authOffered() && p.auth().isPresent();
            case "REQUIRETLS" -> offered(ServerExtension.REQUIRE_TLS) && tls && p.requireTls();
            default -> false;
        });
    }

    /** RCPT TO's parameters: only DSN's (RFC 3461 §4). */
    private Optional<Reply> checkRcptParameters(Parameters p) {
        return checkParameters(p, keyword -> switch (keyword) {
            case "NOTIFY" -> offered(ServerExtension.DSN) && !p.dsnNotify().isEmpty();
            case "ORCPT" -> offered(ServerExtension.DSN) && p.orcpt().isPresent();
            default -> false;
        });
    }

    /**
     * The first parameter whose keyword {@code known} does not take, as 555, or the syntax error a
     * value of a known keyword has (the typed accessors parse, and throw on a bad value).
     */
    private static Optional<Reply> checkParameters(Parameters p, Predicate<String> known) {
        try {
            for (Parameters.Parameter param : p.list()) {
                if (!known.test(param.keyword().toUpperCase(Locale.ROOT))) {
                    return Optional.of(Replies.PARAMETER_NOT_IMPLEMENTED);
                }
            }
            return Optional.empty();
        } catch (SmtpSyntaxException e) {
            return Optional.of(e.reply());
        }
    }

    /** Whether an extension was offered to this client: only after EHLO/LHLO (RFC 1869 §4). */
    private boolean offered(ServerExtension extension) {
        return extended && config.advertises(extension);
    }

    private void rcpt(Command.Rcpt cmd) {
        if (recipients.size() >= limits.maxRecipients()) {
            // RFC 5321 §4.5.3.1.10: 452 for too many recipients, and the client goes on.
            reply(Replies.TOO_MANY_RECIPIENTS);
            return;
        }
        Optional<Reply> bad = checkRcptParameters(cmd.parameters());
        if (bad.isPresent()) {
            error(bad.get());
            return;
        }
        events.add(new RcptTo(cmd.to(), cmd.parameters()));
    }

    private void data() {
        if (config.decideData()) {
            events.add(new DataRequested(currentEnvelope(), false));
            return;
        }
        startData(Replies.START_MAIL_INPUT);
    }

    private void startData(Reply goAhead) {
        reply(goAhead);
        data.reset();
        dataRefusal = null;
        messageSize = 0;
        moveTo(Event.DATA_STARTED);
        startMessage();
    }

    private void bdat(Command.Bdat cmd) {
        if (phase == Phase.RCPT && config.decideData()) {
            requestedChunk = cmd;
            events.add(new DataRequested(currentEnvelope(), true));
            return;
        }
        readChunk(cmd);
    }

    private void readChunk(Command.Bdat cmd) {
        boolean first = phase == Phase.RCPT;
        moveTo(Event.CHUNK_STARTED);
        if (first) {
            messageSize = 0;
            dataRefusal = null;
            startMessage();
        }
        chunk = cmd;
        chunks.startChunk(cmd.size());
        // Compared by subtraction: BDAT sizes go up to Long.MAX_VALUE and a sum would overflow.
        if (dataRefusal == null && limits.hasMessageSizeLimit() && cmd.size() > limits.maxMessageSize() - messageSize) {
            refuseData(Replies.MESSAGE_TOO_BIG);
        }
    }

    private void readChunkThenRefuse(Command.Bdat cmd, Reply refusal, boolean isError) {
        dropped = new DroppedChunk(refusal, isError);
        chunks.startChunk(cmd.size());
    }

    private void startMessage() {
        messageOpen = true;
        events.add(new ServerEvent.MessageStart(currentEnvelope()));
    }

    private void startTls() {
        reply(Replies.READY_TO_START_TLS);
        // RFC 3207 §4.2 / CVE-2011-0411: what the client pipelined after STARTTLS was sent in
        // plaintext and must not be taken as if it came over TLS.
        in.position(in.limit());
        moveTo(Event.STARTTLS_ACCEPTED);
        events.add(new ServerEvent.StartTls());
    }

    private boolean authOffered() {
        return extended && !config.authMechanisms().isEmpty()
                && (tls || config.allowAuthWithoutTls());
    }

    private void auth(Command.Auth cmd) {
        String mechanism = cmd.mechanism().toUpperCase(Locale.ROOT);
        if (!config.authMechanisms().contains(mechanism)) {
            error(Replies.AUTH_MECHANISM_UNKNOWN);
            return;
        }
        authMechanism = mechanism;
        authStep = 0;
        moveTo(Event.AUTH_STARTED);
        Optional<String> initial = cmd.initialResponse().map(r -> r.equals("=") ? "" : r);
        events.add(new AuthStep(mechanism, initial, 0));
    }

    private void authResponse(String text) {
        observer.received(text.equals("*") ? "*" : REDACTED);
        if (text.equals("*")) {
            // RFC 4954 §4: "*" cancels the exchange, answered with 501.
            endAuthExchange(Replies.AUTH_CANCELLED);
            return;
        }
        events.add(new AuthStep(authMechanism, Optional.of(text), authStep));
    }

    private void endAuthExchange(Reply reply) {
        authMechanism = null;
        moveTo(Event.AUTH_ENDED);
        error(reply);
    }

    // ---------------------------------------------------------------- message data

    /** Reads DATA content; false when all buffered input was used without reaching the end. */
    private boolean stepData() {
        ByteBuffer target = dataTarget();
        DecodeStatus status = dataRefusal != null ? data.skip(in) : data.decode(in, target);
        Reply violation = data.violation().map(v -> switch (v) {
            case BARE_CR, BARE_LF -> Replies.BARE_LINE_ENDING;
            case LINE_TOO_LONG -> textLineTooLong;
        }).orElse(null);
        boolean produced = emitContent(target, violation, data.violationOffset().orElse(Long.MAX_VALUE));
        if (status == DecodeStatus.END) {
            endOfMessage();
            return true;
        }
        return produced || status == DecodeStatus.OVERFLOW;
    }

    /** Reads a BDAT chunk; false when all buffered input was used without completing it. */
    private boolean stepChunk() {
        ByteBuffer target = dataTarget();
        boolean dropping = dropped != null || dataRefusal != null;
        DecodeStatus status = dropping ? chunks.skip(in) : chunks.decode(in, target);
        boolean produced = emitContent(target, null, Long.MAX_VALUE);
        if (status != DecodeStatus.END) {
            return produced || status == DecodeStatus.OVERFLOW;
        }
        if (dropped != null) {
            DroppedChunk refused = dropped;
            dropped = null;
            if (refused.countsAsError()) {
                error(refused.reply());
            } else {
                reply(refused.reply());
            }
            return true;
        }
        Command.Bdat done = chunk;
        chunk = null;
        moveTo(Event.CHUNK_READ);
        if (done.last()) {
            endOfMessage();
        } else if (dataRefusal == null) {
            reply(Reply.of(250, EnhancedStatus.of(2, 0, 0), done.size() + " octets received"));
        } else {
            // RFC 3030 §4: once a chunk was refused the transaction is dead, but the client
            // may still send the remaining chunks; each one is answered with the refusal.
            reply(dataRefusal);
        }
        return true;
    }

    private ByteBuffer dataTarget() {
        if (dataChunk == null) {
            dataChunk = ByteBuffer.allocate(FIRST_DATA_CHUNK);
        } else if (dataChunk.limit() == dataChunk.capacity() && dataChunk.capacity() < DATA_CHUNK) {
            // The last decode filled it (emitContent flipped it to what was written). The event
            // that carries its content keeps the old buffer.
            dataChunk = ByteBuffer.allocate(dataChunk.capacity() * 2);
        }
        dataChunk.clear();
        return dataChunk;
    }

    /**
     * Queues what the decoder wrote as a data event, unless the data is being refused. When the
     * message becomes void in this piece, at the SIZE limit (RFC 1870 §6) or at the octet offset
     * of a {@code violation}, the content is delivered exactly up to that point and the message is
     * refused there, so the events do not depend on how the input was cut into reads.
     */
    private boolean emitContent(ByteBuffer target, Reply violation, long violationOffset) {
        target.flip();
        int n = target.remaining();
        if (dataRefusal != null) {
            messageSize += n;
            return n > 0;
        }
        long cut = Long.MAX_VALUE;
        Reply reason = null;
        if (violation != null) {
            cut = violationOffset;
            reason = violation;
        }
        if (limits.hasMessageSizeLimit() && limits.maxMessageSize() < cut && messageSize + n > limits.maxMessageSize()) {
            cut = limits.maxMessageSize();
            reason = Replies.MESSAGE_TOO_BIG;
        }
        if (reason == null) {
            messageSize += n;
            if (n > 0) {
                events.add(new ServerEvent.MessageData(target.asReadOnlyBuffer()));
            }
            return n > 0;
        }
        int deliver = (int) Math.max(0, Math.min(n, cut - messageSize));
        if (deliver > 0) {
            events.add(new ServerEvent.MessageData(target.slice(target.position(), deliver).asReadOnlyBuffer()));
        }
        messageSize += n;
        refuseData(reason);
        return true;
    }

    /**
     * Stops delivering the message: the application learns at once that it is void, and the rest
     * of the data is read and thrown away so the session stays in step with the client.
     */
    private void refuseData(Reply reason) {
        dataRefusal = reason;
        messageOpen = false;
        events.add(new ServerEvent.MessageAborted(reason));
    }

    private void endOfMessage() {
        if (dataRefusal != null) {
            Reply refusal = dataRefusal;
            clearTransaction();
            reply(refusal);
            if (shuttingDown) {
                closeForShutdown();
            }
            return;
        }
        messageOpen = false;
        events.add(new MessageEnd(currentEnvelope(), messageSize));
    }

    // ---------------------------------------------------------------- helpers

    private Extensions extensions() {
        Extensions.Builder b = Extensions.builder();
        // In declaration order, so the EHLO reply is the same on every run.
        for (ServerExtension e : ServerExtension.values()) {
            if (!config.advertises(e)) {
                continue;
            }
            switch (e) {
                case PIPELINING -> b.pipelining();
                case SIZE -> b.size(limits.maxMessageSize());
                case EIGHT_BIT_MIME -> b.eightBitMime();
                case SMTP_UTF8 -> b.smtpUtf8();
                case CHUNKING -> b.chunking();
                case BINARY_MIME -> {
                    if (config.advertises(ServerExtension.CHUNKING)) {
                        b.binaryMime();
                    }
                }
                case DSN -> b.dsn();
                case ENHANCED_STATUS_CODES -> b.enhancedStatusCodes();
                case REQUIRE_TLS -> {
                    if (tls) {
                        b.requireTls();
                    }
                }
            }
        }
        if (config.tlsPolicy() != TlsPolicy.OFF && !tls) {
            b.startTls();
        }
        if (!config.authMechanisms().isEmpty() && (tls || config.allowAuthWithoutTls())) {
            b.auth(config.authMechanisms());
        }
        if (xclientAttributes != null) {
            b.add("XCLIENT", xclientAttributes.toArray(new String[0]));
        }
        return b.build();
    }

    private Envelope currentEnvelope() {
        return new Envelope(sender, mailParameters, recipients);
    }

    /** Ends an open transaction for {@code cause}, telling the application what was lost. */
    private void abandonTransaction(ResetCause cause, Reply reason) {
        if (messageOpen) {
            events.add(new ServerEvent.MessageAborted(reason));
        }
        boolean open = phase.inTransaction();
        clearTransaction();
        if (open) {
            events.add(new ServerEvent.TransactionReset(cause));
        }
    }

    private void clearTransaction() {
        sender = null;
        mailParameters = null;
        recipients.clear();
        messageOpen = false;
        messageSize = 0;
        dataRefusal = null;
        chunk = null;
        requestedChunk = null;
        if (phase.inTransaction()) {
            moveTo(Event.TRANSACTION_ENDED);
        }
    }

    private void reply(Reply reply) {
        observer.sent(reply);
        byte[] bytes = encoded(reply);
        if (outLength + bytes.length > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + bytes.length));
        }
        System.arraycopy(bytes, 0, out, outLength, bytes.length);
        outLength += bytes.length;
    }

    /**
     * The wire form of {@code reply}, from a few recently sent ones when it is the same object:
     * a session sends the same constant replies (250 to MAIL and RCPT, 354, 250 to the data) for
     * every message, and encoding them was a tenth of the server's own CPU per message. Replies
     * are immutable, so an identical object has identical octets.
     */
    private byte[] encoded(Reply reply) {
        for (int i = 0; i < ENCODED_CACHE; i++) {
            if (encodedReplies[i] == reply) {
                return encodedBytes[i];
            }
        }
        byte[] bytes = reply.encode();
        encodedReplies[encodedNext] = reply;
        encodedBytes[encodedNext] = bytes;
        encodedNext = (encodedNext + 1) % ENCODED_CACHE;
        return bytes;
    }

    private void replyAndMaybeClose(Reply reply) {
        reply(reply);
        if (reply.code() == 421) {
            abandonTransaction(ResetCause.SERVICE_CLOSING, reply);
            close(CloseReason.SERVICE_CLOSING);
        }
    }

    /** Replies with an error that counts against {@code Limits.maxBadCommands}. */
    private void error(Reply reply) {
        reply(reply);
        badCommand();
    }

    /**
     * Counts a command that moves no mail. Past {@code Limits.maxJunkCommands} each one is also
     * a bad command, so a client that only keeps its connection busy is closed with 421 after
     * {@code maxBadCommands} more, as Postfix does (RFC 5321 §4.1.1.9 lets NOOP be sent at any
     * time, not for ever).
     */
    private void junkCommand() {
        if (++junkCommands > limits.maxJunkCommands() && phase != Phase.CLOSED) {
            badCommand();
        }
    }

    private void badCommand() {
        if (++badCommands >= limits.maxBadCommands() && phase != Phase.CLOSED) {
            abandonTransaction(ResetCause.TOO_MANY_ERRORS, Replies.TOO_MANY_ERRORS);
            reply(Replies.TOO_MANY_ERRORS);
            close(CloseReason.TOO_MANY_ERRORS);
        }
    }

    /** The one place the phase changes: to where the table's move for {@code event} leads. */
    private void moveTo(Event event) {
        phase = ServerTransitions.next(phase, event);
    }

    private void close(CloseReason reason) {
        moveTo(Event.CLOSED);
        pending = null;
        dropped = null;
        in.position(in.limit());
        events.add(new ServerEvent.Closed(reason));
    }

    /** The reply to a line that is not well-formed UTF-8: the address's code for MAIL and RCPT (RFC 3463). */
    private static Reply malformedUtf8Reply(Verb verb) {
        return switch (verb) {
            case MAIL -> Replies.BAD_SENDER_ADDRESS_SYNTAX;
            case RCPT -> Replies.BAD_ADDRESS_SYNTAX;
            case UNKNOWN -> Replies.SYNTAX_ERROR;
            default -> Replies.PARAMETER_SYNTAX;
        };
    }

    /** The line without the spaces and tabs before its CRLF (RFC 5321 §4.1.1). */
    private static String stripTrailingWhiteSpace(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        return end == line.length() ? line : line.substring(0, end);
    }

    private static String firstWord(String line) {
        int space = line.indexOf(' ');
        return space < 0 ? line : line.substring(0, space);
    }

    /** ASCII case folding only, as {@link Verb#lookup(String)} does, so that no Unicode letter folds into the verb. */
    private static boolean isXclient(String word) {
        String verb = "XCLIENT";
        if (word.length() != verb.length()) {
            return false;
        }
        for (int i = 0; i < verb.length(); i++) {
            char c = word.charAt(i);
            if ((c >= 'a' && c <= 'z' ? (char) (c - 32) : c) != verb.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "ServerSession[state=" + state() + ", hello=" + helloDomain + ", tls=" + tls
                + ", pending=" + pending + "]";
    }
}
