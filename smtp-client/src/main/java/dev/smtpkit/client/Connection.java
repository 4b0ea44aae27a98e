package dev.smtpkit.client;

import dev.smtpkit.client.internal.sasl.SaslClientException;
import dev.smtpkit.client.internal.sasl.SaslClientMechanism;
import dev.smtpkit.client.internal.sasl.SaslClientMechanisms;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.ClientConfig;
import dev.smtpkit.core.client.ClientEvent;
import dev.smtpkit.core.client.ClientSession;
import dev.smtpkit.core.client.ClientState;
import dev.smtpkit.core.client.TransactionResult;
import dev.smtpkit.core.client.UnsupportedFeatureException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP connection: a blocking socket driving a {@link ClientSession}. It opens itself
 * (greeting, EHLO, STARTTLS, AUTH), runs transactions, answers the RSET probe and quits. Every
 * failure is turned into an {@link SmtpClientException} here, and a connection that failed is
 * closed before the exception leaves, so the pool only ever holds usable ones.
 *
 * <p>Output is written once per batch the session produced (one {@code write} of the whole
 * array on a socket with TCP_NODELAY): a pipelined MAIL, RCPTs and DATA go out together, and so
 * does the tail of the content with the end-of-data dot. Splitting a batch into a large write
 * and a small one is what lets Nagle's algorithm hold the small one back until the server's
 * delayed ACK, about 40 ms per message.
 */
final class Connection {

    private static final AtomicLong IDS = new AtomicLong();
    /** Content is read, encoded and written in pieces of this size, so memory stays bounded. */
    private static final int CONTENT_PIECE = 64 * 1024;
    /**
     * How long one look at TLS input that has arrived but is not yet decrypted waits for more
     * octets. A record that is there whole is decrypted without waiting; the wait is paid only
     * when what came was no reply, typically once per STARTTLS connection, for the TLS 1.3
     * session ticket the server sends after the handshake (RFC 8446 §4.6.1).
     */
    private static final int TLS_LOOK_MILLIS = 1;
    /** The most the looks before one write may take together, for TLS octets that keep trickling in. */
    private static final long TLS_LOOKS_NANOS = Duration.ofMillis(100).toNanos();

    private final SmtpClient.Settings settings;
    private final String id;
    private final Transcript transcript;
    private final byte[] readBuffer = new byte[16 * 1024];
    private Socket socket;
    /** The TCP connection's own input: under TLS, the octets of records the TLS socket has not read yet. */
    private InputStream wire;
    private InputStream in;
    private OutputStream out;
    private ClientSession session;
    /** Whether the end of the content went out in the transaction in progress (RFC 1047). */
    private boolean contentEnded;
    private boolean broken;
    /** When the write under way must have ended (System.nanoTime); read by the watchdog's thread. */
    private volatile long writeDeadline;
    /** The watchdog closed the socket under a write. */
    private volatile boolean writeTimedOut;
    /** When the reply being read must have ended (System.nanoTime), or 0 before its first read. */
    private long replyDeadline;
    private int messages;
    private long idleSince;

    private Connection(SmtpClient.Settings settings) {
        this.settings = settings;
        this.id = "c" + IDS.incrementAndGet();
        this.transcript = new Transcript(id);
    }

    /** Connects, reads the greeting, says EHLO, starts TLS and authenticates as configured. */
    static Connection open(SmtpClient.Settings settings) {
        Connection c = new Connection(settings);
        try {
            c.connect();
            c.introduce();
            return c;
        } catch (SmtpClientException e) {
            c.drop();
            e.transcript(c.transcript.take());
            throw e;
        } catch (RuntimeException e) {
            c.drop();
            throw e;
        }
    }

    String id() {
        return id;
    }

    int messages() {
        return messages;
    }

    long idleSince() {
        return idleSince;
    }

    /** Whether the connection can carry another transaction. */
    boolean isReusable() {
        return !broken && session != null && session.state() == ClientState.READY;
    }

    // ---------------------------------------------------------------- opening

