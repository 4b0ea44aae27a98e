package dev.smtpkit.testkit;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.core.Verb;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.server.Connection;
import dev.smtpkit.server.MessageHandler;
import dev.smtpkit.server.ReceivedMessage;
import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.TranscriptListener;
import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.server.security.SelfSignedCertificate;
import dev.smtpkit.testkit.Fault.At;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * An SMTP server in the test's JVM that keeps every message it is sent, for testing code that
 * sends mail: the envelope, the content, the headers, and each connection's transcript, HELO
 * name, TLS and AUTH state. It runs on {@link SmtpServer}, so clients meet a real server, on
 * {@code 127.0.0.1} and a free port by default.
 *
 * <pre>{@code
 * try (MailSink sink = MailSink.start()) {
 *     mailer.send(sink.host(), sink.port(), ...);
 *     sink.awaitMessages(1, Duration.ofSeconds(5));
 *     sink.assertThat().hasMessages(1).message(0).hasSubject("Welcome").hasRecipients("ada@example.org");
 * }
 * }</pre>
 *
 * <p>A message is kept before the client gets its 250, so once a synchronous send returned it
 * is in {@link #messages()}; {@link #awaitMessages} is for senders that return earlier.
 *
 * <p>For testing how a client copes, the {@link Builder} sets deterministic behaviours: refusing
 * recipients that match a pattern, {@link Fault faults} (refusals, delays and dropped
 * connections) at given occurrences of MAIL, RCPT and DATA, a delay before every reply to those
 * commands, STARTTLS required (RFC 3207) with a generated certificate the client can trust through
 * {@link #clientSslContext()}, and AUTH (RFC 4954) against test accounts, optional or required
 * ({@link Builder#auth(Map)}, {@link Builder#requireAuth(boolean)}); the identity a client
 * authenticated as is in {@link CapturedMessage#authenticatedIdentity()}.
 *
 * <p>For JUnit 5, {@code dev.smtpkit.testkit.junit.MailSinkExtension} starts and stops sinks. To
 * look at what a sink took in a browser, smtp-inbox's {@code InboxServer.over(sink, address)}
 * serves it in the web inbox, through a {@link Listener}.
 */
public final class MailSink implements AutoCloseable {

    /**
     * Told of each message a sink takes, on the connection's thread, before the message is kept
     * and the client gets its 250, one message at a time: for showing a sink's mail elsewhere.
     */
    public interface Listener {
        /**
         * A message is being taken. If this throws, the message is not kept and the client gets
         * the server's reply to a failed handler (451 4.3.0), as the sink could not keep it.
         */
        void taken(CapturedMessage message);

        /** {@link MailSink#clear()} forgot the messages so far. */
        default void cleared() {
        }
    }

    /**
     * The commands a fault or delay can be set at: the three the sink's application side is asked
     * about (go-smtp's {@code Mail}, {@code Rcpt} and {@code Data}), DATA standing for the reply
     * to the end of the message (RFC 5321 §4.1.1.4, and BDAT's LAST chunk, RFC 3030), since the
     * 354 is the protocol's. Commands the protocol itself refuses (a 501 for bad syntax, a 503
     * out of order) never reach the sink and are not counted.
     */
    private static final Set<Verb> FAULT_VERBS = Collections.unmodifiableSet(EnumSet.of(Verb.MAIL, Verb.RCPT, Verb.DATA));

    private final SmtpServer server;
    private final String host;
    private final Optional<SelfSignedCertificate> certificate;
    private final List<RecipientRule> refusals;
    /** The refusal or drop at each occurrence. */
    private final Map<At.Occurrence, Fault> faults;
    /** The delay at each occurrence, before its fault. */
    private final Map<At.Occurrence, Duration> faultDelays;
    private final boolean faultsPerConnection;
    private final Map<Verb, Duration> delays;
    private final Map<Verb, AtomicInteger> occurrences = new EnumMap<>(Verb.class);
    private final Map<Connection, CapturedSession> live = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private final Object lock = new Object();
    // Guarded by lock.
    private final List<CapturedMessage> messages = new ArrayList<>();
    /**
     * What the sink holds, reckoned in octets: the content of {@link #messages}, and the
     * transcripts of {@link #sessions} (their characters and {@link HeldBytes#LINE_OVERHEAD}
     * a line, {@link HeldBytes#CONNECTION_OVERHEAD} a session). Never above the bound but for a
     * sink's one message ({@link #keep}). Not guarded by {@link #lock}: a transcript takes room
     * while its session's monitor is held, and a listener called under the lock may read any
     * session's transcript, so taking the lock there could deadlock.
     */
    private final HeldBytes heldBytes;
    private final List<CapturedSession> sessions = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();

    private MailSink(Builder b) {
        this.refusals = List.copyOf(b.refusals);
        this.faults = Map.copyOf(b.faults);
        this.faultDelays = Map.copyOf(b.faultDelays);
        this.faultsPerConnection = b.faultsPerConnection;
        this.delays = new EnumMap<>(b.delays);
        this.heldBytes = new HeldBytes(b.maxHeldBytes);
        FAULT_VERBS.forEach(v -> occurrences.put(v, new AtomicInteger()));
        // for the names a client on this machine connects to, whatever name the greeting gives
        this.certificate = b.tls == TlsPolicy.OFF ? Optional.empty() : Optional.of(SelfSignedCertificate.generate("localhost"));
        this.host = Acceptor.LOOPBACK.getHostAddress();
        SmtpServer.Builder server = SmtpServer.builder()
                .bindAddress(Acceptor.LOOPBACK)
                .port(0)
                // A test that ends with a transaction open should not wait the server's 30 seconds.
                .shutdownGracePeriod(Duration.ofSeconds(1))
                .handler(this::open)
                .transcriptListener(new Recorder());
        certificate.ifPresent(c -> server.tls(c.serverContext()).tlsPolicy(b.tls));
        if (!b.users.isEmpty()) {
            server.authenticator(Authenticator.passwords(b.users))
                    .authMechanisms(SaslMechanism.PLAIN, SaslMechanism.LOGIN, SaslMechanism.CRAM_MD5)
                    .requireAuth(b.requireAuth)
                    // With STARTTLS required, AUTH waits for TLS as a real submission server's does;
                    // otherwise a test need not set up TLS to try AUTH.
                    .allowAuthWithoutTls(b.tls != TlsPolicy.REQUIRED)
                    // A test suite tries wrong passwords on purpose, again and again: never shut it out.
                    .maxAuthFailuresPerClient(Integer.MAX_VALUE, Duration.ofMinutes(1));
        }
        b.server.accept(server);
        this.server = server.build().start();
    }

    /** Starts a sink with the defaults: {@code 127.0.0.1}, a free port, every message accepted. */
    public static MailSink start() {
        return builder().start();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The port the sink listens on. */
    public int port() {
        return server.port();
    }

    /**
     * The address a client reaches the sink at, as a literal: {@code 127.0.0.1}, where it
     * listens unless {@link Builder#server} binds it elsewhere.
     */
    public String host() {
        return host;
    }

    /** The messages taken so far (since the last {@link #clear()}), in the order their 250 was due. */
    public List<CapturedMessage> messages() {
        synchronized (lock) {
            return List.copyOf(messages);
        }
    }

    /**
     * Waits until at least {@code count} messages were taken and returns them all.
     *
     * @throws AssertionError if fewer arrived within {@code timeout} (an opentest4j
     *                        {@code AssertionFailedError} with the count expected and the count
     *                        taken), saying how many did and which; or if the thread was
     *                        interrupted while waiting
     */
    public List<CapturedMessage> awaitMessages(int count, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (messages.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new org.opentest4j.AssertionFailedError("MailSink expected " + plural(count, "message") + " within "
                            + Printable.duration(timeout) + " but " + (messages.isEmpty() ? "none" : messages.size()) + " arrived"
                            + (messages.isEmpty() ? "" : ": " + messages), count, messages.size());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for " + plural(count, "message")
                            + "; " + messages.size() + " arrived", e);
                }
            }
            return List.copyOf(messages);
        }
    }

    /**
     * Every connection since the last {@link #clear()}, in the order they came, those that were
     * refused or dropped before a message included.
     */
    public List<CapturedSession> sessions() {
        synchronized (lock) {
            return List.copyOf(sessions);
        }
    }

    /**
     * Forgets the messages and sessions so far. The occurrence counts of the {@link Fault faults}
     * go on, so they describe the sink's whole life; a test that needs them afresh wants a fresh
     * sink. The {@link Builder#maxHeldBytes bound} is free again: a connection still open counts
     * only what its transcript records from now on (one cut for want of room stays cut).
     */
    public void clear() {
        synchronized (lock) {
            messages.clear();
            heldBytes.clear();
            sessions.clear();
            listeners.forEach(Listener::cleared);
        }
    }

    /**
     * Tells {@code listener} of every message taken so far (since the last {@link #clear()}),
     * then of each one taken from now on, so it misses none and sees none twice.
     */
    public void addListener(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            messages.forEach(listener::taken);
            listeners.add(listener);
        }
    }

    /** Stops telling {@code listener}: once this returns, it hears of no more messages. */
    public void removeListener(Listener listener) {
        synchronized (lock) {
            listeners.remove(listener);
        }
    }

    /** Fluent assertions on the messages taken so far, with failures that show what arrived. */
    public MailSinkAssert assertThat() {
        return new MailSinkAssert(messages());
    }

    /** The sink's generated certificate, when STARTTLS is offered. */
    public Optional<SelfSignedCertificate> certificate() {
        return certificate;
    }

    /**
     * A client context that trusts the sink's certificate, and nothing else.
     *
     * @throws IllegalStateException if the sink offers no TLS ({@link Builder#tls(TlsPolicy)} is OFF)
     */
    public SSLContext clientSslContext() {
        return certificate.orElseThrow(() -> new IllegalStateException(
                "clientSslContext() on a MailSink without TLS: set MailSink.Builder.tls(TlsPolicy.REQUIRED or OPTIONAL)"))
                .clientContext();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Stops the server; what was captured stays readable. Idempotent. */
    @Override
    public void close() {
        closed = true;
        server.close();
    }

    @Override
    public String toString() {
        return "MailSink[" + host + ":" + server.port() + ", " + messages().size() + " messages]";
    }

    // ---------------------------------------------------------------- the server's side

    /**
     * Takes the connection unless the sink is full: a test that floods the sink with connections
     * gets a 421 it can see rather than an {@code OutOfMemoryError} in the server, as one that
     * floods it with messages gets a 452 ({@link #keep}).
     */
    private SessionHandler open(Connection connection) {
        CapturedSession session = new CapturedSession(connection, heldBytes::take);
        synchronized (lock) {
            if (!heldBytes.take(HeldBytes.CONNECTION_OVERHEAD)) {
                throw new SmtpRejectException(Reply.of(421, EnhancedStatus.of(4, 3, 1), full()));
            }
            sessions.add(session);
        }
        live.put(connection, session);
        return new Handler(connection, session);
    }

    /** The text of a refusal for want of room. Under the lock. */
    private String full() {
        return "Mail sink full: it " + heldBytes.describe() + " (" + plural(messages.size(), "message")
                + ", " + plural(sessions.size(), "session") + "); the test may clear() it";
    }

    /**
     * Keeps a message: told to the listeners first, so one that fails leaves it unkept. Past
     * {@link Builder#maxHeldBytes} the message is refused with 452 instead: a test that floods the
     * sink gets a reply it can see, not an {@code OutOfMemoryError} somewhere in the server. The
     * first message is kept whatever its size, so a bound set too low still lets a test see one.
     */
    private void keep(CapturedMessage message) throws SmtpRejectException {
        int size = message.received().size();
        synchronized (lock) {
            if (messages.isEmpty()) {
                heldBytes.force(size);
            } else if (!heldBytes.take(size)) {
                throw new SmtpRejectException(Reply.of(452, EnhancedStatus.of(4, 3, 1), full()));
            }
            // Told first, under the lock: a listener that fails leaves the message unkept, and one
            // being added meanwhile sees it either among the messages so far or here, never twice.
            try {
                listeners.forEach(l -> l.taken(message));
            } catch (RuntimeException | Error e) {
                heldBytes.release(size);
                throw e;
            }
            messages.add(message);
            lock.notifyAll();
        }
    }

    private final class Recorder implements TranscriptListener {
        @Override
        public void received(Connection connection, String line) {
            CapturedSession session = live.get(connection);
            if (session != null) {
                session.received(line);
            }
        }

        @Override
        public void sent(Connection connection, Reply reply) {
            CapturedSession session = live.get(connection);
            if (session != null) {
                session.sent(reply);
            }
        }
    }

    /** One connection's decisions: delays and faults first, then the recipient rules, then keep. */
    private final class Handler implements SessionHandler {
        private final Connection connection;
        private final CapturedSession session;
        private final Map<Verb, Integer> counts = new EnumMap<>(Verb.class);
        /**
         * Reads each message whole as the server does for a {@link MessageHandler}, within its
         * memory budget, so the sink keeps the very {@link ReceivedMessage} an application gets.
         */
        private final SessionHandler whole;

        Handler(Connection connection, CapturedSession session) {
            this.connection = connection;
            this.session = session;
            MessageHandler take = this::take;
            this.whole = take.asFactory().open(connection);
        }

        @Override
        public void mail(ReversePath sender, Parameters parameters) throws Exception {
            intervene(Verb.MAIL);
        }

        @Override
        public void rcpt(ForwardPath recipient, Parameters parameters) throws Exception {
            if (intervene(Verb.RCPT)) {
                return;
            }
            String address = CapturedMessage.address(recipient);
            for (RecipientRule rule : refusals) {
                if (rule.pattern().matcher(address).matches()) {
                    throw new SmtpRejectException(rule.reply());
                }
            }
        }

        @Override
        public void message(Envelope envelope, InputStream content) throws Exception {
            // Read whole first: a message cut short throws there and is never kept.
            whole.message(envelope, content);
        }

        private void take(ReceivedMessage message) throws Exception {
            session.content(message.content());
            if (intervene(Verb.DATA)) {
                return;
            }
            keep(new CapturedMessage(message, session));
        }

        @Override
        public void close() {
            live.remove(connection);
            session.closed();
        }

        /**
         * Waits the verb's delay and this occurrence's, then applies the fault set at this
         * occurrence: throws for a refusal, returns true once the connection is dropped, false if
         * the sink goes on.
         */
        private boolean intervene(Verb verb) throws SmtpRejectException, InterruptedException {
            At.Occurrence at = At.command(verb, faultsPerConnection ? counts.merge(verb, 1, Integer::sum)
                    : occurrences.get(verb).incrementAndGet());
            Duration delay = delays.getOrDefault(verb, Duration.ZERO).plus(faultDelays.getOrDefault(at, Duration.ZERO));
            if (!delay.isZero()) {
                TimeUnit.NANOSECONDS.sleep(delay.toNanos());
            }
            Fault fault = faults.get(at);
            if (fault == null) {
                return false;
            }
            if (fault instanceof Fault.RewriteReply refuse) {
                throw new SmtpRejectException(refuse.replacement());
            }
            session.dropped(at + " (" + (faultsPerConnection ? "connection" : "sink") + ")");
            connection.drop();
            return true;
        }
    }

    private record RecipientRule(Pattern pattern, Reply reply) {
    }

    /** Checks that a reply the sink answers with instead of accepting is a failure (RFC 5321 §4.2.1: 4yz or 5yz). */
    private static Reply refusal(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        if (!reply.isFailure()) {
            throw new IllegalArgumentException("a MailSink refusal needs a 4xx or 5xx reply: " + reply.toString().strip());
        }
        return reply;
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    // ---------------------------------------------------------------- builder

    /**
     * Configures a {@link MailSink}. {@link #start()} may be called more than once; each sink is
     * independent, with its own port, certificate and occurrence counts.
     */
    public static final class Builder {
        private Consumer<SmtpServer.Builder> server = s -> { };
        private final List<RecipientRule> refusals = new ArrayList<>();
        private final Map<At.Occurrence, Fault> faults = new HashMap<>();
        private final Map<At.Occurrence, Duration> faultDelays = new HashMap<>();
        private boolean faultsPerConnection;
        private final Map<Verb, Duration> delays = new EnumMap<>(Verb.class);
        private TlsPolicy tls = TlsPolicy.OFF;
        private Map<String, String> users = Map.of();
        private boolean requireAuth;
        private long maxHeldBytes = Runtime.getRuntime().maxMemory() / 4;

        private Builder() {
        }

        /**
         * The most the sink holds, in octets (a quarter of the heap by default): the content of
         * the messages it keeps and the transcripts of its sessions, which include each message's
         * content once more (a line is reckoned at its characters and 64 octets more, a session
         * at 512 octets before its lines). Past it a message gets {@code 452 4.3.1}, a new
         * connection {@code 421 4.3.1} (and is not among the sessions), and a transcript stops
         * with a comment, until the test calls {@link MailSink#clear()}. A message is always kept
         * when the sink holds no message, whatever its size.
         */
        public Builder maxHeldBytes(long octets) {
            if (octets < 1) {
                throw new IllegalArgumentException("maxHeldBytes must be positive: " + octets);
            }
            this.maxHeldBytes = octets;
            return this;
        }

        /**
         * Sets anything of the {@link SmtpServer} the sink runs on, such as
         * {@code server(s -> s.hostname("mx.example.org").port(2525).maxMessageSize(1 << 20))}.
         * It is called after the sink's own settings ({@code 127.0.0.1}, a free port, a
         * one-second shutdown grace period, and what {@link #tls} and {@link #auth} set up), so it
         * may change any of them, but it must leave the handler and the transcript listener, which
         * are how the sink captures. Each call adds to the ones before.
         */
        public Builder server(Consumer<SmtpServer.Builder> customiser) {
            Objects.requireNonNull(customiser, "customiser");
            this.server = this.server.andThen(customiser);
            return this;
        }

        /** Refuses recipients whose whole address ({@code local@domain}) matches, with 550 5.1.1. */
        public Builder refuseRecipients(Pattern pattern) {
            return refuseRecipients(pattern, Replies.NO_SUCH_USER);
        }

        /**
         * Refuses recipients whose whole address ({@code local@domain}, or {@code Postmaster})
         * matches {@code pattern} with {@code reply}. Rules are tried in the order given.
         */
        public Builder refuseRecipients(Pattern pattern, Reply reply) {
            Objects.requireNonNull(pattern, "pattern");
            this.refusals.add(new RecipientRule(pattern, refusal(reply)));
            return this;
        }

        /**
         * Injects {@code fault} at an occurrence of MAIL, RCPT or DATA (the reply to the end of
         * the message): a {@link Fault.RewriteReply} with a 4xx or 5xx reply refuses the command,
         * a {@link Fault.DropConnection} closes the connection without a reply, a
         * {@link Fault.DelayReply} waits before the reply (and before a fault at the same
         * occurrence). Occurrences count from 1 over the sink's whole life, across connections,
         * so that a client's retry on a new connection is the next occurrence, unless
         * {@link #faultsPerConnection()}. None by default.
         *
         * @throws IllegalArgumentException for a fault the sink cannot inject (the proxy's
         *                                  middlebox faults, the greeting, another verb, a 2xx or
         *                                  3xx reply), or a second refusal or drop at one occurrence
         */
        public Builder fault(Fault fault) {
            Objects.requireNonNull(fault, "fault");
            At at = fault instanceof Fault.RewriteReply r ? r.at()
                    : fault instanceof Fault.DelayReply d ? d.at()
                    : fault instanceof Fault.DropConnection d ? d.at()
                    : null;
            if (at == null) {
                throw new IllegalArgumentException("a MailSink can refuse (Fault.RewriteReply), delay (Fault.DelayReply) or"
                        + " drop (Fault.DropConnection); " + fault + " is for an SmtpProxy");
            }
            if (!(at instanceof At.Occurrence o) || !FAULT_VERBS.contains(o.verb())) {
                throw new IllegalArgumentException("a MailSink fault can be set at " + FAULT_VERBS + ", not " + at);
            }
            if (fault instanceof Fault.DelayReply d) {
                faultDelays.merge(o, d.delay(), Duration::plus);
                return this;
            }
            if (fault instanceof Fault.RewriteReply r) {
                refusal(r.replacement());
            }
            Fault before = faults.putIfAbsent(o, fault);
            if (before != null) {
                throw new IllegalArgumentException(o + " already has a fault: " + before);
            }
            return this;
        }

        /**
         * Counts the occurrences that {@link #fault faults} are set at within each connection,
         * starting again at 1 on each new one, as an {@link SmtpProxy} does; by default they count
         * over the sink's whole life.
         */
        public Builder faultsPerConnection() {
            this.faultsPerConnection = true;
            return this;
        }

        /**
         * Waits {@code delay} before answering each MAIL, RCPT or DATA (the reply to the end of the
         * message), as a slow or overloaded server does; a planned fault comes after the wait.
         *
         * @throws IllegalArgumentException for another verb, or a negative delay
         */
        public Builder delay(Verb verb, Duration delay) {
            Objects.requireNonNull(verb, "verb");
            Objects.requireNonNull(delay, "delay");
            if (!FAULT_VERBS.contains(verb)) {
                throw new IllegalArgumentException("a MailSink delay can be set for " + FAULT_VERBS + ", not " + verb);
            }
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
            delays.put(verb, delay);
            return this;
        }

        /**
         * STARTTLS (RFC 3207) with a freshly generated self-signed certificate for
         * {@code localhost} and {@code 127.0.0.1}: {@link TlsPolicy#OFF} by default;
         * {@link TlsPolicy#REQUIRED} answers MAIL before STARTTLS with 530 5.7.0.
         */
        public Builder tls(TlsPolicy policy) {
            this.tls = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Offers AUTH (RFC 4954) and accepts these accounts, user name to password; none by
         * default, and then AUTH is not offered. PLAIN, LOGIN and CRAM-MD5 are offered, so the
         * sink checks whichever a client under test uses. AUTH is offered without TLS too, so a
         * test need not set TLS up to try it; with {@link #tls(TlsPolicy)} REQUIRED it is offered
         * only after STARTTLS (RFC 4954 §4), as a submission server does. A wrong password gets
         * 535 5.7.8 (RFC 4954 §6).
         *
         * @throws IllegalArgumentException for an empty user name or password
         */
        public Builder auth(Map<String, String> users) {
            Objects.requireNonNull(users, "users");
            users.forEach((user, password) -> {
                if (user.isEmpty() || password.isEmpty()) {
                    throw new IllegalArgumentException("MailSink.Builder.auth needs a user name and a password for every account");
                }
            });
            this.users = Map.copyOf(users);
            return this;
        }

        /**
         * Whether MAIL needs AUTH first: off by default; on answers MAIL before AUTH with
         * 530 5.7.0 (RFC 4954 §6) and needs {@link #auth(Map)}.
         */
        public Builder requireAuth(boolean on) {
            this.requireAuth = on;
            return this;
        }

        /**
         * Starts a sink.
         *
         * @throws java.io.UncheckedIOException if the address cannot be bound
         * @throws IllegalStateException        for {@link #requireAuth(boolean)} without {@link #auth(Map)}
         */
        public MailSink start() {
            if (requireAuth && users.isEmpty()) {
                throw new IllegalStateException("MailSink.Builder.requireAuth is on but no account was given:"
                        + " set MailSink.Builder.auth(users)");
            }
            return new MailSink(this);
        }
    }
}
