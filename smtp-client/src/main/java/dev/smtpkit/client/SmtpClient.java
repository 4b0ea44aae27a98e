package dev.smtpkit.client;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.ClientConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sending SMTP client (RFC 5321) for one destination: it keeps a pool of connections, reuses
 * them, pipelines (RFC 2920), uses BDAT (RFC 3030), 8BITMIME (RFC 6152) and SMTPUTF8 (RFC 6531)
 * when the server offers them, protects the connection with TLS (RFC 3207, RFC 8314) and
 * authenticates (RFC 4954).
 *
 * <pre>{@code
 * try (SmtpClient client = SmtpClient.builder().host("smtp.example.org").port(587)
 *         .credentials(ClientCredentials.password("alice", password)).build()) {
 *     SendResult r = client.send(Envelope.of(Mailbox.parse("alice@example.org"), Mailbox.parse("bob@example.com")),
 *             MessageContent.of(Path.of("message.eml")));
 *     r.refused().forEach(x -> log.warn("{} refused: {}", x.recipient().path(), x.outcome()));
 * }
 * }</pre>
 *
 * <h2>Outcomes</h2>
 * {@link #send} returns a {@link SendResult} when the server took the message for at least one
 * recipient; recipients it refused are listed there with their replies, a normal outcome. It
 * throws when no recipient got the message: {@link SmtpTransientException} when a 4xx decided
 * it (MAIL, every RCPT with at least one 4xx among them, or the content refused for now),
 * {@link SmtpPermanentException} for 5xx; and {@link SmtpConnectionException},
 * {@link SmtpProtocolViolationException}, {@link SmtpTimeoutException} or {@link SmtpTlsException}
 * when no reply decided it. Once a transaction had begun, the exception's
 * {@link SmtpClientException#result()} is the {@link SendResult} of the failed message, recipient by
 * recipient, so each recipient's result is in one type whichever way the send ended. Every reply is checked as it arrives, and whatever has arrived is
 * looked at before each write, over TLS as in plaintext: a reply that answers no command sent yet
 * (RFC 5321 §4.2, RFC 2920 §3) is a protocol violation, and the end of data is never sent after
 * it. Recipients refused as too many ({@code 452 4.5.3}) get the message in a new
 * transaction ({@link Builder#tooManyRecipients}).
 *
 * <h2>Connections</h2>
 * Up to {@link Builder#maxConnections(int)} connections are open at once; a {@code send} waits
 * for one to be free. After a message the connection goes back to the pool. A message on a
 * reused connection first sends RSET (RFC 5321 §4.1.1.5) to check that the server still listens;
 * if that fails the connection is dropped and the message sent once more, on a new connection,
 * before anything of it went out. A connection is not reused after
 * {@link Builder#idleTimeout(Duration)} unused or {@link Builder#maxMessagesPerConnection(int)}
 * messages; such connections are closed with QUIT when next looked at, and all idle ones on
 * {@link #close()}. Nothing is ever sent twice after the content began: a connection lost then
 * is reported, with {@link SmtpConnectionException#mayHaveBeenDelivered()}.
 *
 * <h2>Transcript and logging</h2>
 * Each send's conversation comes back with it: {@link SendResult#transcript()}, or
 * {@link SmtpClientException#transcript()} when it failed. The same lines, with the connection
 * id and server address, are logged at DEBUG on the logger
 * {@code dev.smtpkit.client.transcript}. Message content is elided, AUTH secrets are redacted,
 * control characters from the server are escaped.
 *
 * <p>The client is thread-safe; {@link #close()} it to close its connections and threads.
 */
public final class SmtpClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpClient.class);
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    /** The RFC 5321 §4.5.3.2 timeouts a client waits for: all but the server's. */
    static final Set<Timeout> CLIENT_STAGES = EnumSet.complementOf(EnumSet.of(Timeout.SERVER_COMMAND));

    /** What every connection of a client is opened with. */
    record Settings(String host, int port, Optional<String> heloName, TlsMode tlsMode, SSLContext sslContext,
                    Optional<ClientCredentials> credentials, boolean preferCramMd5, Duration connectTimeout,
                    Map<Timeout, Duration> timeouts, boolean pipelining, boolean chunking,
                    Limits limits, boolean normalizeLineEndings, TooManyRecipientsPolicy tooManyRecipients,
                    WriteWatchdog watchdog, ProtocolMode mode) {

        /** The timeout of one stage (RFC 5321 §4.5.3.2). */
        Duration timeout(Timeout stage) {
            return timeouts.get(stage);
        }
    }

    private final Settings settings;
    private final int maxConnections;
    private final Duration idleTimeout;
    private final int maxMessagesPerConnection;
    private final Semaphore permits;
    /** Idle connections, the most recently used first: the least likely to have been closed by the server. */
    private final Deque<Connection> idle = new ArrayDeque<>();
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final ScheduledExecutorService watchdog;
    private volatile boolean closed;
    /** Connections opened so far: what tells reuse from a new connection per message. */
    private final AtomicLong opened = new AtomicLong();

    private SmtpClient(Builder b) {
        int n = CLIENTS.incrementAndGet();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemons("smtpkit-client-" + n + "-watchdog"));
        SSLContext ssl;
        try {
            ssl = b.sslContext != null ? b.sslContext : SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's default SSLContext is not available", e);
        }
        this.settings = new Settings(b.host, b.port, Optional.ofNullable(b.heloName), b.tlsMode, ssl,
                Optional.ofNullable(b.credentials), b.preferCramMd5, b.connectTimeout, Map.copyOf(b.timeouts),
                b.pipelining, b.chunking, b.limits, b.normalizeLineEndings, b.tooManyRecipients,
                new WriteWatchdog(watchdog, b.timeouts.get(Timeout.DATA_BLOCK)), b.mode);
        this.maxConnections = b.maxConnections;
        this.idleTimeout = b.idleTimeout;
        this.maxMessagesPerConnection = b.maxMessagesPerConnection;
        this.permits = new Semaphore(maxConnections, true);
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownedExecutor = null;
        } else {
            // One thread per connection is all sendAsync can use: more would only wait for a permit.
            this.ownedExecutor = Executors.newFixedThreadPool(maxConnections, daemons("smtpkit-client-" + n + "-send"));
            this.executor = ownedExecutor;
        }
    }

    /** A builder; {@link Builder#host(String)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Sends one message, on a pooled connection; blocks until the server answered the end of the
     * content or the transaction failed. See the class comment for what is returned and thrown.
     *
     * <p>MAIL's parameters are completed from the content unless set: SIZE when its size is known
     * (RFC 1870), BODY=8BITMIME for 8-bit content (RFC 6152) or, for a stream, whenever the server
     * offers 8BITMIME, SMTPUTF8 for non-ASCII addresses and 8-bit header octets (RFC 6531). DSN's
     * RET, ENVID, NOTIFY and ORCPT (RFC 3461) go as given in the envelope.
     *
     * @param envelope the sender, the recipients (at least one) and their ESMTP parameters
     * @param message  the content: the RFC 5322 header and body
     * @throws SmtpPermanentException        also when the message needs an extension the server does
     *                                       not offer (8-bit content without 8BITMIME, UTF-8 without
     *                                       SMTPUTF8, over the server's SIZE, DSN); checked before MAIL
     *                                       for bytes and files, and while sending for a stream, whose
     *                                       connection is then dropped so nothing is delivered
     * @throws UncheckedIOException          when the content cannot be read; nothing is delivered
     * @throws IllegalArgumentException      for an envelope without recipients
     * @throws IllegalStateException         after {@link #close()}
     */
    public SendResult send(Envelope envelope, MessageContent message) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        if (envelope.recipients().isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient (RFC 5321 §3.3)");
        }
        checkOpen();
        MessageContent.EightBit eightBit;
        try {
            eightBit = message.scan();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the message content " + message, e);
        }
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SmtpConnectionException("interrupted while waiting for a free connection", null, null, false, e);
        }
        try {
            checkOpen();
            Connection c = reusable();
            if (c != null) {
                try {
                    return c.transact(envelope, message, eightBit, true);
                } catch (Connection.ProbeFailed e) {
                    // RFC 5321 §4.1.1.5: the server has gone; one fresh connection, rather than
                    // trying every idle one, which have likely gone the same way.
                    LOG.debug("{} failed the RSET probe ({}); sending on a new connection", c, e.getMessage());
                } finally {
                    release(c);
                }
            }
            c = Connection.open(settings);
            opened.incrementAndGet();
            try {
                return c.transact(envelope, message, eightBit, false);
            } catch (Connection.ProbeFailed e) {
                throw new IllegalStateException("a new connection is not probed", e);
            } finally {
                release(c);
            }
        } finally {
            permits.release();
        }
    }

    /**
     * Sends one message on the client's executor ({@link Builder#executor(Executor)}); the future
     * completes as {@link #send} returns or throws. Many such calls share the pool: at most
     * {@link Builder#maxConnections(int)} messages are in flight, the others wait their turn.
     */
    public CompletableFuture<SendResult> sendAsync(Envelope envelope, MessageContent message) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        checkOpen();
        return CompletableFuture.supplyAsync(() -> send(envelope, message), executor);
    }

    /**
     * The most recently used idle connection that has not expired, or null when there is none;
     * expired ones are closed on the way. It is probed as its transaction starts.
     */
    private Connection reusable() {
        while (true) {
            Connection c;
            synchronized (idle) {
                c = idle.pollFirst();
            }
            if (c == null || !expired(c)) {
                return c;
            }
            c.quitQuietly();
        }
    }

    private boolean expired(Connection c) {
        return System.nanoTime() - c.idleSince() >= idleTimeout.toNanos();
    }

    private void release(Connection c) {
        if (c.isReusable() && c.messages() < maxMessagesPerConnection) {
            synchronized (idle) {
                if (!closed) {
                    idle.addFirst(c);
                    return;
                }
            }
        }
        c.quitQuietly();
    }

    /** What every connection is opened with, for tests of the builder's defaults. */
    Settings settings() {
        return settings;
    }

    /** Connections opened so far. */
    long connectionsOpened() {
        return opened.get();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("SmtpClient is closed");
        }
    }

    /**
     * Closes every idle connection with QUIT (RFC 5321 §4.1.1.10), each waiting at most the
     * command timeout, and stops the client's threads. Messages in flight finish; their
     * connections are closed as they come back.
     */
    @Override
    public void close() {
        List<Connection> toClose;
        synchronized (idle) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(idle);
            idle.clear();
        }
        toClose.forEach(Connection::quitQuietly);
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
        watchdog.shutdown();
    }

    @Override
    public String toString() {
        int idleCount;
        synchronized (idle) {
            idleCount = idle.size();
        }
        return "SmtpClient[" + settings.host() + ":" + settings.port() + ", " + settings.tlsMode() + ", "
                + (maxConnections - permits.availablePermits()) + " busy, " + idleCount + " idle"
                + (closed ? ", closed" : "") + "]";
    }

    private static ThreadFactory daemons(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Builds an {@link SmtpClient}; every setting has a default except the host. */
    public static final class Builder {
        private String host;
        private int port = 25;
        private String heloName;
        private TlsMode tlsMode = TlsMode.STARTTLS_REQUIRED;
        private SSLContext sslContext;
        private ClientCredentials credentials;
        private boolean preferCramMd5;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private final Map<Timeout, Duration> timeouts = new EnumMap<>(Timeout.class);
        private Limits limits = ClientConfig.DEFAULT_LIMITS;
        private boolean normalizeLineEndings = true;
        private TooManyRecipientsPolicy tooManyRecipients = TooManyRecipientsPolicy.RETRY_IN_NEW_TRANSACTION;
        private int maxConnections = 4;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private int maxMessagesPerConnection = 100;
        private boolean pipelining = true;
        private boolean chunking = true;
        private Executor executor;
        private ProtocolMode mode = ProtocolMode.SMTP;

        private Builder() {
            for (Timeout t : CLIENT_STAGES) {
                timeouts.put(t, t.rfcDefault());
            }
        }

        /** The server's host name or address; required. With TLS the certificate must name it. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The server's port (25; 587 for submission, RFC 6409; 465 with {@link TlsMode#IMPLICIT}, RFC 8314). */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1 to 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The name this client gives in EHLO (RFC 5321 §4.1.1.1): its fully qualified domain name.
         * By default the address literal of the connection's local end, such as
         * {@code [192.0.2.1]}, which RFC 5321 §4.1.4 allows a client without a meaningful name.
         */
        public Builder heloName(String heloName) {
            Objects.requireNonNull(heloName, "heloName");
            new Command.Ehlo(heloName); // checks the domain or address literal grammar now, not at first send
            this.heloName = heloName;
            return this;
        }

        /** How connections are protected ({@link TlsMode#STARTTLS_REQUIRED}, as RFC 8314 §3 asks of submission). */
        public Builder tlsMode(TlsMode tlsMode) {
            this.tlsMode = Objects.requireNonNull(tlsMode, "tlsMode");
            return this;
        }

        /**
         * Trusts the certificates in a PEM file, and only them, for the server's certificate: a
         * test server's self-signed one, or a private CA. The host name is still checked
         * (RFC 6125). Replaces any {@link #sslContext(SSLContext)}.
         *
         * @throws UncheckedIOException     if the file cannot be read
         * @throws IllegalArgumentException if it holds no certificate in PEM
         */
        public Builder trust(Path pem) {
            this.sslContext = PemTrust.context(Objects.requireNonNull(pem, "pem"));
            return this;
        }

        /** Where trusted certificates and TLS settings come from (the JDK's default {@code SSLContext}). */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /**
         * Authenticate every connection with these credentials (RFC 4954), with the first mechanism
         * the server offers of: XOAUTH2 for a token; for a password CRAM-MD5 if
         * {@link #preferCramMd5 preferred}, then PLAIN (one round trip, RFC 4616), then LOGIN. The
         * server's own order has no meaning (RFC 4954). PLAIN, LOGIN and XOAUTH2 are used only over
         * TLS. None by default.
         */
        public Builder credentials(ClientCredentials credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /**
         * Whether CRAM-MD5 (RFC 2195) comes before PLAIN and LOGIN when the server offers it
         * (off: never used). Over TLS it gains nothing over PLAIN, its MD5 is weak, and it makes
         * the server store a password equivalent; so it is for an old server reached without TLS.
         */
        public Builder preferCramMd5(boolean on) {
            this.preferCramMd5 = on;
            return this;
        }

        /** How long to wait for a TCP connection (30 seconds; RFC 5321 names none). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long to wait at one stage, each defaulting to RFC 5321 §4.5.3.2's value
         * ({@link Timeout#rfcDefault()}): the greeting (5 minutes), the replies to MAIL (5) and
         * each RCPT (5), the 354 to DATA (2), each write of content and each BDAT chunk's reply
         * (3), the reply to the end of the content (10, §4.5.3.2.6: the server may be checking
         * the message), and the reply to any other command, and the TLS handshake
         * ({@link Timeout#CLIENT_COMMAND}, 5).
         *
         * @throws IllegalArgumentException for {@link Timeout#SERVER_COMMAND}, a server's timeout
         */
        public Builder timeout(Timeout stage, Duration timeout) {
            Objects.requireNonNull(stage, "stage");
            if (!CLIENT_STAGES.contains(stage)) {
                throw new IllegalArgumentException(stage + " is a server's timeout; a client waits at " + CLIENT_STAGES);
            }
            timeouts.put(stage, positive(timeout, "timeout"));
            return this;
        }

        /**
         * Sets the timeout of the greeting, MAIL, RCPT and every other command's reply, and of
         * the TLS handshake, at once; see {@link #timeout(Timeout, Duration)}.
         */
        public Builder commandTimeout(Duration timeout) {
            positive(timeout, "commandTimeout");
            for (Timeout t : List.of(Timeout.GREETING, Timeout.MAIL, Timeout.RCPT, Timeout.CLIENT_COMMAND)) {
                timeouts.put(t, timeout);
            }
            return this;
        }

        /**
         * Sets the timeouts of the data phase at once: the 354, each write and chunk, and the
         * reply to the end of the content (RFC 5321 §4.5.3.2.4-6); see
         * {@link #timeout(Timeout, Duration)}.
         */
        public Builder dataTimeout(Duration timeout) {
            positive(timeout, "dataTimeout");
            for (Timeout t : List.of(Timeout.DATA_INITIATION, Timeout.DATA_BLOCK, Timeout.DATA_TERMINATION)) {
                timeouts.put(t, timeout);
            }
            return this;
        }

        /**
         * The limits on what the server sends ({@link ClientConfig#DEFAULT_LIMITS}): the longest
         * reply line ({@link ClientConfig#DEFAULT_MAX_REPLY_LINE}, 8 KiB: RFC 5321 §4.5.3.1.5's
         * 512 octets is exceeded by real servers, and §4.5.3.1 asks for tolerance) and the most
         * lines in one reply. A reply over a limit ends the connection with
         * {@link SmtpProtocolViolationException} naming the limit.
         */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Whether a bare CR or LF in the content is sent as CRLF (on), or the message refused
         * with an {@link IllegalArgumentException} naming its offset (off, for content whose
         * exact bytes matter, such as a signed message); only CRLF ends a line on the wire
         * (RFC 5321 §2.3.8). Replies are read with CRLF or a bare LF as line end either way, as
         * RFC 5321 §4.2 tolerance asks.
         */
        public Builder normalizeLineEndings(boolean on) {
            this.normalizeLineEndings = on;
            return this;
        }

        /**
         * What to do with recipients refused with {@code 452 4.5.3} (too many recipients) when
         * others were accepted ({@link TooManyRecipientsPolicy#RETRY_IN_NEW_TRANSACTION}, as
         * RFC 5321 §4.5.3.1.10 says a client should).
         */
        public Builder tooManyRecipients(TooManyRecipientsPolicy policy) {
            this.tooManyRecipients = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * The most connections open to the destination at once (4: enough to fill a fast link, few
         * enough that servers' per-client limits do not refuse them).
         */
        public Builder maxConnections(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1: " + count);
            }
            this.maxConnections = count;
            return this;
        }

        /**
         * How long an unused connection is kept for reuse (30 seconds: well under the 5 minutes a
         * server waits for a command, RFC 5321 §4.5.3.2.7, so the server rarely closes it first).
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /** How many messages one connection carries before it is closed (100), spreading load over time. */
        public Builder maxMessagesPerConnection(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxMessagesPerConnection must be at least 1: " + count);
            }
            this.maxMessagesPerConnection = count;
            return this;
        }

        /** Whether to pipeline (RFC 2920) when the server offers it (on); off for a server known to get it wrong. */
        public Builder pipelining(boolean on) {
            this.pipelining = on;
            return this;
        }

        /**
         * Speaks LMTP (RFC 2033) instead of SMTP: LHLO, and after the content one reply per
         * accepted recipient, each that recipient's {@link dev.smtpkit.core.client.TransactionResult.RecipientResult#outcome()}
         * in the result, so a message taken for some recipients and not others is a
         * {@link SendResult} listing both. Off by default. LMTP has no port of its own (24 is common).
         */
        public Builder lmtp(boolean on) {
            this.mode = on ? ProtocolMode.LMTP : ProtocolMode.SMTP;
            return this;
        }

        /** Whether to send content with BDAT (RFC 3030) when the server offers CHUNKING (on). */
        public Builder chunking(boolean on) {
            this.chunking = on;
            return this;
        }

        /**
         * Where {@link SmtpClient#sendAsync} runs (by default the client's own daemon threads, one
         * per connection, stopped by {@link SmtpClient#close()}). An executor given here is not
         * shut down by the client.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Builds the client; no connection is made until the first message. */
        public SmtpClient build() {
            if (host == null) {
                throw new IllegalStateException("SmtpClient.Builder.host is required");
            }
            return new SmtpClient(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