    private void connect() {
        InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
        transcript.remote(Transcript.address(address));
        if (address.isUnresolved()) {
            throw new SmtpConnectionException("cannot resolve " + settings.host(), null, null, false, null);
        }
        Socket plain = new Socket();
        socket = plain;
        try {
            // Every batch goes out in one write, so nothing is gained from Nagle's algorithm and
            // it would cost a delayed-ACK wait on each message.
            plain.setTcpNoDelay(true);
            plain.connect(address, millis(settings.connectTimeout()));
        } catch (SocketTimeoutException e) {
            throw new SmtpTimeoutException("cannot connect to " + hostPort() + " within SmtpClient.Builder.connectTimeout ("
                    + human(settings.connectTimeout()) + ")", null, false, e);
        } catch (IOException e) {
            throw new SmtpConnectionException("cannot connect to " + hostPort() + ": " + e.getMessage(), null, null, false, e);
        }
        transcript.note("connected from " + plain.getLocalAddress().getHostAddress() + ":" + plain.getLocalPort());
        streams();
        wire = in;
        if (settings.tlsMode() == TlsMode.IMPLICIT) {
            handshake();
        }
    }

    private String hostPort() {
        return settings.host() + ":" + settings.port();
    }

    private void introduce() {
        ClientConfig config = ClientConfig.builder(settings.heloName().orElseGet(this::addressLiteral))
                .pipelining(settings.pipelining())
                .chunking(settings.chunking())
                .limits(settings.limits())
                .normalizeLineEndings(settings.normalizeLineEndings())
                .mode(settings.mode())
                .build();
        session = new ClientSession(config);
        session.observer(transcript);
        expectReady(next());
        TlsMode mode = settings.tlsMode();
        if ((mode == TlsMode.STARTTLS_OPPORTUNISTIC || mode == TlsMode.STARTTLS_REQUIRED) && !session.isTls()) {
            startTls(mode == TlsMode.STARTTLS_REQUIRED);
        }
        if (settings.credentials().isPresent()) {
            authenticate();
        }
    }

    private void expectReady(ClientEvent e) {
        if (e instanceof ClientEvent.Closed closed) {
            throw failure(closed, "the server would not start a session");
        }
        if (!(e instanceof ClientEvent.Ready)) {
            throw unexpected(e);
        }
    }

    private void startTls(boolean required) {
        if (!session.extensions().startTls()) {
            if (required) {
                quitQuietly();
                throw new SmtpTlsException("TlsMode.STARTTLS_REQUIRED but " + settings.host()
                        + " does not offer STARTTLS (RFC 3207 §4); nothing was sent", null, null);
            }
            transcript.note("STARTTLS not offered: going on in plaintext (TlsMode.STARTTLS_OPPORTUNISTIC)");
            return;
        }
        session.startTls();
        ClientEvent e = next();
        if (e instanceof ClientEvent.StartTlsRefused refused) {
            if (required) {
                quitQuietly();
                throw new SmtpTlsException("TlsMode.STARTTLS_REQUIRED but " + settings.host() + " refused STARTTLS: "
                        + firstLine(refused.reply()) + "; nothing was sent", refused.reply(), null);
            }
            transcript.note("STARTTLS refused: going on in plaintext (TlsMode.STARTTLS_OPPORTUNISTIC)");
            return;
        }
        if (e instanceof ClientEvent.Closed closed) {
            throw failure(closed, "the server ended the session at STARTTLS");
        }
        if (!(e instanceof ClientEvent.StartTls)) {
            throw unexpected(e);
        }
        handshake();
        session.tlsEstablished();
        expectReady(next());
    }

    private void handshake() {
        try {
            SSLSocket tls = (SSLSocket) settings.sslContext().getSocketFactory()
                    .createSocket(socket, settings.host(), settings.port(), true);
            SSLParameters parameters = tls.getSSLParameters();
            // RFC 6125 via the JDK's HTTPS rules: the certificate must name the host we dialled;
            // without this check any certificate the trust store accepts would do.
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
            tls.setUseClientMode(true);
            tls.setSoTimeout(millis(settings.timeout(Timeout.CLIENT_COMMAND)));
            socket = tls;
            tls.startHandshake();
            transcript.note("TLS established: " + tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite());
        } catch (SocketTimeoutException e) {
            throw new SmtpTimeoutException("no TLS handshake with " + settings.host() + " within "
                    + timeoutSetting(Timeout.CLIENT_COMMAND), null, false, e);
        } catch (SSLException e) {
            throw new SmtpTlsException("TLS handshake with " + settings.host() + " failed: " + e.getMessage()
                    + certificateAdvice(e), null, e);
        } catch (IOException e) {
            throw new SmtpConnectionException("connection to " + settings.host() + " lost during the TLS handshake: "
                    + e.getMessage(), null, null, false, e);
        }
        streams();
    }

