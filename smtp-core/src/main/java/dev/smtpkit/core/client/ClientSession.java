package dev.smtpkit.core.client;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Extensions;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpProtocolException;
import dev.smtpkit.core.SmtpSyntaxException;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.ClientTransitions.Call;
import dev.smtpkit.core.client.ClientTransitions.Guard;
import dev.smtpkit.core.client.ClientTransitions.Phase;
import dev.smtpkit.core.client.ClientTransitions.Trigger;
import dev.smtpkit.core.client.ClientEvent.CloseCause;
import dev.smtpkit.core.internal.DotStuffer;
import dev.smtpkit.core.internal.ReplyDecoder;
import dev.smtpkit.core.ProtocolMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The client side of one SMTP (RFC 5321) or LMTP (RFC 2033) connection, without I/O.
 *
 * <p>A transport feeds it the server's bytes as they arrive ({@link #receive(ByteBuffer)}, any
 * split), takes events until {@link ClientEvent.NeedInput} ({@link #nextEvent()}), and writes
 * {@link #takeOutput()}. The caller starts what only it can decide (a transaction, STARTTLS,
 * AUTH, RSET, QUIT) with the methods of this class; the session does everything that follows
 * from the protocol: the greeting, EHLO with its HELO fallback (§3.2), the EHLO table,
 * pipelining and the order of replies (RFC 2920 §3), RCPT one at a time otherwise, DATA or RSET
 * depending on the recipients accepted, dot-stuffing (§4.5.2), BDAT chunks (RFC 3030), the
 * LMTP replies per recipient (RFC 2033 §4.2), and the checks that an envelope suits what the
 * server offers.
 *
 * <p>The transport loop: {@code receive} the bytes read, call {@code nextEvent()} until
 * {@code NeedInput}, acting on each event, then write {@code takeOutput()}. The session never
 * writes the next command of a transaction before the caller has taken the events of the reply
 * before it, so a call made in answer to an event (for example {@link #reset()} after a refused
 * recipient) comes first.
 *
 * <p>A session is not thread-safe: call it from one thread at a time.
 */
public final class ClientSession {

    /** What a transport logs: every line sent, with AUTH secrets redacted, and every reply. */
    public interface Observer {
        /**
         * A command line sent (without CRLF). AUTH initial responses and SASL responses are
         * replaced by {@code <redacted>}; message content is not reported, only the {@code .}
         * that ends it and each {@code BDAT} line.
         */
        default void sent(String line) {
        }

        /** A reply received. */
        default void received(Reply reply) {
        }
    }

    private static final ClientEvent.NeedInput NEED_INPUT = new ClientEvent.NeedInput();
    private static final String REDACTED = "<redacted>";
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    /**
     * What a reply in the queue answers (RFC 2920 §3: replies come in the order of the commands).
     * Not a state: the session's state is its {@link Phase}, whose rules are in
     * {@link ClientTransitions}.
     */
    private enum Awaiting {
        GREETING, EHLO, HELO, LHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, BDAT, BDAT_LAST, CONTENT_END, LONE_DOT,
        TRANSACTION_RSET, PROBE_RSET, ABANDON_RSET, QUIT;

        /** Whether the reply belongs to the open transaction. */
        boolean ofTransaction() {
            return switch (this) {
                case MAIL, RCPT, DATA, BDAT, BDAT_LAST, CONTENT_END, LONE_DOT, TRANSACTION_RSET -> true;
                default -> false;
            };
        }
    }

    /** A reply expected: what it answers, the command as logged, and the recipient index for RCPT. */
    private record Pending(Awaiting what, String command, int index) {
        String describe() {
            return switch (what) {
                case GREETING -> "the greeting";
                case CONTENT_END -> "the reply to the end of the content";
                case LONE_DOT -> "the reply to the lone dot ending an empty DATA";
                default -> "the reply to " + command;
            };
        }
    }

    /** The data of one transaction: what was sent and the replies so far; where it is, is the phase. */
    private static final class Transaction {
        final Envelope envelope;
        final boolean pipelined;
        final boolean bdat;
        final boolean eightBitAllowed;
        final boolean binary;
        final Reply[] rcptReplies;
        Reply mailReply;
        int rcptSent;
        Reply dataReply;
        /** The refusal of DATA or of the first refused BDAT chunk. */
        Reply dataRefusal;
        Reply cleanupReply;
        final List<Reply> endReplies = new ArrayList<>();
        long contentOffset;
        DotStuffer stuffer;
        byte[] chunk;
        int chunkLength;

        Transaction(Envelope envelope, boolean pipelined, boolean bdat) {
            this.envelope = envelope;
            this.pipelined = pipelined;
            this.bdat = bdat;
            Parameters p = envelope.mailParameters();
            Optional<Parameters.Body> body = p.body();
            this.binary = body.filter(b -> b == Parameters.Body.BINARY_MIME).isPresent();
            // RFC 6152 §3 and RFC 6531 §3.1: 8-bit content needs BODY=8BITMIME (or BINARYMIME),
            // or SMTPUTF8, which implies 8BITMIME.
            this.eightBitAllowed = binary || body.filter(b -> b == Parameters.Body.EIGHT_BIT_MIME).isPresent()
                    || p.smtpUtf8();
            this.rcptReplies = new Reply[envelope.recipients().size()];
        }

        boolean mailAccepted() {
            return mailReply != null && mailReply.isPositiveCompletion();
        }

        int accepted() {
            if (!mailAccepted()) {
                return 0;
            }
            int n = 0;
            for (Reply r : rcptReplies) {
                if (r != null && r.isPositiveCompletion()) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Why the session will close once the QUIT it sent is answered. */
    private record Closing(CloseCause cause, Reply reply, String detail) {
    }

    private final ClientConfig config;
    private final Limits limits;
    private final boolean lmtp;
    private ReplyDecoder decoder;
    /** A malformed reply found while decoding: reported once the replies before it are handled. */
    private SmtpProtocolException decodeFailure;
    private final ArrayDeque<ClientEvent> events = new ArrayDeque<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /**
     * How many of the pending replies, from the head, answer commands the caller has taken with
     * {@link #takeOutput()}: only those can have been answered. The greeting counts as sent.
     */
    private int written = 1;
    private Observer observer = new Observer() { };

    /** The one state; it changes only in {@link #moveTo(Phase)}. */
    private Phase phase = Phase.GREETING;
    private byte[] out = new byte[512];
    private int outLength;
    private boolean endOfInput;

    private Extensions extensions = Extensions.NONE;
    private boolean tls;
    private boolean authenticated;
    /** An AUTH initial response too long for the command line, sent after the first 334 (RFC 4954 §4). */
    private String deferredInitialResponse;
    private Transaction transaction;
    private Closing closing;

    /** A session that waits for the server's greeting (RFC 5321 §3.1). */
    public ClientSession(ClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.limits = config.limits();
        this.lmtp = config.mode() == ProtocolMode.LMTP;
        this.decoder = new ReplyDecoder(limits);
        pending.add(new Pending(Awaiting.GREETING, "", 0));
    }

    /** Sets who sees each line sent and each reply received (a transport's wire transcript). */
    public void observer(Observer observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    // ---------------------------------------------------------------- input and output

    /**
     * Feeds bytes received from the server; all of them are consumed. Bytes that arrive while a
     * TLS handshake is due are plaintext sent after the 220 to STARTTLS and are discarded
     * (RFC 3207 §4.2); bytes after the session closed are ignored. A reply that answers no
     * command taken with {@link #takeOutput()} closes the session at once with
     * {@link CloseCause#PROTOCOL_ERROR} and drops the output not yet taken: feed bytes as they
     * arrive, before writing what follows, so a reply that came early is seen as such.
     */
    public void receive(ByteBuffer bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (endOfInput) {
            throw new IllegalStateException("receive() after receiveEndOfInput(), in state " + phase.describe());
        }
        if (phase == Phase.CLOSED || phase == Phase.TLS_HANDSHAKE || decodeFailure != null) {
            bytes.position(bytes.limit());
            return;
        }
        try {
            decoder.feed(bytes);
        } catch (SmtpProtocolException e) {
            // Reported by nextEvent() after the replies decoded before it, so the events keep
            // the order of the bytes.
            decodeFailure = e;
            bytes.position(bytes.limit());
        }
        checkSolicited();
    }

    /**
     * Closes the session at once when more replies have arrived than commands went out (RFC 5321
     * §4.2: every reply answers a command; RFC 2920 §3: pipelined replies come in the order of
     * the commands, so only the commands already written can be answered). A reply that came
     * early, such as {@code 250} written together with the {@code 354} to DATA, would otherwise be
     * taken as the reply to a later command, the end of data among them (issue 17): the stream
     * is out of step and nothing read from it can be trusted. Checked as the bytes arrive, not
     * when a reply is wanted, so the content's end is never sent after such a reply.
     *
     * <p>Two cases are left to their own rules: the plaintext after a 220 to STARTTLS is thrown
     * away (RFC 3207 §4.2), and what follows the reply to QUIT does not matter.
     */
    private void checkSolicited() {
        if (phase == Phase.CLOSED || phase == Phase.QUIT || decoder.available() <= written) {
            return;
        }
        Pending head = pending.peek();
        if (head != null && head.what() == Awaiting.STARTTLS) {
            return;
        }
        int solicited = written;
        Reply first = null;
        for (int i = 0; decoder.available() > 0; i++) {
            Reply r = decoder.next().orElseThrow();
            observer.received(r);
            if (i == solicited) {
                first = r;
            }
        }
        // Nothing more goes out to a server out of step: not the rest of the content, and so
        // never its end; not a command queued but not yet taken.
        outLength = 0;
        protocolError("unsolicited reply " + firstLine(first) + " in state " + phase.describe()
                + (solicited == 0 ? ", with no command awaiting a reply"
                        : ", after the " + solicited + " repl" + (solicited == 1 ? "y" : "ies") + " due")
                + " (RFC 5321 §4.2, RFC 2920 §3): the server answered a command not yet sent");
    }

    /** Feeds bytes received from the server; see {@link #receive(ByteBuffer)}. */
    public void receive(byte[] bytes, int offset, int length) {
        receive(ByteBuffer.wrap(bytes, offset, length));
    }

    /**
     * Says that the server closed the connection. Once the replies already received are handled,
     * the session ends with {@link ClientEvent.Closed} saying where (RFC 5321 §3.8).
     */
    public void receiveEndOfInput() {
        endOfInput = true;
    }

    /** Whether there are bytes to write to the server. */
    public boolean hasOutput() {
        return outLength > 0;
    }

    /** How many bytes wait to be written: a caller streaming content takes them once this grows. */
    public int pendingOutput() {
        return outLength;
    }

    /** Returns the bytes to write to the server and forgets them. */
    public byte[] takeOutput() {
        byte[] result = Arrays.copyOf(out, outLength);
        outLength = 0;
        written = pending.size();
        return result;
    }

    // ---------------------------------------------------------------- state

    /** The current state. */
    public ClientState state() {
        return phase.state();
    }

    /** The phase within {@link #state()}, for tests that walk the transition table. */
    Phase phase() {
        return phase;
    }

    /** How many replies the server may send now: one per command written and not yet answered. */
    int repliesDue() {
        return written;
    }

    /** The configuration. */
    public ClientConfig config() {
        return config;
    }

    /** The extensions the server offered in its last EHLO/LHLO reply; none after HELO or before. */
    public Extensions extensions() {
        return extensions;
    }

    /** Whether the transport said TLS is in force ({@link #tlsEstablished()}). */
    public boolean isTls() {
        return tls;
    }

    /** Whether an AUTH exchange succeeded on this connection (RFC 4954 §4). */
    public boolean isAuthenticated() {
        return authenticated;
    }

    /**
     * Whether the next transaction will be pipelined (RFC 2920): the server offered PIPELINING
     * and the configuration does not refuse it.
     */
    public boolean pipeliningInUse() {
        return config.pipelining() && extensions.pipelining();
    }

    /**
     * Whether the connection can still carry commands: false once QUIT was sent or the session
     * closed (421, end of input, a refused RSET, a protocol error, or content that could not be
     * sent).
     */
    public boolean isUsable() {
        return phase != Phase.CLOSED && phase != Phase.QUIT;
    }

    /**
     * Which RFC 5321 §4.5.3.2 timeout applies now: the one for the reply awaited, or
     * {@link Timeout#DATA_BLOCK} while the caller writes content. Empty when the session waits
     * for nobody but its caller (READY, a TLS handshake, an AUTH challenge to answer) or is
     * closed.
     */
    public Optional<Timeout> timeout() {
        if (phase == Phase.CLOSED) {
            return Optional.empty();
        }
        Pending head = pending.peek();
        if (head == null) {
            return phase == Phase.CONTENT ? Optional.of(Timeout.DATA_BLOCK) : Optional.empty();
        }
        return Optional.of(switch (head.what()) {
            case GREETING -> Timeout.GREETING;
            case MAIL -> Timeout.MAIL;
            case RCPT -> Timeout.RCPT;
            case DATA -> Timeout.DATA_INITIATION;
            case BDAT -> Timeout.DATA_BLOCK;
            case BDAT_LAST, CONTENT_END, LONE_DOT -> Timeout.DATA_TERMINATION;
            default -> Timeout.CLIENT_COMMAND;
        });
    }

    // ---------------------------------------------------------------- events

    /**
     * Returns the next event, or {@link ClientEvent.NeedInput} when every reply received so far
     * has been handled. Output may have been produced: write {@link #takeOutput()} after the
     * loop.
     */
    public ClientEvent nextEvent() {
        while (true) {
            ClientEvent queued = events.poll();
            if (queued != null) {
                return queued;
            }
            if (phase == Phase.CLOSED) {
                return NEED_INPUT;
            }
            if (advanceTransaction()) {
                continue;
            }
            Optional<Reply> reply = decoder.next();
            if (reply.isPresent()) {
                handle(reply.get());
                continue;
            }
            if (decodeFailure != null) {
                Pending head = pending.peek();
                protocolError("malformed reply" + (head == null ? "" : " while waiting for " + head.describe())
                        + ": " + decodeFailure.getMessage());
                continue;
            }
            if (endOfInput) {
                endOfInputReached();
                continue;
            }
            return NEED_INPUT;
        }
    }

    // ---------------------------------------------------------------- caller calls

    /**
     * Starts STARTTLS (RFC 3207 §4). Whether the server offered it is for the caller to check
     * ({@link #extensions()}); a refusal comes back as {@link ClientEvent.StartTlsRefused}.
     *
     * @throws IllegalStateException unless READY, or when TLS is already in force
     */
    public void startTls() {
        Phase to = allowed(Call.START_TLS);
        command(new Command.StartTls(), Awaiting.STARTTLS, 0);
        moveTo(to);
    }

    /**
     * Says that the TLS handshake after {@link ClientEvent.StartTls} succeeded: the session
     * forgets what it learnt in plaintext and says EHLO (or LHLO) again (RFC 3207 §4.2).
     */
    public void tlsEstablished() {
        Phase to = allowed(Call.TLS_ESTABLISHED);
        tls = true;
        extensions = Extensions.NONE;
        authenticated = false;
        sendHello();
        moveTo(to);
    }

    /**
     * Starts an AUTH exchange (RFC 4954 §4) with any SASL mechanism. The initial response is
     * sent on the AUTH line when that fits in {@link Limits#maxCommandLine()}, otherwise after
     * the server's first (empty) 334 challenge; an empty initial response is sent as {@code =}.
     *
     * @param mechanism       the SASL mechanism name (RFC 4422 §3.1)
     * @param initialResponse the base64 initial response, if the mechanism has one
     * @throws IllegalArgumentException for a bad mechanism name or a response that is not base64
     *                                  or exceeds {@link Limits#maxAuthLine()}
     */
    public void auth(String mechanism, Optional<String> initialResponse) {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(initialResponse, "initialResponse");
        Phase to = allowed(Call.AUTH);
        Command.Auth cmd = new Command.Auth(mechanism, initialResponse);
        if (initialResponse.isPresent()) {
            checkAuthLine(initialResponse.get());
        }
        String logged = "AUTH " + cmd.mechanism();
        if (initialResponse.isPresent() && cmd.toString().length() + 2 > limits.maxCommandLine()) {
            // RFC 4954 §4: an initial response that would make the line too long is sent after
            // the server's empty challenge instead.
            deferredInitialResponse = initialResponse.get();
            cmd = new Command.Auth(mechanism, Optional.empty());
        } else if (initialResponse.isPresent()) {
            logged = logged + " " + REDACTED;
        }
        append(cmd.encode());
        observer.sent(logged);
        pending.add(new Pending(Awaiting.AUTH, "AUTH " + cmd.mechanism(), 0));
        moveTo(to);
    }

    /**
     * Answers a {@link ClientEvent.AuthChallenge} (RFC 4954 §4). The line never reaches the
     * {@link Observer}.
     *
     * @param base64 the response in base64; empty for an empty response
     * @throws IllegalArgumentException if it is not base64 or exceeds {@link Limits#maxAuthLine()}
     */
    public void authRespond(String base64) {
        Objects.requireNonNull(base64, "base64");
        Phase to = allowed(Call.AUTH_RESPOND);
        checkAuthLine(base64);
        append((base64 + "\r\n").getBytes(StandardCharsets.US_ASCII));
        observer.sent(REDACTED);
        pending.add(new Pending(Awaiting.AUTH, "the AUTH response", 0));
        moveTo(to);
    }

    /** Cancels the AUTH exchange with {@code *} (RFC 4954 §4); the server answers 501. */
    public void authCancel() {
        Phase to = allowed(Call.AUTH_CANCEL);
        append(new byte[] {'*', CR, LF});
        observer.sent("*");
        pending.add(new Pending(Awaiting.AUTH, "the AUTH cancellation", 0));
        moveTo(to);
    }

    /**
     * Starts a mail transaction (RFC 5321 §3.3). With PIPELINING offered and enabled, MAIL, every
     * RCPT and DATA (MAIL and RCPT only when BDAT is used) go out in one write and their replies
     * are matched in order (RFC 2920 §3); otherwise one command at a time, each after the reply
     * to the one before. Events follow: {@link ClientEvent.RecipientReplied} per recipient, then
     * {@link ClientEvent.ReadyForContent} if any recipient was accepted, and finally
     * {@link ClientEvent.TransactionCompleted}.
     *
     * <p>The envelope is checked against the server's extensions first. SMTPUTF8 is added when
     * an address is not ASCII (RFC 6531 §3.4); a SIZE parameter the server would not know is left
     * out (RFC 1870 §6), as is BODY=7BIT, which only states the default.
     *
     * <p>With pipelining in use it may also follow a {@link #reset()} sent from READY at once, in
     * the same write (RFC 2920 §3.1 ends a group only at EHLO, DATA, VRFY, EXPN, TURN, QUIT and
     * NOOP): the RSET that checks a reused connection then costs no round trip.
     * {@link ClientEvent.ResetAccepted} comes first; if the RSET is refused the session closes
     * ({@link CloseCause#RESET_REFUSED}) before any content is asked for.
     *
     * @throws UnsupportedFeatureException when the envelope needs SMTPUTF8, 8BITMIME, BINARYMIME,
     *                                     DSN or REQUIRETLS and the server did not offer it, or
     *                                     declares a SIZE over the server's; nothing is sent
     * @throws IllegalArgumentException    for an envelope without recipients or with a
     *                                     malformed SIZE or BODY
     * @throws IllegalStateException       unless READY, or RESET after a {@link #reset()} from READY
     *                                     with pipelining in use
     */
    public void send(Envelope envelope) {
        Objects.requireNonNull(envelope, "envelope");
        Phase to = allowed(Call.SEND);
        if (envelope.recipients().isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient (RFC 5321 §3.3)");
        }
        Envelope sent = suitedToServer(envelope);
        boolean pipelined = pipeliningInUse();
        // With PIPELINING the table sends DATA with the envelope unless BDAT carries the content.
        boolean bdat = pipelined && to != Phase.DATA_SENT;
        transaction = new Transaction(sent, pipelined, bdat);
        command(new Command.Mail(sent.sender(), sent.mailParameters()), Awaiting.MAIL, 0);
        if (pipelined) {
            for (int i = 0; i < sent.recipients().size(); i++) {
                sendRcpt(i);
            }
        }
        if (to == Phase.DATA_SENT) {
            command(new Command.Data(), Awaiting.DATA, 0);
        }
        moveTo(to);
    }

    /**
     * Writes message content, after {@link ClientEvent.ReadyForContent}. All of {@code content} is
     * consumed and encoded at once: dot-stuffed with CRLF line ends for DATA (RFC 5321 §4.5.2,
     * §2.3.8), or cut into {@code BDAT} chunks of {@link ClientConfig#bdatChunkSize()} octets
     * (RFC 3030 §2; line ends normalised unless BODY=BINARYMIME). The content is never held
     * whole: pass it in pieces and {@link #takeOutput()} after each to bound memory (at most
     * twice the piece, plus a chunk).
     *
     * <p>If the content cannot be sent as it is (an 8-bit octet without BODY=8BITMIME, or a bare
     * CR or LF with {@link ClientConfig#normalizeLineEndings()} off), the session closes and throws; the
     * transport must then drop the connection without writing anything more, so that the server
     * never sees an end of data and delivers nothing of the message.
     *
     * @throws UnsupportedFeatureException for an octet with the high bit set when MAIL did not
     *                                     declare BODY=8BITMIME, BINARYMIME or SMTPUTF8 (RFC 6152 §3)
     * @throws IllegalArgumentException    for a bare CR or LF when
     *                                     {@link ClientConfig#normalizeLineEndings()} is off
     * @throws IllegalStateException       unless in state CONTENT
     */
    public void writeData(ByteBuffer content) {
        Objects.requireNonNull(content, "content");
        allowed(Call.WRITE_DATA);
        Transaction t = transaction;
        int n = content.remaining();
        if (!t.eightBitAllowed) {
            int at = firstEightBit(content);
            if (at >= 0) {
                long offset = t.contentOffset + at;
                throw contentFailed(new UnsupportedFeatureException("8BITMIME", Replies.CONVERSION_NOT_SUPPORTED,
                        "content octet at offset " + offset + " has the high bit set, but MAIL FROM did not declare"
                                + " BODY=8BITMIME (RFC 6152 §3); " + (extensions.eightBitMime()
                                ? "the server offers 8BITMIME, so declare it"
                                : "the server does not offer 8BITMIME, so the content must be 7-bit")
                                + ". Drop the connection: this message must not be completed"));
            }
        }
        try {
            if (t.bdat) {
                writeChunks(t, content);
            } else {
                writeStuffed(t, content);
            }
        } catch (IllegalArgumentException e) {
            throw contentFailed(e);
        }
        t.contentOffset += n;
    }

    /**
     * Ends the content: the end-of-data indication {@code CRLF.CRLF} for DATA (RFC 5321
     * §4.1.1.4), or the last chunk {@code BDAT n LAST} (RFC 3030 §2). The reply (one per accepted
     * recipient in LMTP) ends the transaction. After a refused BDAT chunk nothing more is sent
     * but an RSET (RFC 3030 §2).
     *
     * @throws IllegalArgumentException with {@link ClientConfig#normalizeLineEndings()} off, if the content
     *                                  ended with a bare CR; the session then closes
     * @throws IllegalStateException    unless in state CONTENT
     */
    public void endData() {
        Phase to = allowed(Call.END_DATA);
        Transaction t = transaction;
        int replies = lmtp ? t.accepted() : 1;
        if (!t.bdat) {
            ensureRoom(8);
            ByteBuffer target = ByteBuffer.wrap(out, outLength, out.length - outLength);
            try {
                while (!t.stuffer.finish(target)) {
                    outLength = target.position();
                    ensureRoom(8);
                    target = ByteBuffer.wrap(out, outLength, out.length - outLength);
                }
            } catch (IllegalArgumentException e) {
                throw contentFailed(e);
            }
            outLength = target.position();
            observer.sent(".");
            for (int i = 0; i < replies; i++) {
                pending.add(new Pending(Awaiting.CONTENT_END, ".", i));
            }
        } else if (to == Phase.CHUNK_CLEANUP) {
            command(new Command.Rset(), Awaiting.TRANSACTION_RSET, 0);
        } else {
            if (!t.binary) {
                try {
                    finishChunks(t);
                } catch (IllegalArgumentException e) {
                    throw contentFailed(e);
                }
            }
            flushChunk(t, true, replies);
        }
        moveTo(to);
    }

    /**
     * Sends RSET (RFC 5321 §4.1.1.5): to check that a reused connection is still usable before a
     * new transaction (answered by {@link ClientEvent.ResetAccepted}, or the session closes with
     * {@link CloseCause#RESET_REFUSED}), or to abandon a transaction whose content has not begun
     * (no {@link ClientEvent.TransactionCompleted} follows; replies already due are still read).
     *
     * @throws IllegalStateException unless READY, or in ENVELOPE before DATA was sent; DATA that
     *                               went out pipelined cannot be taken back (RFC 2920 §3.1), so
     *                               such a transaction can only be abandoned by dropping the
     *                               connection
     */
    public void reset() {
        Phase to = allowed(Call.RESET);
        if (to == Phase.PROBE) {
            command(new Command.Rset(), Awaiting.PROBE_RSET, 0);
        } else if (to == Phase.ABANDON) {
            command(new Command.Rset(), Awaiting.ABANDON_RSET, 0);
        }
        // ABANDON_DUE: the RSET goes out from advanceTransaction() once the reply due has come.
        moveTo(to);
    }

    /**
     * Sends QUIT (RFC 5321 §4.1.1.10); 221 closes the session. With pipelining in use it may
     * follow {@link #endData()} at once, in the same write (RFC 2920 §3.1).
     *
     * @throws IllegalStateException unless READY, or MESSAGE_SENT with pipelining in use
     */
    public void quit() {
        Phase to = allowed(Call.QUIT);
        command(new Command.Quit(), Awaiting.QUIT, 0);
        moveTo(to);
    }

    /**
     * Where {@code call} leads from the current phase, by {@link ClientTransitions#CALLS};
     * throws the misuse {@link IllegalStateException} if the table refuses it.
     */
    private Phase allowed(Call call) {
        return ClientTransitions.onCall(phase, call, guards());
    }

    /** The guards of the call table that hold now. */
    private Set<Guard> guards() {
        EnumSet<Guard> facts = EnumSet.noneOf(Guard.class);
        if (pipeliningInUse()) {
            facts.add(Guard.PIPELINING);
            // RFC 3030 §4.2 lets BDAT be pipelined; without PIPELINING every chunk would wait a
            // round trip, so BDAT is used only together with it, and then DATA is not sent.
            if (!(config.chunking() && extensions.chunking())) {
                facts.add(Guard.DATA_WITH_ENVELOPE);
            }
        }
        if (tls) {
            facts.add(Guard.TLS);
        }
        if (transaction != null && !transaction.pipelined && !pending.isEmpty()) {
            facts.add(Guard.REPLY_DUE);
        }
        if (transaction != null && transaction.dataRefusal != null) {
            facts.add(Guard.CHUNK_REFUSED);
        }
        return facts;
    }

    /** Moves by {@link ClientTransitions#TRIGGERS}: what {@code trigger} leads to from here. */
    private void on(Trigger trigger) {
        moveTo(ClientTransitions.onTrigger(phase, trigger));
    }

    /** The one place the state changes. */
    private void moveTo(Phase to) {
        phase = to;
    }

    // ---------------------------------------------------------------- replies

    private void handle(Reply reply) {
        observer.received(reply);
        Pending p = pending.poll();
        written = Math.max(0, written - 1);
        if (p == null) {
            protocolError("reply without a command pending, in state " + phase.describe() + ": " + firstLine(reply));
            return;
        }
        if (reply.code() == 421 && p.what() != Awaiting.QUIT) {
            // RFC 5321 §3.8: 421 means the server is closing the channel, whatever was asked.
            close(CloseCause.SERVICE_CLOSING, Optional.of(reply),
                    "server closing the channel while waiting for " + p.describe(), reply);
            return;
        }
        switch (p.what()) {
            case GREETING -> greeting(reply);
            case EHLO, HELO, LHLO -> hello(p, reply);
            case STARTTLS -> startTlsReply(reply);
            case AUTH -> authReply(p, reply);
            case MAIL -> {
                if (finalReply(p, reply)) {
                    transaction.mailReply = reply;
                }
            }
            case RCPT -> {
                if (finalReply(p, reply)) {
                    transaction.rcptReplies[p.index()] = reply;
                    events.add(new ClientEvent.RecipientReplied(transaction.envelope.recipients().get(p.index()), reply));
                }
            }
            case DATA -> dataReply(p, reply);
            case BDAT -> {
                if (finalReply(p, reply) && reply.isFailure()) {
                    chunkRefused(reply);
                }
            }
            case BDAT_LAST, CONTENT_END -> {
                if (finalReply(p, reply)) {
                    transaction.endReplies.add(reply);
                }
            }
            case LONE_DOT -> finalReply(p, reply);
            case TRANSACTION_RSET -> {
                if (finalReply(p, reply)) {
                    transaction.cleanupReply = reply;
                }
            }
            case PROBE_RSET -> resetReply(p, reply, Trigger.PROBE_ACCEPTED);
            case ABANDON_RSET -> resetReply(p, reply, Trigger.ABANDON_ACCEPTED);
            case QUIT -> {
                if (closing != null) {
                    close(closing.cause(), Optional.of(closing.reply()), closing.detail(), Replies.CONNECTION_LOST);
                } else {
                    close(CloseCause.QUIT, Optional.of(reply), "QUIT answered " + reply.code(), Replies.CONNECTION_LOST);
                }
            }
        }
    }

    /** Checks that a reply is 2xx, 4xx or 5xx; a 3xx where none is due breaks the protocol. */
    private boolean finalReply(Pending p, Reply reply) {
        if (reply.isPositiveIntermediate()) {
            protocolError("unexpected " + reply.code() + " as " + p.describe() + ": " + firstLine(reply));
            return false;
        }
        return true;
    }

    private void greeting(Reply reply) {
        if (reply.code() == 220) {
            sendHello();
            on(Trigger.GREETED);
        } else if (reply.isFailure()) {
            // RFC 5321 §3.1: a server that refuses with 554 waits for QUIT.
            quitThenClose(Trigger.GREETING_REFUSED, CloseCause.GREETING_REFUSED, reply,
                    "greeting refused with " + reply.code());
        } else {
            protocolError("the greeting must be 220, 554 or 421 (RFC 5321 §3.1, §4.2.5), not " + firstLine(reply));
        }
    }

    private void sendHello() {
        String name = config.heloName();
        if (lmtp) {
            command(new Command.Lhlo(name), Awaiting.LHLO, 0);
        } else if (config.heloOnly()) {
            command(new Command.Helo(name), Awaiting.HELO, 0);
        } else {
            command(new Command.Ehlo(name), Awaiting.EHLO, 0);
        }
    }

    private void hello(Pending p, Reply reply) {
        if (!finalReply(p, reply)) {
            return;
        }
        if (reply.isPositiveCompletion()) {
            extensions = p.what() == Awaiting.HELO ? Extensions.NONE : Extensions.parse(reply);
            on(Trigger.HELLO_ACCEPTED);
            events.add(new ClientEvent.Ready(reply, extensions));
        } else if (p.what() == Awaiting.EHLO && reply.isPermanentFailure()) {
            // RFC 5321 §3.2: a server that does not know EHLO answers 500 or 502; say HELO.
            command(new Command.Helo(config.heloName()), Awaiting.HELO, 0);
            on(Trigger.HELO_FALLBACK);
        } else {
            quitThenClose(Trigger.HELLO_REFUSED, CloseCause.HELLO_REFUSED, reply,
                    p.command() + " refused with " + reply.code());
        }
    }

    private void startTlsReply(Reply reply) {
        if (reply.code() == 220) {
            // RFC 3207 §4.2: whatever came after the 220 was sent before TLS and cannot be
            // trusted; the decoder starts afresh once the handshake is done.
            decoder = new ReplyDecoder(limits);
            decodeFailure = null;
            on(Trigger.TLS_ACCEPTED);
            events.add(new ClientEvent.StartTls());
        } else if (reply.isFailure()) {
            on(Trigger.TLS_REFUSED);
            events.add(new ClientEvent.StartTlsRefused(reply));
        } else {
            protocolError("STARTTLS must be answered 220, 4xx or 5xx (RFC 3207 §4), not " + firstLine(reply));
        }
    }

    private void authReply(Pending p, Reply reply) {
        if (reply.isPositiveCompletion()) {
            authenticated = true;
            on(Trigger.AUTH_ENDED);
            events.add(new ClientEvent.AuthSucceeded(reply));
        } else if (reply.code() == 334) {
            if (deferredInitialResponse != null) {
                String response = deferredInitialResponse;
                deferredInitialResponse = null;
                append((response + "\r\n").getBytes(StandardCharsets.US_ASCII));
                observer.sent(REDACTED);
                pending.add(new Pending(Awaiting.AUTH, "the AUTH initial response", 0));
                on(Trigger.AUTH_DEFERRED_RESPONSE);
                return;
            }
            on(Trigger.AUTH_CHALLENGED);
            events.add(new ClientEvent.AuthChallenge(reply.lines().get(0).strip()));
        } else if (reply.isFailure()) {
            deferredInitialResponse = null;
            on(Trigger.AUTH_ENDED);
            events.add(new ClientEvent.AuthFailed(reply));
        } else {
            protocolError("unexpected " + reply.code() + " as " + p.describe() + " (RFC 4954 §4): " + firstLine(reply));
        }
    }

    private void dataReply(Pending p, Reply reply) {
        if (reply.isPositiveCompletion() || (reply.isPositiveIntermediate() && reply.code() != 354)) {
            protocolError("DATA must be answered 354, 4xx or 5xx (RFC 5321 §4.1.1.4, §4.3.2), not " + firstLine(reply));
            return;
        }
        transaction.dataReply = reply;
        if (reply.isFailure()) {
            transaction.dataRefusal = reply;
        }
    }

    /** RFC 3030 §2: after a refused chunk the transaction has failed; no further chunk is sent. */
    private void chunkRefused(Reply reply) {
        Transaction t = transaction;
        if (t.dataRefusal != null) {
            return;
        }
        t.dataRefusal = reply;
        if (lmtp) {
            // The message failed as a whole, so BDAT LAST gets one reply, not one per recipient.
            boolean kept = false;
            for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
                if (it.next().what() == Awaiting.BDAT_LAST) {
                    if (kept) {
                        it.remove();
                        written = Math.min(written, pending.size());
                    }
                    kept = true;
                }
            }
        }
    }

    /**
     * The reply to an RSET the caller asked for (RFC 5321 §4.1.1.5): 2xx leaves the connection
     * usable; a probe's may come with a transaction pipelined behind it, which goes on from its
     * own replies (the table keeps its phase).
     */
    private void resetReply(Pending p, Reply reply, Trigger accepted) {
        if (!finalReply(p, reply)) {
            return;
        }
        if (reply.isPositiveCompletion()) {
            if (accepted == Trigger.ABANDON_ACCEPTED) {
                transaction = null;
            }
            on(accepted);
            events.add(new ClientEvent.ResetAccepted(reply));
        } else {
            close(CloseCause.RESET_REFUSED, Optional.of(reply),
                    "RSET answered " + reply.code() + ": the connection is not usable", reply);
        }
    }

    // ---------------------------------------------------------------- the transaction

    /**
     * Takes the next step of the open transaction once none of its replies is outstanding;
     * returns whether anything happened. Replies only record what they say; this is the one
     * place that decides what follows from them, one method per phase, in the order of RFC 5321
     * §3.3: MAIL, RCPT, DATA (or BDAT, RFC 3030 §2), the content, its reply.
     */
    private boolean advanceTransaction() {
        Transaction t = transaction;
        if (t == null || pending.stream().anyMatch(p -> p.what().ofTransaction())) {
            return false;
        }
        return switch (phase) {
            case ENVELOPE -> envelopeAnswered(t);
            case DATA_SENT -> dataAnswered(t);
            case LONE_DOT, CLEANUP, MESSAGE_SENT, CHUNK_CLEANUP, QUIT -> finish(t);
            case ABANDON_DUE -> {
                command(new Command.Rset(), Awaiting.ABANDON_RSET, 0);
                on(Trigger.ABANDON_SENT);
                yield true;
            }
            // CONTENT waits for the caller, ABANDON for its RSET's reply.
            default -> false;
        };
    }

    /** MAIL and RCPT answered, DATA not sent (RFC 5321 §3.3, RFC 3030 §2). */
    private boolean envelopeAnswered(Transaction t) {
        if (!t.pipelined && t.mailAccepted() && t.rcptSent < t.rcptReplies.length) {
            sendRcpt(t.rcptSent);
            on(Trigger.RCPT_NEXT);
            return true;
        }
        boolean anyAccepted = t.accepted() > 0;
        if (t.bdat) {
            return anyAccepted ? openContent(t) : endWithoutContent(t);
        }
        if (anyAccepted) {
            command(new Command.Data(), Awaiting.DATA, 0);
            on(Trigger.DATA_NEXT);
            return true;
        }
        // The RFC 821 aborted transaction: no recipient, so RSET instead of DATA.
        return endWithoutContent(t);
    }

    /** Every reply up to DATA's came (RFC 5321 §4.1.1.4: 354, or a refusal). */
    private boolean dataAnswered(Transaction t) {
        if (t.dataReply.code() != 354) {
            return endWithoutContent(t);
        }
        if (t.accepted() > 0) {
            return openContent(t);
        }
        // RFC 2920 §3.1: DATA went out pipelined and the server said 354 though no recipient
        // is valid; an empty message ends the data phase, and the server must refuse it.
        append(new byte[] {'.', CR, LF});
        observer.sent(".");
        pending.add(new Pending(Awaiting.LONE_DOT, ".", 0));
        on(Trigger.LONE_DOT_SENT);
        return true;
    }

    private boolean openContent(Transaction t) {
        if (!t.bdat) {
            t.stuffer = new DotStuffer(config.normalizeLineEndings());
        } else if (!t.binary) {
            // BDAT has no end-of-data indication to protect, only line ends (RFC 3030 §2).
            t.stuffer = DotStuffer.lineEndsOnly(config.normalizeLineEndings());
        }
        on(Trigger.CONTENT_OPENED);
        events.add(new ClientEvent.ReadyForContent());
        return true;
    }

    /**
     * Ends a transaction that sent no content. When MAIL was accepted the server still holds a
     * sender, so RSET clears it (RFC 5321 §4.1.1.5) before the next MAIL.
     */
    private boolean endWithoutContent(Transaction t) {
        if (t.mailAccepted()) {
            command(new Command.Rset(), Awaiting.TRANSACTION_RSET, 0);
            on(Trigger.CLEANUP_SENT);
        } else {
            complete(t, null);
        }
        return true;
    }

    /**
     * Every reply of the transaction came: it is reported; an RSET that cleared it and was not
     * answered 2xx leaves the connection unusable (RFC 5321 §4.1.1.5).
     */
    private boolean finish(Transaction t) {
        complete(t, null);
        if (t.cleanupReply != null && !t.cleanupReply.isPositiveCompletion()) {
            close(CloseCause.RESET_REFUSED, Optional.of(t.cleanupReply),
                    "RSET after a failed transaction answered " + t.cleanupReply.code()
                            + ": the connection is not usable", t.cleanupReply);
        }
        return true;
    }

    private void sendRcpt(int index) {
        Envelope.Recipient r = transaction.envelope.recipients().get(index);
        command(new Command.Rcpt(r.path(), r.parameters()), Awaiting.RCPT, index);
        transaction.rcptSent = index + 1;
    }

    /**
     * Reports the transaction's result and forgets it. {@code undecided} stands for the replies
     * that never came (the connection ended); null when the transaction ran its course.
     */
    private void complete(Transaction t, Reply undecided) {
        TransactionResult result = result(t, undecided);
        transaction = null;
        events.add(new ClientEvent.TransactionCompleted(result));
        on(Trigger.COMPLETED);
    }

    private TransactionResult result(Transaction t, Reply undecided) {
        Reply lost = undecided != null ? undecided : Replies.CONNECTION_LOST;
        Reply mail = t.mailReply != null ? t.mailReply : lost;
        List<TransactionResult.RecipientResult> results = new ArrayList<>();
        List<Reply> dataReplies = new ArrayList<>();
        int accepted = 0;
        for (int i = 0; i < t.rcptReplies.length; i++) {
            Optional<Reply> rcpt = Optional.ofNullable(t.rcptReplies[i]);
            Reply outcome;
            if (!mail.isPositiveCompletion()) {
                outcome = mail;
            } else if (rcpt.isEmpty()) {
                outcome = lost;
            } else if (!rcpt.get().isPositiveCompletion()) {
                outcome = rcpt.get();
            } else {
                outcome = dataOutcome(t, accepted++, lost);
                if (lmtp || dataReplies.isEmpty()) {
                    dataReplies.add(outcome);
                }
            }
            results.add(new TransactionResult.RecipientResult(t.envelope.recipients().get(i), rcpt, outcome));
        }
        return new TransactionResult(t.envelope, mail, results, dataReplies);
    }

    private Reply dataOutcome(Transaction t, int acceptedIndex, Reply lost) {
        if (t.dataRefusal != null) {
            return t.dataRefusal;
        }
        int index = lmtp ? acceptedIndex : 0;
        return index < t.endReplies.size() ? t.endReplies.get(index) : lost;
    }

    // ---------------------------------------------------------------- content

    private void writeStuffed(Transaction t, ByteBuffer content) {
        while (content.hasRemaining()) {
            // Every content octet gives at most two on the wire (CRLF for a bare line end, or a
            // doubled dot), so one pass with this much room consumes it all.
            ensureRoom((int) Math.min(Integer.MAX_VALUE - 16L, 2L * content.remaining() + 2));
            ByteBuffer target = ByteBuffer.wrap(out, outLength, out.length - outLength);
            t.stuffer.encode(content, target);
            outLength = target.position();
        }
    }

    /**
     * Cuts content into chunks of {@link ClientConfig#bdatChunkSize()}, its line ends encoded
     * unless it is BINARYMIME. A full chunk goes out only when more content comes, so that the
     * last one can be {@code BDAT n LAST}.
     */
    private void writeChunks(Transaction t, ByteBuffer content) {
        if (t.chunk == null) {
            t.chunk = new byte[config.bdatChunkSize()];
        }
        while (content.hasRemaining()) {
            if (t.chunkLength == t.chunk.length) {
                flushChunk(t, false, 1);
            }
            ByteBuffer target = ByteBuffer.wrap(t.chunk, t.chunkLength, t.chunk.length - t.chunkLength);
            if (t.binary) {
                int n = Math.min(content.remaining(), target.remaining());
                target.put(content.slice(content.position(), n));
                content.position(content.position() + n);
            } else {
                t.stuffer.encode(content, target);
            }
            t.chunkLength = target.position();
        }
    }

    /** Adds what the line-end encoder still holds back (the LF of a CRLF) to the last chunk. */
    private void finishChunks(Transaction t) {
        if (t.chunk == null) {
            t.chunk = new byte[config.bdatChunkSize()];
        }
        while (true) {
            ByteBuffer target = ByteBuffer.wrap(t.chunk, t.chunkLength, t.chunk.length - t.chunkLength);
            boolean done = t.stuffer.finish(target);
            t.chunkLength = target.position();
            if (done) {
                return;
            }
            flushChunk(t, false, 1);
        }
    }

    /** Sends the buffered chunk, unless a chunk was refused (RFC 3030 §2: no more are sent). */
    private void flushChunk(Transaction t, boolean last, int replies) {
        if (t.dataRefusal != null) {
            t.chunkLength = 0;
            return;
        }
        Command.Bdat cmd = new Command.Bdat(t.chunkLength, last);
        append(cmd.encode());
        if (t.chunkLength > 0) {
            append(t.chunk, t.chunkLength);
        }
        observer.sent(cmd.toString());
        for (int i = 0; i < replies; i++) {
            pending.add(new Pending(last ? Awaiting.BDAT_LAST : Awaiting.BDAT, cmd.toString(), i));
        }
        t.chunkLength = 0;
    }

    private static int firstEightBit(ByteBuffer content) {
        for (int i = content.position(); i < content.limit(); i++) {
            if (content.get(i) < 0) {
                return i - content.position();
            }
        }
        return -1;
    }

    /**
     * Closes the session because its content cannot go out; nothing pending is written, so the
     * server never sees the end of the data.
     */
    private <E extends RuntimeException> E contentFailed(E failure) {
        outLength = 0;
        pending.clear();
        written = 0;
        transaction = null;
        on(Trigger.ENDED);
        return failure;
    }

    // ---------------------------------------------------------------- envelope checks

    /** Checks the envelope against the server's extensions; returns it as it will be sent. */
    private Envelope suitedToServer(Envelope envelope) {
        Parameters p = envelope.mailParameters();
        Parameters.Builder adjusted = p.toBuilder();
        boolean nonAscii = envelope.sender().mailbox().map(m -> !m.isAscii()).orElse(false)
                || envelope.recipients().stream().anyMatch(r -> r.path().mailbox().map(m -> !m.isAscii()).orElse(false));
        if ((nonAscii || p.has("SMTPUTF8")) && !extensions.smtpUtf8()) {
            throw new UnsupportedFeatureException("SMTPUTF8", Replies.SMTPUTF8_REQUIRED,
                    "the envelope " + (nonAscii ? "has a non-ASCII address" : "asks for SMTPUTF8")
                            + " but the server did not offer SMTPUTF8 (RFC 6531 §3.4)");
        }
        if (nonAscii && !p.has("SMTPUTF8")) {
            adjusted.smtpUtf8();
        }
        Optional<Parameters.Body> body;
        try {
            body = p.body();
        } catch (SmtpSyntaxException e) {
            throw new IllegalArgumentException("MAIL parameter BODY: " + e.getMessage(), e);
        }
        if (body.isPresent()) {
            switch (body.get()) {
                case SEVEN_BIT -> {
                    if (!extensions.eightBitMime()) {
                        adjusted.remove("BODY"); // 7BIT is what a message without BODY is anyway
                    }
                }
                case EIGHT_BIT_MIME -> {
                    if (!extensions.eightBitMime()) {
                        throw new UnsupportedFeatureException("8BITMIME", Replies.CONVERSION_NOT_SUPPORTED,
                                "BODY=8BITMIME but the server did not offer 8BITMIME (RFC 6152 §3)");
                    }
                }
                case BINARY_MIME -> {
                    if (!extensions.binaryMime() || !extensions.chunking()) {
                        throw new UnsupportedFeatureException("BINARYMIME", Replies.CONVERSION_NOT_SUPPORTED,
                                "BODY=BINARYMIME but the server did not offer BINARYMIME and CHUNKING (RFC 3030 §3)");
                    }
                    if (!config.chunking() || !config.pipelining() || !extensions.pipelining()) {
                        throw new UnsupportedFeatureException("BINARYMIME", Replies.CONVERSION_NOT_SUPPORTED,
                                "BODY=BINARYMIME needs BDAT (RFC 3030 §3), which this session uses only with"
                                        + " ClientConfig.chunking and ClientConfig.pipelining on and"
                                        + " PIPELINING offered");
                    }
                }
            }
        }
        if (p.has("SIZE")) {
            long declared;
            try {
                declared = p.size().orElseThrow();
            } catch (SmtpSyntaxException e) {
                throw new IllegalArgumentException("MAIL parameter SIZE: " + e.getMessage(), e);
            }
            if (!extensions.hasSize()) {
                adjusted.remove("SIZE"); // RFC 1870 §6: only to a server that offered SIZE
            } else if (extensions.size().isPresent() && declared > extensions.size().getAsLong()) {
                throw new UnsupportedFeatureException("SIZE", Replies.MESSAGE_TOO_BIG,
                        "the message size " + declared + " exceeds the server's SIZE "
                                + extensions.size().getAsLong() + " (RFC 1870 §4, §6.1)");
            }
        }
        boolean dsn = p.has("RET") || p.has("ENVID")
                || envelope.recipients().stream().anyMatch(r -> r.parameters().has("NOTIFY") || r.parameters().has("ORCPT"));
        if (dsn && !extensions.dsn()) {
            throw new UnsupportedFeatureException("DSN", Replies.PARAMETER_NOT_IMPLEMENTED,
                    "the envelope has DSN parameters (RET, ENVID, NOTIFY or ORCPT) but the server did not offer DSN"
                            + " (RFC 3461 §4)");
        }
        if (p.has("REQUIRETLS") && !extensions.requireTls()) {
            throw new UnsupportedFeatureException("REQUIRETLS", Replies.PARAMETER_NOT_IMPLEMENTED,
                    "the envelope asks for REQUIRETLS but the server did not offer it (RFC 8689 §4.1)");
        }
        return envelope.withMailParameters(adjusted.build());
    }


    private void checkAuthLine(String base64) {
        for (int i = 0; i < base64.length(); i++) {
            char c = base64.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '=';
            if (!ok) {
                throw new IllegalArgumentException("a SASL response must be base64 (RFC 4954 §4); character "
                        + i + " is not");
            }
        }
        if (base64.length() + 2 > limits.maxAuthLine()) {
            throw new IllegalArgumentException("SASL response of " + (base64.length() + 2)
                    + " octets exceeds Limits.maxAuthLine (" + limits.maxAuthLine() + ", RFC 4954 §4)");
        }
    }

    // ---------------------------------------------------------------- ending

    private void quitThenClose(Trigger refused, CloseCause cause, Reply reply, String detail) {
        closing = new Closing(cause, reply, detail);
        command(new Command.Quit(), Awaiting.QUIT, 0);
        on(refused);
    }

    private void endOfInputReached() {
        Pending head = pending.peek();
        if (closing != null) {
            close(closing.cause(), Optional.of(closing.reply()), closing.detail(), Replies.CONNECTION_LOST);
        } else if (head != null && head.what() == Awaiting.QUIT) {
            close(CloseCause.QUIT, Optional.empty(), "connection closed after QUIT", Replies.CONNECTION_LOST);
        } else if (head != null) {
            close(CloseCause.END_OF_INPUT, Optional.empty(), "connection closed while waiting for " + head.describe()
                    + (decoder.hasPartialReply() ? ", in the middle of a reply" : ""), Replies.CONNECTION_LOST);
        } else {
            close(CloseCause.END_OF_INPUT, Optional.empty(), "connection closed in state " + phase.describe()
                    + (phase == Phase.CONTENT ? ", while the content was being sent" : ""), Replies.CONNECTION_LOST);
        }
    }

    private void protocolError(String detail) {
        close(CloseCause.PROTOCOL_ERROR, Optional.of(Replies.MALFORMED_REPLY), detail, Replies.MALFORMED_REPLY);
    }

    /**
     * Ends the session: an open transaction goes with the event, its undecided recipients
     * carrying {@code undecided}; nothing more is read. Output already produced stays to be
     * written, so what goes out does not depend on when the caller took it.
     */
    private void close(CloseCause cause, Optional<Reply> reply, String detail, Reply undecided) {
        boolean abandoned = phase == Phase.ABANDON_DUE || phase == Phase.ABANDON;
        Optional<TransactionResult> cut = transaction == null || abandoned
                ? Optional.empty() : Optional.of(result(transaction, undecided));
        transaction = null;
        closing = null;
        on(Trigger.ENDED);
        pending.clear();
        written = 0;
        events.add(new ClientEvent.Closed(cause, reply, detail, cut));
    }

    // ---------------------------------------------------------------- output

    private void command(Command cmd, Awaiting awaiting, int index) {
        append(cmd.encode());
        String line = cmd.toString();
        observer.sent(line);
        pending.add(new Pending(awaiting, line, index));
    }

    private void append(byte[] bytes) {
        append(bytes, bytes.length);
    }

    private void append(byte[] bytes, int length) {
        ensureRoom(length);
        System.arraycopy(bytes, 0, out, outLength, length);
        outLength += length;
    }

    private void ensureRoom(int n) {
        if (out.length - outLength < n) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + n));
        }
    }

    private static String firstLine(Reply reply) {
        String line = reply.toString();
        int end = line.indexOf('\r');
        return end < 0 ? line : line.substring(0, end);
    }

    @Override
    public String toString() {
        return "ClientSession[state=" + phase.describe() + ", tls=" + tls + ", authenticated=" + authenticated
                + ", awaiting=" + pending.size() + " replies]";
    }
}
