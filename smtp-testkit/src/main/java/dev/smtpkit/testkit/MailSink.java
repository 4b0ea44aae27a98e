package dev.smtpkit.testkit;

import dev.smtpkit.core.Printable;
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
import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.TranscriptListener;
import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.server.security.SelfSignedCertificate;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * recipients that match a pattern, a {@link FaultPlan} of refusals and dropped connections at
 * given occurrences of MAIL, RCPT and DATA, a delay before the replies to those commands, and
 * STARTTLS required (RFC 3207) with a generated certificate the client can trust through
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

    private final SmtpServer server;
    private final String host;
    private final Optional<SelfSignedCertificate> certificate;
    private final List<RecipientRule> refusals;
    private final FaultPlan faults;
    private final Map<Verb, Duration> delays;
    private final Map<Verb, AtomicInteger> occurrences = new EnumMap<>(Verb.class);
    private final Map<Connection, CapturedSession> live = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private final Object lock = new Object();
    // Guarded by lock.
    private final List<CapturedMessage> messages = new ArrayList<>();
    private final List<CapturedSession> sessions = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();

    private MailSink(Builder b) {
        this.refusals = List.copyOf(b.refusals);
        this.faults = b.faults;
        this.delays = new EnumMap<>(b.delays);
        FaultPlan.VERBS.forEach(v -> occurrences.put(v, new AtomicInteger()));
        this.certificate = b.tls == TlsPolicy.OFF ? Optional.empty() : Optional.of(SelfSignedCertificate.generate(b.hostname));
        this.host = b.bindAddress.getHostAddress();
        SmtpServer.Builder server = SmtpServer.builder()
                .config(ServerConfig.builder().hostname(b.hostname).tlsPolicy(b.tls).build())
                .bindAddress(b.bindAddress)
                .port(b.port)
                // A test that ends with a transaction open should not wait the server's 30 seconds.
                .shutdownGracePeriod(Duration.ofSeconds(1))
                .handler(this::open)
                .transcriptListener(new Recorder());
        certificate.ifPresent(c -> server.tls(c.serverContext()));
        if (!b.users.isEmpty()) {
            server.authenticator(new Accounts(b.users))
                    .authMechanisms(SaslMechanism.PLAIN, SaslMechanism.LOGIN, SaslMechanism.CRAM_MD5)
                    .requireAuth(b.requireAuth)
                    // With STARTTLS required, AUTH waits for TLS as a real submission server's does;
                    // otherwise a test need not set up TLS to try AUTH.
                    .allowAuthWithoutTls(b.tls != TlsPolicy.REQUIRED);
        }
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

    /** The address the sink listens on, as a literal: {@code 127.0.0.1} by default. */
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
     * Forgets the messages and sessions so far. The {@link FaultPlan}'s occurrence counts go on,
     * so a plan describes the sink's whole life; a test that needs it afresh wants a fresh sink.
     */
    public void clear() {
        synchronized (lock) {
            messages.clear();
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

    private SessionHandler open(Connection connection) {
        CapturedSession session = new CapturedSession(connection);
        live.put(connection, session);
        synchronized (lock) {
            sessions.add(session);
        }
        return new Handler(connection, session);
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

        Handler(Connection connection, CapturedSession session) {
            this.connection = connection;
            this.session = session;
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
            // Read whole first: a message cut short throws here and is never kept.
            byte[] bytes = content.readAllBytes();
            session.content(bytes);
            if (intervene(Verb.DATA)) {
                return;
            }
            CapturedMessage message = new CapturedMessage(envelope, bytes, session);
            synchronized (lock) {
                // Told first, under the lock: a listener that fails leaves the message unkept, and one
                // being added meanwhile sees it either among the messages so far or here, never twice.
                listeners.forEach(l -> l.taken(message));
                messages.add(message);
                lock.notifyAll();
            }
        }

        @Override
        public void close() {
            live.remove(connection);
            session.closed();
        }

        /**
         * Waits the verb's delay, then applies the fault planned at this occurrence: throws for a
         * refusal, returns true once the connection is dropped, false if the sink goes on.
         */
        private boolean intervene(Verb verb) throws SmtpRejectException, InterruptedException {
            int occurrence = faults.scope() == FaultPlan.Scope.SINK ? occurrences.get(verb).incrementAndGet()
                    : counts.merge(verb, 1, Integer::sum);
            Duration delay = delays.get(verb);
            if (delay != null) {
                TimeUnit.NANOSECONDS.sleep(delay.toNanos());
            }
            Optional<SinkFault> fault = faults.at(verb, occurrence);
            if (fault.isEmpty()) {
                return false;
            }
            if (fault.get() instanceof SinkFault.Refuse refuse) {
                throw new SmtpRejectException(refuse.reply());
            }
            session.dropped(verb + " #" + occurrence + " (" + faults.scope().name().toLowerCase(java.util.Locale.ROOT) + ")");
            connection.drop();
            return true;
        }
    }

    private record RecipientRule(Pattern pattern, Reply reply) {
    }

    /**
     * The test accounts: PLAIN and LOGIN compare the password, CRAM-MD5 (RFC 2195) computes the
     * digest from it. The identity is the user name; a PLAIN authorization identity other than
     * the user's own is refused.
     */
    private record Accounts(Map<String, String> passwords) implements Authenticator {
        @Override
        public Optional<String> authenticate(Credentials credentials) {
            String expected = passwords.get(credentials.username());
            boolean ok;
            if (expected == null) {
                ok = false;
            } else if (credentials instanceof Credentials.Password p) {
                ok = p.authorizationId().map(p.username()::equals).orElse(true)
                        && MessageDigest.isEqual(p.password().getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
            } else if (credentials instanceof Credentials.ChallengeResponse c) {
                ok = c.matches(expected);
            } else {
                // XOAUTH2 is not offered: the accounts have passwords, not tokens.
                ok = false;
            }
            return ok ? Optional.of(credentials.username()) : Optional.empty();
        }
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
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port;
        private String hostname = "localhost";
        private final List<RecipientRule> refusals = new ArrayList<>();
        private FaultPlan faults = FaultPlan.NONE;
        private final Map<Verb, Duration> delays = new EnumMap<>(Verb.class);
        private TlsPolicy tls = TlsPolicy.OFF;
        private Map<String, String> users = Map.of();
        private boolean requireAuth;

        private Builder() {
        }

        /** The address to listen on: the loopback address, {@code 127.0.0.1}, by default. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The port: 0 by default, for a free one, see {@link MailSink#port()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("MailSink.Builder.port must be 0 to 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /** The name in the greeting and EHLO reply and in the certificate: {@code localhost} by default. */
        public Builder hostname(String hostname) {
            this.hostname = Objects.requireNonNull(hostname, "hostname");
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
            this.refusals.add(new RecipientRule(pattern, new SinkFault.Refuse(reply).reply()));
            return this;
        }

        /** The faults to inject ({@link FaultPlan#NONE}). */
        public Builder faults(FaultPlan plan) {
            this.faults = Objects.requireNonNull(plan, "plan");
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
            if (!FaultPlan.VERBS.contains(verb)) {
                throw new IllegalArgumentException("a MailSink delay can be set for " + FaultPlan.VERBS + ", not " + verb);
            }
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
            delays.put(verb, delay);
            return this;
        }

        /**
         * STARTTLS (RFC 3207) with a freshly generated self-signed certificate for
         * {@link #hostname} and {@code 127.0.0.1}: {@link TlsPolicy#OFF} by default;
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