    /**
     * What to do when the server's certificate was the problem: the JDK says "PKIX path building
     * failed" or names the missing host, and neither tells a user how to trust a test server.
     */
    private String certificateAdvice(SSLException e) {
        boolean untrusted = false;
        boolean wrongName = false;
        for (Throwable c = e; c != null; c = c.getCause()) {
            untrusted |= c instanceof java.security.cert.CertPathValidatorException
                    || c instanceof java.security.cert.CertPathBuilderException;
            wrongName |= c instanceof java.security.cert.CertificateException && String.valueOf(c.getMessage())
                    .startsWith("No ") && String.valueOf(c.getMessage()).contains("matching");
        }
        if (untrusted) {
            return ". The server's certificate is not trusted: trust its PEM (or its CA's) with"
                    + " SmtpClient.Builder.trust(Path), or, for a test server only, accept any certificate"
                    + " (SmtpClient.Builder.sslContext with a trust-all context)";
        }
        if (wrongName) {
            return ". The certificate does not name " + settings.host() + " (RFC 6125): connect by the name it"
                    + " carries, or, for a test server only, accept any certificate (SmtpClient.Builder.sslContext"
                    + " with a trust-all context)";
        }
        return "";
    }

    private void authenticate() {
        SaslClientMechanisms sasl = SaslClientMechanisms.of(settings.credentials().orElseThrow()).preferCramMd5(settings.preferCramMd5());
        var offered = session.extensions().authMechanisms();
        Optional<SaslClientMechanism> chosen = sasl.choose(offered);
        if (chosen.isEmpty()) {
            quitQuietly();
            if (!session.isTls() && !session.extensions().has("AUTH")) {
                throw new SmtpTlsException(settings.host() + " offers no AUTH without TLS, and the connection is not"
                        + " encrypted; use TlsMode.STARTTLS_REQUIRED or IMPLICIT (RFC 4954 §4)", null, null);
            }
            throw new SmtpPermanentException("no SASL mechanism both sides know: the server offers "
                    + (offered.isEmpty() ? "none" : String.join(" ", offered)) + ", these credentials can use "
                    + String.join(" ", sasl.preference()) + " (RFC 4954 §4)", Replies.AUTH_MECHANISM_UNKNOWN, null, null);
        }
        SaslClientMechanism mechanism = chosen.get();
        if (!session.isTls() && !mechanism.name().equals("CRAM-MD5")) {
            quitQuietly();
            throw new SmtpTlsException("refusing to send credentials for " + mechanism.name()
                    + " over a connection without TLS (RFC 4954 §4, RFC 8314 §3); use TlsMode.STARTTLS_REQUIRED or"
                    + " IMPLICIT", null, null);
        }
        session.auth(mechanism.name(), mechanism.initialResponse());
        String localFailure = "";
        while (true) {
            ClientEvent e = next();
            if (e instanceof ClientEvent.AuthChallenge challenge) {
                try {
                    session.authRespond(mechanism.respond(challenge.base64()));
                } catch (SaslClientException x) {
                    localFailure = "; " + x.getMessage();
                    session.authCancel();
                }
            } else if (e instanceof ClientEvent.AuthSucceeded) {
                transcript.note("authenticated with " + mechanism.name());
                return;
            } else if (e instanceof ClientEvent.AuthFailed failed) {
                quitQuietly();
                String message = "AUTH " + mechanism.name() + " refused: " + firstLine(failed.reply())
                        + mechanism.serverError().map(s -> " (" + s + ")").orElse("") + localFailure;
                throw byReply(message, failed.reply(), null, null);
            } else if (e instanceof ClientEvent.Closed closed) {
                throw failure(closed, "the server ended the session during AUTH");
            } else {
                throw unexpected(e);
            }
        }
    }

    private String addressLiteral() {
        InetAddress local = socket.getLocalAddress();
        // RFC 5321 §4.1.4: a client without a meaningful domain name says EHLO with its address.
        return local instanceof Inet6Address ? "[IPv6:" + local.getHostAddress().replaceFirst("%.*$", "") + "]"
                : "[" + local.getHostAddress() + "]";
    }

    // ---------------------------------------------------------------- transactions

    /**
     * The connection failed its RSET probe: nothing of the message reached the server, so it may
     * go on a fresh connection. The connection is closed.
     */
    static final class ProbeFailed extends Exception {
        ProbeFailed(String detail) {
            super(detail, null, false, false);
        }
    }

    /**
     * Runs one transaction; returns when the message was taken for at least one recipient.
     *
     * <p>On a reused connection ({@code probe}) the transaction starts with RSET (RFC 5321
     * §4.1.1.5), to learn whether the connection still works before a message is committed to it:
     * a server may have closed it meanwhile. With PIPELINING the RSET goes out in the same write as
     * the envelope (RFC 2920 §3.1 ends a group at DATA, not at RSET), so the check costs no round
     * trip; the content is written only after the RSET's 250, so a failed probe delivers nothing.
     *
     * @throws ProbeFailed if the connection failed before the RSET was answered with 2xx
     */
    SendResult transact(Envelope envelope, MessageContent content, MessageContent.EightBit eightBit, boolean probe)
            throws ProbeFailed {
        try {
            TransactionResult result = run(prepare(envelope, content, eightBit), content, probe);
            if (settings.tooManyRecipients() == TooManyRecipientsPolicy.RETRY_IN_NEW_TRANSACTION) {
                result = retryTooMany(result, content);
            }
            return outcome(result);
        } catch (SmtpClientException e) {
            e.transcript(transcript.take());
            throw e;
        }
    }

    /**
     * RFC 5321 §4.5.3.1.10: recipients refused as too many ({@code 452}, or the {@code 552} RFC
     * 821 used for it, with enhanced code X.5.3 when there is one) are sent the message in new
     * transactions, on this connection, for as long as each delivers to some of them. Each
     * recipient keeps the result of the transaction that decided it.
     */
    private TransactionResult retryTooMany(TransactionResult result, MessageContent content) {
        TransactionResult merged = result;
        TransactionResult last = result;
        while (true) {
            List<TransactionResult.RecipientResult> tooMany = last.recipients().stream()
                    .filter(r -> r.rcptReply().map(Connection::tooManyRecipients).orElse(false)).toList();
            if (tooMany.isEmpty() || !last.isDelivered() || !content.isRepeatable() || !isReusable()) {
                return merged;
            }
            transcript.note(tooMany.size() + " recipients refused as too many: sending to them in a new transaction"
                    + " (RFC 5321 §4.5.3.1.10)");
            Envelope rest = new Envelope(last.envelope().sender(), last.envelope().mailParameters(),
                    tooMany.stream().map(TransactionResult.RecipientResult::recipient).toList());
            try {
                last = run(rest, content, false);
            } catch (ProbeFailed e) {
                throw new IllegalStateException("a retry is not probed", e);
            } catch (SmtpClientException e) {
                // The message was delivered to the first recipients: what became of the rest is
                // their result, the connection's failure standing for it.
                return merged;
            }
            merged = merge(merged, last);
        }
    }

    private static boolean tooManyRecipients(Reply reply) {
        boolean code = reply.code() == 452 || reply.code() == 552;
        return code && reply.status().map(s -> s.subject() == 5 && s.detail() == 3).orElse(reply.code() == 452);
    }

    /** The first result with the recipients of {@code retry} replaced by their results in it. */
    private static TransactionResult merge(TransactionResult first, TransactionResult retry) {
        List<TransactionResult.RecipientResult> recipients = new ArrayList<>(first.recipients());
        for (TransactionResult.RecipientResult r : retry.recipients()) {
            for (int i = 0; i < recipients.size(); i++) {
                if (recipients.get(i).recipient().equals(r.recipient())
                        && !recipients.get(i).isDelivered()) {
                    recipients.set(i, r);
                    break;
                }
            }
        }
        return new TransactionResult(first.envelope(), first.mailReply(), recipients, first.dataReplies());
    }

    /** Runs one transaction to its end and returns its result; see {@link #transact}. */
    private TransactionResult run(Envelope prepared, MessageContent content, boolean probe) throws ProbeFailed {
        contentEnded = false;
        boolean probing = probe;
        try {
            if (probe) {
                session.reset();
                if (!session.pipeliningInUse()) {
                    awaitProbe();
                    probing = false;
                }
            }
            try {
                session.send(prepared);
            } catch (UnsupportedFeatureException e) {
                if (probing) {
                    awaitProbe();
                    probing = false;
                }
                // Nothing of the message was sent: the connection stays as good as it was.
                throw new SmtpPermanentException(e.getMessage(), e.reply(), null, e);
            }
            messages++;
            while (true) {
                ClientEvent e = next();
                if (e instanceof ClientEvent.ResetAccepted) {
                    probing = false;
                } else if (e instanceof ClientEvent.RecipientReplied) {
                    continue;
                } else if (e instanceof ClientEvent.ReadyForContent) {
                    writeContent(content);
                } else if (e instanceof ClientEvent.TransactionCompleted completed) {
                    idleSince = System.nanoTime();
                    return completed.result();
                } else if (e instanceof ClientEvent.Closed closed) {
                    throw failure(closed, "the connection ended during the transaction");
                } else {
                    throw unexpected(e);
                }
            }
        } catch (SmtpClientException e) {
            if (!probing) {
                throw e;
            }
            transcript.note("RSET probe failed: " + e.getMessage());
            drop();
            throw new ProbeFailed(e.getMessage());
        }
    }

    /** Waits for the RSET's reply; a refusal or a failure ends the session (SmtpClientException). */
    private void awaitProbe() {
        ClientEvent e = next();
        if (e instanceof ClientEvent.Closed closed) {
            throw failure(closed, "the RSET probe failed");
        }
        if (!(e instanceof ClientEvent.ResetAccepted)) {
            throw unexpected(e);
        }
    }

    /**
     * Adds what the content needs to MAIL's parameters unless the caller set them: SIZE when
     * the size is known (RFC 1870 §3); BODY=8BITMIME for 8-bit content, or for content not
     * known in advance when the server offers it, since declaring it for 7-bit content is
     * harmless (RFC 6152 §3); SMTPUTF8 for 8-bit header octets (RFC 6532 §3.2). The session then
     * checks each against the server's offer and refuses before sending anything.
     */
    private Envelope prepare(Envelope envelope, MessageContent content, MessageContent.EightBit eightBit) {
        Parameters p = envelope.mailParameters();
        Parameters.Builder b = p.toBuilder();
        if (!p.has("SIZE")) {
            content.size().ifPresent(b::size);
        }
        if (!p.has("BODY") && (eightBit == MessageContent.EightBit.BODY || eightBit == MessageContent.EightBit.HEADER
                || (eightBit == MessageContent.EightBit.UNKNOWN && session.extensions().eightBitMime()))) {
            b.body(Parameters.Body.EIGHT_BIT_MIME);
        }
        if (!p.has("SMTPUTF8") && eightBit == MessageContent.EightBit.HEADER) {
            b.smtpUtf8();
        }
        return envelope.withMailParameters(b.build());
    }

    private void writeContent(MessageContent content) {
        Optional<byte[]> held = content.inMemory();
        if (held.isPresent()) {
            writeContent(held.get());
            return;
        }
        long octets = 0;
        try (InputStream source = content.open()) {
            byte[] piece = new byte[CONTENT_PIECE];
            while (true) {
                int n;
                try {
                    n = source.read(piece);
                } catch (IOException e) {
                    // The server must not see an end of data, or it would deliver a truncated
                    // message: drop the connection instead (RFC 5321 §4.1.1.4).
                    drop();
                    throw new UncheckedIOException("reading the message content failed after " + octets
                            + " octets; the connection was dropped, so nothing was delivered", e);
                }
                if (n < 0) {
                    break;
                }
                octets += n;
                feed(ByteBuffer.wrap(piece, 0, n));
            }
        } catch (IOException e) {
            drop();
            throw new UncheckedIOException("cannot open the message content " + content, e);
        }
        endContent(octets);
    }

    /** Content held in memory: handed to the session piece by piece as it is, with no copy. */
    private void writeContent(byte[] bytes) {
        for (int off = 0; off < bytes.length; off += CONTENT_PIECE) {
            feed(ByteBuffer.wrap(bytes, off, Math.min(CONTENT_PIECE, bytes.length - off)));
        }
        endContent(bytes.length);
    }

    /** Hands one piece of content to the session, and writes once a piece's worth is queued. */
    private void feed(ByteBuffer piece) {
        try {
            session.writeData(piece);
        } catch (UnsupportedFeatureException e) {
            // ClientSession closed itself without writing the end of data; the server must not
            // see one either, so the connection goes (ClientSession#writeData).
            drop();
            throw new SmtpPermanentException(e.getMessage(), e.reply(), null, e);
        }
        if (session.pendingOutput() >= CONTENT_PIECE) {
            write(session.takeOutput());
        }
    }

    private void endContent(long octets) {
        transcript.content(octets);
        // Issue 17: a reply that came while the content went out answers nothing sent; once the
        // end of data went out it would pass for the reply to it. The session closes on it, and
        // transact() reports the Closed event instead.
        pollInput();
        if (session.state() != ClientState.CONTENT) {
            return;
        }
        session.endData();
        contentEnded = true;
        // The tail of the content and the end-of-data dot go out together at the next read.
    }

    private SendResult outcome(TransactionResult r) {
        if (r.isDelivered()) {
            return SendResult.of(r, transcript.take());
        }
        Reply decisive;
        String what;
        if (!r.mailReply().isPositiveCompletion()) {
            decisive = r.mailReply();
            what = "MAIL FROM:<" + mailbox(r) + "> refused";
        } else if (r.recipients().stream().noneMatch(TransactionResult.RecipientResult::isAccepted)) {
            // Any recipient refused only for now makes the whole message worth trying again.
            decisive = r.recipients().stream().map(TransactionResult.RecipientResult::outcome)
                    .filter(Reply::isTransientFailure).findFirst().orElse(r.recipients().get(0).outcome());
            what = "every recipient refused: " + r.recipients().stream()
                    .map(x -> x.recipient().path() + " " + firstLine(x.outcome())).collect(Collectors.joining("; "));
        } else {
            decisive = r.dataReplies().isEmpty() ? r.recipients().get(0).outcome() : r.dataReplies().get(0);
            what = "message refused";
        }
        String message = what.startsWith("every") ? what : what + ": " + firstLine(decisive);
        throw byReply(message, decisive, r, null);
    }

    private static String mailbox(TransactionResult r) {
        return r.envelope().sender().mailbox().map(Object::toString).orElse("");
    }

    // ---------------------------------------------------------------- ending

    /** Sends QUIT, waits (at most the command timeout) for the reply, and closes. Never throws. */
    void quitQuietly() {
        try {
            if (session != null && session.state() == ClientState.READY && !broken) {
                session.quit();
                while (!(next() instanceof ClientEvent.Closed)) {
                    // replies before the 221, if any, are of no interest now
                }
            }
        } catch (RuntimeException e) {
            transcript.note("QUIT failed: " + e.getMessage());
        }
        drop();
    }

    /** Closes the socket at once, without QUIT. */
    void drop() {
        broken = true;
        if (socket != null && !socket.isClosed()) {
            try {
                socket.close();
            } catch (IOException e) {
                transcript.note("close failed: " + e);
            }
            transcript.note("closed");
        }
    }

    // ---------------------------------------------------------------- the loop

    /** The next event, writing the session's output and reading replies as needed. */
    private ClientEvent next() {
        while (true) {
            ClientEvent e = session.nextEvent();
            if (e instanceof ClientEvent.Closed) {
                // A QUIT the session queued goes out before the socket closes.
                flushQuietly();
                broken = true;
                return e;
            }
            if (!(e instanceof ClientEvent.NeedInput)) {
                // Progress: whatever is awaited next has its whole timeout again.
                replyDeadline = 0;
                return e;
            }
            if (session.hasOutput()) {
                if (pollInput()) {
                    // Whatever came is judged before more commands go out: a reply to one of
                    // them that came first is unsolicited (issue 17).
                    continue;
                }
                write(session.takeOutput());
                replyDeadline = 0;
            }
            read();
        }
    }

    private void read() {
        Timeout stage = stage(session.timeout());
        Duration limit = settings.timeout(stage);
        // The limit bounds the whole reply, not each read: a server trickling an octet at a time
        // would otherwise hold the client for as long as it likes.
        long now = System.nanoTime();
        if (replyDeadline == 0) {
            replyDeadline = now + limit.toNanos();
        }
        long left = replyDeadline - now;
        int n;
        try {
            if (left <= 0) {
                throw new SocketTimeoutException("the reply did not end in time");
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)));
            n = in.read(readBuffer);
        } catch (SocketTimeoutException e) {
            throw timedOut("no reply from " + settings.host() + " within " + timeoutSetting(stage) + " while waiting in "
                    + session.state(), e);
        } catch (IOException e) {
            throw lost("in", e);
        }
        received(n);
    }

    /**
     * Hands the session whatever has already arrived, without waiting for more; returns whether
     * anything came. Called before each write, so that a reply that came before the command it
     * would answer was sent is found unsolicited (issue 17).
     *
     * <p>On a plain socket {@code available()} counts what the kernel holds. A TLS socket counts
     * only what it has already decrypted, and it decrypts one record per read: a reply in a
     * record of its own that came after the last read waits in the kernel, unseen. So under TLS
     * the TCP connection's own count is asked too, and when octets wait there they are read
     * through the TLS socket with a timeout of {@link #TLS_LOOK_MILLIS}. A record that has
     * arrived whole is decrypted at once; a timeout means that what came was no reply (a session
     * ticket or a key update, RFC 8446 §4.6) or a record still arriving, which is waited for while
     * its octets keep coming. The JDK's TLS socket keeps a part-read record across a timeout and
     * stays usable. When nothing waits, the check is two counts and no wait.
     *
     * <p>A reply can be found only if it arrived before the write: one that comes after the end
     * of data cannot be told from the reply to it.
     */
    private boolean pollInput() {
        try {
            int available = in.available();
            if (available > 0) {
                received(in.read(readBuffer, 0, Math.min(available, readBuffer.length)));
                return true;
            }
            return wire != in && wire.available() > 0 && lookAtTls();
        } catch (IOException e) {
            throw lost("in", e);
        }
    }

    /** Reads the TLS records that have arrived, waiting only while their octets keep coming; see {@link #pollInput}. */
    private boolean lookAtTls() throws IOException {
        long end = System.nanoTime() + TLS_LOOKS_NANOS;
        socket.setSoTimeout(TLS_LOOK_MILLIS);
        while (true) {
            try {
                received(in.read(readBuffer));
                return true;
            } catch (SocketTimeoutException e) {
                if (wire.available() <= 0 || System.nanoTime() - end > 0) {
                    return false;
                }
            }
        }
    }

    private void received(int n) {
        if (n < 0) {
            session.receiveEndOfInput();
        } else {
            session.receive(readBuffer, 0, n);
        }
    }

    /**
     * Writes one batch in one call. A blocking socket has no write timeout, so a watchdog closes
     * the socket if a server stops reading for longer than the data timeout.
     */
    private void write(byte[] bytes) {
        writeTimedOut = false;
        writeDeadline = System.nanoTime() + settings.timeout(Timeout.DATA_BLOCK).toNanos();
        settings.watchdog().started(this);
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            if (writeTimedOut) {
                throw timedOut(settings.host() + " took no data within " + timeoutSetting(Timeout.DATA_BLOCK), e);
            }
            throw lost("while writing in", e);
        } finally {
            settings.watchdog().ended(this);
        }
    }

    /** From the watchdog's thread: closes the socket if the write under way is past its deadline. */
    void cutIfWritingPast(long now) {
        if (now - writeDeadline > 0) {
            writeTimedOut = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // the write fails either way
            }
        }
    }

    private void flushQuietly() {
        if (session.hasOutput() && !broken && !socket.isClosed()) {
            try {
                out.write(session.takeOutput());
                out.flush();
            } catch (IOException e) {
                transcript.note("write failed: " + e);
            }
        }
    }

    private void streams() {
        try {
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new SmtpConnectionException("connection to " + settings.host() + " unusable: " + e.getMessage(), null,
                    null, false, e);
        }
    }

    /**
     * The timeout of the stage the session is at; {@link Timeout#CLIENT_COMMAND} when it names
     * none. The end of data has its own (RFC 5321 §4.5.3.2.6), never capped by the others.
     */
    private static Timeout stage(Optional<Timeout> awaited) {
        return awaited.filter(SmtpClient.CLIENT_STAGES::contains).orElse(Timeout.CLIENT_COMMAND);
    }

    /** "the RCPT timeout (5 min, SmtpClient.Builder.timeout(Timeout.RCPT), RFC 5321 §4.5.3.2.3)". */
    private String timeoutSetting(Timeout stage) {
        return "the " + stage + " timeout (" + human(settings.timeout(stage)) + ", SmtpClient.Builder.timeout(Timeout."
                + stage + "), RFC 5321 §4.5.3.2" + switch (stage) {
                    case GREETING -> ".1";
                    case MAIL -> ".2";
                    case RCPT -> ".3";
                    case DATA_INITIATION -> ".4";
                    case DATA_BLOCK -> ".5";
                    case DATA_TERMINATION -> ".6";
                    default -> "";
                } + ")";
    }

    /** A duration as people write it: "600 ms", "30 s", "10 min". */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + " ms";
        }
        long s = ms / 1000;
        return s % 60 == 0 && s > 0 ? s / 60 + " min" : s + " s";
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    // ---------------------------------------------------------------- failures

    /** The exception for a connection lost below the session ({@code where} it was: "in", "while writing in"); it is closed. */
    private SmtpConnectionException lost(String where, IOException e) {
        String message = "connection to " + settings.host() + " lost " + where + " " + session.state() + ": " + e.getMessage();
        drop();
        return new SmtpConnectionException(message, null, cutShort(), contentEnded, e);
    }

    /** The exception for a timeout; the connection is closed. */
    private SmtpTimeoutException timedOut(String message, IOException e) {
        drop();
        return new SmtpTimeoutException(message, cutShort(), contentEnded, e);
    }

    /**
     * Ends the session after its connection failed below it, and returns the transaction that was
     * cut short, recipient by recipient (a reply that never came stood for by
     * {@link Replies#CONNECTION_LOST}), or null when none was under way.
     */
    private TransactionResult cutShort() {
        if (session.state() == ClientState.CLOSED) {
            return null;
        }
        session.receiveEndOfInput();
        TransactionResult completed = null;
        while (true) {
            ClientEvent e = session.nextEvent();
            if (e instanceof ClientEvent.Closed closed) {
                return closed.interrupted().orElse(completed);
            }
            if (e instanceof ClientEvent.TransactionCompleted c) {
                completed = c.result();
            } else if (e instanceof ClientEvent.NeedInput) {
                return completed;
            }
        }
    }

    /** The exception for a session that ended; the connection is closed. */
    private SmtpClientException failure(ClientEvent.Closed closed, String context) {
        drop();
        TransactionResult cut = closed.interrupted().orElse(null);
        String message = context + ": " + closed.detail();
        return switch (closed.cause()) {
            case SERVICE_CLOSING, GREETING_REFUSED, HELLO_REFUSED, RESET_REFUSED ->
                    byReply(message + " (" + firstLine(closed.reply().orElseThrow()) + ")", closed.reply().orElseThrow(),
                            cut, null);
            // The reply of a protocol error is one ClientSession made up to stand for it
            // (Replies.MALFORMED_REPLY): it is not reported as the server's.
            case PROTOCOL_ERROR -> new SmtpProtocolViolationException(message, cut, contentEnded);
            case END_OF_INPUT, QUIT -> new SmtpConnectionException(message, null, cut, contentEnded, null);
        };
    }

    private static SmtpClientException byReply(String message, Reply reply, TransactionResult t, Throwable cause) {
        return reply.isPermanentFailure() ? new SmtpPermanentException(message, reply, t, cause)
                : new SmtpTransientException(message, reply, t, cause);
    }

    private SmtpClientException unexpected(ClientEvent e) {
        drop();
        // ClientSession reports only what its caller asked for; anything else is a bug here.
        throw new IllegalStateException("unexpected " + e + " in " + session.state());
    }

    private static String firstLine(Reply reply) {
        return reply.firstLine();
    }

    @Override
    public String toString() {
        return "Connection[" + id + " " + settings.host() + ":" + settings.port() + ", " + messages + " messages"
                + (broken ? ", closed" : "") + "]";
    }
}
