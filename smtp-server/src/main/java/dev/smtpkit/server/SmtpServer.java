package dev.smtpkit.server;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerExtension;
import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.server.internal.Network;
import dev.smtpkit.server.internal.Embedding;
import dev.smtpkit.server.internal.Link;
import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.internal.sasl.ChallengeSource;
import dev.smtpkit.server.security.PemTls;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.server.internal.sasl.SaslServerMechanisms;
import dev.smtpkit.server.internal.TlsProtocols;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable SMTP server (RFC 5321): a builder, a handler, and a thread for each connection,
 * on JDK sockets (for its whole life) or, with {@link Builder#transport(Transport)}, on Netty
 * (only while it has something to do, not while it waits for the client's next command).
 *
 * <pre>{@code
 * try (SmtpServer server = SmtpServer.builder()
 *         .bindAddress(InetAddress.getLoopbackAddress()).port(2525)
 *         .messageHandler(message -> inbox.add(message))
 *         .build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>With a certificate ({@link Builder#tls(SSLContext)}) it offers STARTTLS (RFC 3207) and can
 * listen on a second, implicit-TLS port too (RFC 8314 §3.3, {@link Builder#implicitTlsPort(int)});
 * with an {@link Authenticator} it offers AUTH (RFC 4954), over TLS only unless told otherwise.
 * Behind a load balancer it reads the PROXY protocol header ({@link Builder#proxyProtocol}) or
 * Postfix's XCLIENT ({@link Builder#xclient}) from trusted networks only.
 *
 * <p>The protocol is {@link dev.smtpkit.core.server.ServerSession}'s; this class adds sockets,
 * threads, the RFC 5321 §4.5.3.2 timeouts, connection limits, logging (the wire transcript is
 * at DEBUG on the logger {@value Transcript#LOGGER_NAME}) and {@link #metrics()}. The client
 * gets its 250 for a message only after the handler returned normally with all of it.
 *
 * <p>{@link #close()} stops accepting, answers idle sessions with 421 (RFC 5321 §3.8), lets
 * transactions in flight finish within {@link Builder#shutdownGracePeriod(Duration)}, then closes
 * every connection and ends every thread the server started.
 */
public final class SmtpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);
    /** How long close() waits for connection threads after their sockets were closed. */
    private static final Duration THREAD_EXIT_WAIT = Duration.ofSeconds(5);

    private enum Status { NEW, RUNNING, CLOSING, CLOSED }

    private final Settings settings;
    private final Optional<InetAddress> bindAddress;
    private final int requestedPort;
    private final Optional<Integer> requestedImplicitTlsPort;
    private final int backlog;
    private final int maxConnections;
    private final int maxConnectionsPerClient;
    private final Duration shutdownGracePeriod;
    private final Optional<Executor> applicationExecutor;
    private final Transport transport;
    /** Netty's event loops; empty for the default (one for every two cores). */
    private final Optional<Integer> eventLoops;

    private final Object lock = new Object();
    private final AtomicLong sessionIds = new AtomicLong();
    // Guarded by lock.
    private Status status = Status.NEW;
    private final Set<SessionDriver> workers = new HashSet<>();
    private final Map<InetAddress, Integer> perClient = new HashMap<>();
    /** Connections shed for others' (LoadShedding) whose threads have not ended yet; they count against no limit. */
    private final Set<SessionDriver> shed = new HashSet<>();
    private volatile boolean stressed;

    private Network network;
    private Network.Listener listener;
    private Network.Listener implicitTlsListener;
    private Executor executor;
    private ExecutorService ownedExecutor;
    private Watchdog watchdog;
    /** Numbers servers in thread names. */
    private static final AtomicLong SERVERS = new AtomicLong();

    private SmtpServer(Builder b, Settings settings) {
        this.settings = settings;
        this.bindAddress = Optional.ofNullable(b.bindAddress);
        this.requestedPort = b.port;
        this.requestedImplicitTlsPort = Optional.ofNullable(b.implicitTlsPort);
        this.backlog = b.backlog;
        this.maxConnections = fitToHeap(b.maxConnections, Runtime.getRuntime().maxMemory());
        this.maxConnectionsPerClient = b.maxConnectionsPerClient;
        this.shutdownGracePeriod = b.shutdownGracePeriod;
        this.applicationExecutor = Optional.ofNullable(b.executor);
        this.transport = b.transport;
        this.eventLoops = Optional.ofNullable(b.eventLoops);
    }

    /** A builder with the defaults: port 25 on all interfaces, RFC 5321 limits and timeouts. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts accepting connections.
     *
     * @return this server, for {@code builder()...build().start()} in a try-with-resources
     * @throws UncheckedIOException  if the address cannot be bound
     * @throws IllegalStateException if the server was started or closed before
     */
    public SmtpServer start() {
        synchronized (lock) {
            if (status != Status.NEW) {
                throw new IllegalStateException("start() on a server that is " + status);
            }
            if (applicationExecutor.isPresent()) {
                executor = applicationExecutor.get();
            } else {
                ownedExecutor = Threads.connectionExecutor();
                executor = ownedExecutor;
            }
            Network net;
            try {
                net = network(transport, eventLoops, executor, settings);
            } catch (RuntimeException e) {
                shutdownOwnedExecutor();
                throw e;
            }
            Network.Listener plain;
            Network.Listener tls = null;
            try {
                plain = listen(net, requestedPort, false);
                if (requestedImplicitTlsPort.isPresent()) {
                    try {
                        tls = listen(net, requestedImplicitTlsPort.get(), true);
                    } catch (UncheckedIOException e) {
                        plain.close();
                        throw e;
                    }
                }
            } catch (UncheckedIOException e) {
                net.close();
                shutdownOwnedExecutor();
                throw e;
            }
            network = net;
            listener = plain;
            implicitTlsListener = tls;
            watchdog = new Watchdog(Threads.PREFIX + "watchdog-" + SERVERS.incrementAndGet(), this::live, executor, settings);
            // A connection accepted already waits in admit() for this lock, so it finds the server running.
            status = Status.RUNNING;
            LOG.info("SMTP server {} listening on {} ({})", settings.config().hostname(), Transcript.address(plain.localAddress()), transport);
            if (tls != null) {
                LOG.info("SMTP server {} listening with implicit TLS on {}", settings.config().hostname(), Transcript.address(tls.localAddress()));
            }
            return this;
        }
    }

    static {
        Embedding.register((server, implicitTls) -> server.startEmbedded(implicitTls));
    }

    /**
     * {@link #start()} without ports, for {@code SmtpChannelInitializer}: the application's own
     * Netty server accepts the connections and hands each to the returned admission.
     */
    private Consumer<Link> startEmbedded(boolean implicitTls) {
        synchronized (lock) {
            if (status != Status.NEW) {
                throw new IllegalStateException("SmtpChannelInitializer on a server that is " + status);
            }
            if (implicitTls && settings.tls().isEmpty()) {
                throw new IllegalArgumentException("SmtpChannelInitializer.implicitTls needs a certificate: set SmtpServer.Builder.tls(context)");
            }
            if (eventLoops.isPresent()) {
                throw new IllegalStateException("SmtpServer.Builder.eventLoops means nothing in an application's own Netty"
                        + " pipeline (SmtpChannelInitializer): the event loops are the application's");
            }
            if (applicationExecutor.isPresent()) {
                executor = applicationExecutor.get();
            } else {
                ownedExecutor = Threads.connectionExecutor();
                executor = ownedExecutor;
            }
            watchdog = new Watchdog(Threads.PREFIX + "watchdog-" + SERVERS.incrementAndGet(), this::live, executor, settings);
            status = Status.RUNNING;
            LOG.info("SMTP server {} started in an application's Netty pipeline", settings.config().hostname());
        }
        return link -> admit(link, implicitTls);
    }

    /**
     * The transport's network. Netty is named only here, on the path that chose it, so that an
     * application on the JDK transport never loads a Netty class and need not have Netty.
     */
    private static Network network(Transport transport, Optional<Integer> eventLoops, Executor executor, Settings settings) {
        if (transport == Transport.NETTY) {
            try {
                return dev.smtpkit.server.netty.internal.NettyNetwork.create(eventLoops);
            } catch (NoClassDefFoundError e) {
                throw new IllegalStateException("Transport.NETTY needs Netty 4.2 on the class path: add"
                        + " io.netty:netty-handler (an optional dependency of smtp-server)", e);
            }
        }
        // Ten watchdog periods: a wait the watchdog ends is then at most a tenth late.
        return new SocketNetwork(executor, 10 * Watchdog.periodNanos(settings));
    }

    private Network.Listener listen(Network net, int port, boolean implicitTls) {
        InetSocketAddress address = bindAddress.map(a -> new InetSocketAddress(a, port)).orElseGet(() -> new InetSocketAddress(port));
        try {
            return net.listen(address, backlog, wire -> admit(wire, implicitTls));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindAddress.map(InetAddress::getHostAddress).orElse("*")
                    + ":" + port, e);
        }
    }

    /** The port the server listens on: the one bound, so the actual port when 0 was asked for. */
    public int port() {
        synchronized (lock) {
            if (listener == null) {
                throw new IllegalStateException(status == Status.NEW ? "port() before start()"
                        : "port() on a server without ports of its own (SmtpChannelInitializer)");
            }
            return listener.port();
        }
    }

    /**
     * The implicit-TLS port (RFC 8314 §3.3, "submissions") the server listens on: the actual port
     * when 0 was asked for.
     *
     * @throws IllegalStateException before start(), or without {@link Builder#implicitTlsPort(int)}
     */
    public int implicitTlsPort() {
        synchronized (lock) {
            if (requestedImplicitTlsPort.isEmpty()) {
                throw new IllegalStateException("implicitTlsPort() on a server built without SmtpServer.Builder.implicitTlsPort(port)");
            }
            if (implicitTlsListener == null) {
                throw new IllegalStateException("implicitTlsPort() before start()");
            }
            return implicitTlsListener.port();
        }
    }

    /** What every connection shares: for drivers made without a network, in tests. */
    Settings settings() {
        return settings;
    }

    /** The protocol settings every session uses. */
    public ServerConfig config() {
        return settings.config();
    }

    /** A snapshot of the counters since start. */
    public ServerMetrics metrics() {
        return settings.counters().snapshot();
    }

    /**
     * What a connection holds in the heap while it waits, with room for one that is working: an
     * idle one measured about 5 KB on either transport (session, codecs, buffers, the Netty
     * channel), and a read buffer grows to 64 KB only while a client sends fast.
     */
    static final long HEAP_PER_CONNECTION = 8 * 1024;

    /**
     * {@code maxConnections}, lowered to what half the heap can hold at
     * {@link #HEAP_PER_CONNECTION} each: 20,000 connections on a 64 MB heap would end in an
     * OutOfMemoryError that takes every connection with it, where 4,096 and a 421 to the rest
     * keep the server serving.
     */
    static int fitToHeap(int maxConnections, long maxHeap) {
        long fits = Math.max(1, maxHeap / 2 / HEAP_PER_CONNECTION);
        if (maxConnections <= fits) {
            return maxConnections;
        }
        LOG.warn("maxConnections {} would need about {} MB of heap for connections alone; the heap is {} MB,"
                + " so at most {} connections are served (raise -Xmx, or lower maxConnections)", maxConnections,
                maxConnections * HEAP_PER_CONNECTION * 2 >> 20, maxHeap >> 20, fits);
        return (int) fits;
    }

    // ---------------------------------------------------------------- accepting

    /**
     * Takes a connection on or refuses it. Behind a PROXY protocol proxy every connection comes
     * from the proxy, so the per-client limit waits for the header that names the client
     * ({@link #admitClient}); a refusal then cannot be written here, on the accepting thread,
     * and before the header (and on an implicit-TLS port) it could not be read anyway.
     */
    private void admit(Link link, boolean implicitTls) {
        InetAddress client = link.remoteAddress().getAddress();
        boolean countLater = settings.proxyProtocol().isPresent();
        SessionDriver worker = null;
        SessionDriver victim = null;
        Reply refusal = null;
        synchronized (lock) {
            boolean full = workers.size() - shed.size() >= maxConnections;
            if (status != Status.RUNNING) {
                refusal = Replies.SHUTTING_DOWN;
            } else if (!countLater && perClient.getOrDefault(client, 0) >= maxConnectionsPerClient) {
                refusal = Replies.TOO_MANY_CONNECTIONS;
            } else if (full && (countLater || (victim = victimFor(client)) == null)) {
                refusal = Replies.TOO_MANY_CONNECTIONS;
            } else {
                if (victim != null) {
                    // Its slot is the newcomer's from now on, though its thread still has to end.
                    shed.add(victim);
                    victim.countedClient().ifPresent(this::uncount);
                    victim.countedAs(null);
                }
                worker = new SessionDriver(settings, link, Long.toString(sessionIds.incrementAndGet()), implicitTls,
                        this::admitClient, executor, this::exited, () -> stressed, System::nanoTime);
                workers.add(worker);
                if (!countLater) {
                    perClient.merge(client, 1, Integer::sum);
                    worker.countedAs(client);
                }
                updateStress();
            }
        }
        if (victim != null) {
            settings.counters().connectionsShed.increment();
            LOG.info("{} {}: shed for a connection from {}, at maxConnections with more connections than any other client",
                    victim.connection().id(), victim.connection().remoteAddress(), client.getHostAddress());
            victim.shed(Replies.TOO_MANY_CONNECTIONS);
        }
        if (refusal != null && (countLater || implicitTls)) {
            // A proxy or a TLS client would take a plaintext 421 for garbage: just close.
            settings.counters().connectionsRefused.increment();
            LOG.info("refused connection from {}: {}", Transcript.address(link.remoteAddress()), refusal.toString().strip());
            link.close();
            return;
        }
        if (worker != null) {
            try {
                link.start(worker);
                return;
            } catch (RejectedExecutionException e) {
                exited(worker);
                refusal = Replies.TOO_MANY_CONNECTIONS;
            } catch (Throwable e) {
                // No thread for it (OutOfMemoryError: unable to create native thread, say): give
                // the slot back before the accepting loop logs this and goes on.
                exited(worker);
                link.close();
                throw e;
            }
        }
        refuse(link, refusal);
    }

    /**
     * Turns a connection away with 421 and closes it (RFC 5321 §3.8), on the accepting thread: the
     * reply fits in any socket send buffer, so the write does not block.
     */
    private void refuse(Link link, Reply reply) {
        settings.counters().connectionsRefused.increment();
        settings.counters().replied(reply);
        LOG.info("refused connection from {}: {}", Transcript.address(link.remoteAddress()), reply.toString().strip());
        link.refuse(reply.encode());
    }

    /** Counts a connection against the client its PROXY header named (maxConnectionsPerClient). */
    private boolean admitClient(SessionDriver worker, InetAddress client) {
        synchronized (lock) {
            if (perClient.getOrDefault(client, 0) >= maxConnectionsPerClient) {
                return false;
            }
            perClient.merge(client, 1, Integer::sum);
            worker.countedAs(client);
            return true;
        }
    }

    private void exited(SessionDriver worker) {
        synchronized (lock) {
            if (workers.remove(worker)) {
                shed.remove(worker);
                worker.countedClient().ifPresent(this::uncount);
                updateStress();
            }
            lock.notifyAll();
        }
    }

    /** Under {@link #lock}. */
    private void uncount(InetAddress client) {
        perClient.computeIfPresent(client, (a, n) -> n > 1 ? n - 1 : null);
    }

    /**
     * The connection to shed so that {@code client} can have one at maxConnections: the oldest of
     * the address with the most ({@link LoadShedding}), or null. Under {@link #lock}.
     */
    private SessionDriver victimFor(InetAddress client) {
        InetAddress heaviest = LoadShedding.heaviest(perClient, client).orElse(null);
        if (heaviest == null) {
            return null;
        }
        SessionDriver oldest = null;
        for (SessionDriver w : workers) {
            if (!shed.contains(w) && heaviest.equals(w.countedClient().orElse(null))
                    && (oldest == null || w.sequence() < oldest.sequence())) {
                oldest = w;
            }
        }
        return oldest;
    }

    /**
     * Stress, as Postfix calls it: connections at four fifths of maxConnections or more. Then a
     * connection waits at most {@link Builder#stressCommandTimeout} for each command, so slow
     * clients give their slots up quickly. Under {@link #lock}.
     */
    private void updateStress() {
        stressed = (workers.size() - shed.size()) * 5L >= maxConnections * 4L;
    }

    // ---------------------------------------------------------------- closing

    /**
     * Stops the server: no new connections; 421 4.3.2 to idle sessions at once and to the others
     * once their transaction in flight ended (RFC 5321 §3.8), waiting up to
     * {@link Builder#shutdownGracePeriod(Duration)}; then closes what is left, so that a message
     * not yet answered with 250 is not taken. Returns when every connection is closed and every
     * thread the server started has ended. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (status == Status.CLOSING || status == Status.CLOSED) {
                return;
            }
            if (status == Status.NEW) {
                status = Status.CLOSED;
                return;
            }
            status = Status.CLOSING;
        }
        boolean interrupted = false;
        if (listener != null) {
            listener.close();
        }
        if (implicitTlsListener != null) {
            implicitTlsListener.close();
        }
        long deadline = System.nanoTime() + shutdownGracePeriod.toNanos();
        List<SessionDriver> left = live();
        while (!left.isEmpty() && !interrupted && System.nanoTime() < deadline) {
            left.forEach(SessionDriver::requestShutdown);
            interrupted = awaitExits(Duration.ofMillis(20));
            left = live();
        }
        if (!left.isEmpty()) {
            LOG.warn("closing {} connections still open after the shutdown grace period of {}", left.size(), Printable.duration(shutdownGracePeriod));
            left.forEach(SessionDriver::forceClose);
            long exitDeadline = System.nanoTime() + THREAD_EXIT_WAIT.toNanos();
            while (!live().isEmpty() && !interrupted && System.nanoTime() < exitDeadline) {
                interrupted = awaitExits(Duration.ofMillis(20));
            }
        }
        // No handler is answered for once the connections are gone.
        watchdog.close();
        shutdownOwnedExecutor();
        // Last: the transport's own threads (Netty's event loops) carried the connections closed above.
        if (network != null) {
            network.close();
        }
        synchronized (lock) {
            status = Status.CLOSED;
        }
        LOG.info("SMTP server {} closed", listener == null ? settings.config().hostname() : "on " + Transcript.address(listener.localAddress()));
        if (interrupted || Thread.interrupted()) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the threads of the executor the server made itself, waiting for them; an application's executor is its own. */
    private void shutdownOwnedExecutor() {
        boolean interrupted = false;
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
            try {
                if (!ownedExecutor.awaitTermination(THREAD_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                        || !Threads.joinAll(ownedExecutor, THREAD_EXIT_WAIT.toMillis())) {
                    LOG.warn("connection threads did not end; a handler may be stuck");
                    ownedExecutor.shutdownNow();
                }
            } catch (InterruptedException e) {
                interrupted = true;
                ownedExecutor.shutdownNow();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private List<SessionDriver> live() {
        synchronized (lock) {
            return new ArrayList<>(workers);
        }
    }

    /** Waits until a connection ends or {@code at most} passed; returns whether the thread was interrupted. */
    private boolean awaitExits(Duration atMost) {
        synchronized (lock) {
            try {
                lock.wait(Math.max(1, atMost.toMillis()));
                return false;
            } catch (InterruptedException e) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- builder

    /**
     * Builds an {@link SmtpServer}. Every setting is named and has a default from its RFC; the
     * protocol settings are those of {@link ServerConfig} and {@link Limits}, set whole with
     * {@link #config(ServerConfig)} or one by one.
     */
    public static final class Builder {
        private InetAddress bindAddress;
        private int port = 25;
        private int backlog = 128;
        private Integer eventLoops;
        private SessionHandler.Factory factory;
        /** What {@link #config} gave, or the defaults; the setters below apply on top, whatever the order of calls. */
        private ServerConfig base = ServerConfig.builder().build();
        /** Each protocol setter's change, in call order, applied to {@link #base} at build. */
        private final List<Consumer<ServerConfig.Builder>> config = new ArrayList<>();
        private final List<Consumer<Limits.Builder>> limits = new ArrayList<>();
        /** What {@link #limits(Limits)} gave, if it was called: it wins over the limits of {@link #base}. */
        private Limits limitsBase;
        private Duration commandTimeout = Timeout.SERVER_COMMAND.rfcDefault();
        private Duration dataBlockTimeout = Timeout.DATA_BLOCK.rfcDefault();
        private Duration dataTerminationTimeout = Timeout.DATA_TERMINATION.rfcDefault();
        private Duration handlerTimeout = Duration.ofMinutes(4);
        private Duration maxSessionLifetime = Duration.ofHours(1);
        private Duration writeTimeout = Timeout.SERVER_COMMAND.rfcDefault();
        private Duration stressCommandTimeout = Duration.ofSeconds(10);
        private long maxMessageBytesInMemory = Runtime.getRuntime().maxMemory() / 4;
        private long minDataRate = 500;
        private int maxConnections = 100;
        private int maxConnectionsPerClient = 50;
        private int maxAuthFailuresPerClient = 30;
        private Duration authFailureWindow = Duration.ofMinutes(10);
        private Duration shutdownGracePeriod = Duration.ofSeconds(30);
        private Executor executor;
        private Transport transport = Transport.JDK;
        private SSLContext tls;
        private TranscriptListener transcriptListener = new TranscriptListener() { };
        private TlsPolicy tlsPolicy;
        private Integer implicitTlsPort;
        private List<String> tlsProtocols = TlsProtocols.DEFAULT;
        private ClientCertificatePolicy clientCertificates = ClientCertificatePolicy.NONE;
        private Authenticator authenticator;
        private List<SaslMechanism> authMechanisms = SaslServerMechanisms.DEFAULT_MECHANISMS;
        private Optional<String> xoauth2Scope = Optional.empty();
        private TrustedNetworks proxyProtocol;
        private TrustedNetworks xclient;
        private org.slf4j.Logger transcriptLog = Transcript.DEFAULT_LOGGER;

        private Builder() {
        }

        /** The address to listen on; all interfaces by default. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The port to listen on: 25 by default (RFC 5321 §4.5.4.2); 0 for any free port, see {@link SmtpServer#port()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("SmtpServer.Builder.port must be 0 to 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /** The listen backlog: connections the kernel queues before they are accepted (128). */
        public Builder backlog(int backlog) {
            this.backlog = atLeast("backlog", backlog, 1);
            return this;
        }

        /**
         * The application: one {@link SessionHandler} per connection. This, {@link #messageHandler} or
         * {@link #streamingMessageHandler} is required.
         */
        public Builder handler(SessionHandler.Factory factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The application, for the common case: whole messages, every sender and recipient accepted. */
        public Builder messageHandler(MessageHandler handler) {
            this.factory = Objects.requireNonNull(handler, "handler").asFactory();
            return this;
        }

        /**
         * The application, for whole messages answered later: the 250 goes out when the stage
         * the handler returns completes, and no thread waits for it meanwhile.
         */
        public Builder asyncMessageHandler(AsyncMessageHandler handler) {
            this.factory = Objects.requireNonNull(handler, "handler").asFactory();
            return this;
        }

        /** The application, for messages read as they arrive, every sender and recipient accepted. */
        public Builder streamingMessageHandler(StreamingMessageHandler handler) {
            this.factory = Objects.requireNonNull(handler, "handler").asFactory();
            return this;
        }

        /**
         * All protocol settings at once, as the base that the setters of this builder
         * ({@link #hostname}, {@link #maxMessageSize}, ...) change, whether they are called
         * before or after it; a second call replaces the first base.
         */
        public Builder config(ServerConfig config) {
            this.base = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The name in the greeting, the EHLO reply and 221 (RFC 5321 §4.1.1.1, §4.2): {@code localhost} by default, so set it. */
        public Builder hostname(String hostname) {
            Objects.requireNonNull(hostname, "hostname");
            config.add(c -> c.hostname(hostname));
            return this;
        }

        /**
         * All size and count limits at once ({@link Limits#DEFAULTS}), in place of those of
         * {@link #config}, as the base that {@link #maxMessageSize} and the other limit setters
         * change, whether they are called before or after it.
         */
        public Builder limits(Limits limits) {
            this.limitsBase = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** {@link Limits#maxMessageSize()}, advertised as SIZE (RFC 1870): 10,240,000 octets; 0 for none. */
        public Builder maxMessageSize(long octets) {
            limits.add(l -> l.maxMessageSize(octets));
            return this;
        }

        /** {@link Limits#maxRecipients()} per transaction (RFC 5321 §4.5.3.1.8: 100). */
        public Builder maxRecipients(int count) {
            limits.add(l -> l.maxRecipients(count));
            return this;
        }

        /** {@link Limits#maxCommandLine()} (RFC 5321 §4.5.3.1.4: 512 octets). */
        public Builder maxCommandLine(int octets) {
            limits.add(l -> l.maxCommandLine(octets));
            return this;
        }

        /** {@link Limits#maxTextLine()} (RFC 5321 §4.5.3.1.6: 1000 octets); what happens over it is {@link #rejectLongLines}. */
        public Builder maxTextLine(int octets) {
            limits.add(l -> l.maxTextLine(octets));
            return this;
        }

        /** {@link Limits#maxBadCommands()} before 421 and close (20). */
        public Builder maxBadCommands(int count) {
            limits.add(l -> l.maxBadCommands(count));
            return this;
        }

        /** {@link Limits#maxJunkCommands()}: NOOP, RSET, VRFY, EXPN, HELP between messages before each counts as bad (100). */
        public Builder maxJunkCommands(int count) {
            limits.add(l -> l.maxJunkCommands(count));
            return this;
        }

        /**
         * Whether HELO/EHLO without a host name is accepted, for primitive clients (off: 501 5.5.4,
         * RFC 5321 §4.1.1.1); see {@link ServerConfig#allowHelloWithoutName()}.
         */
        public Builder allowHelloWithoutName(boolean on) {
            config.add(c -> c.allowHelloWithoutName(on));
            return this;
        }

        /**
         * Whether a message with a bare CR or LF in its data is refused with 550 5.5.2 (on, the
         * SMTP smuggling defence) or keeps the octet as data; see
         * {@link ServerConfig#rejectBareLineEndings()}.
         */
        public Builder rejectBareLineEndings(boolean on) {
            config.add(c -> c.rejectBareLineEndings(on));
            return this;
        }

        /** Whether a message with a data line over {@link #maxTextLine} is refused with 550 5.5.6 (off). */
        public Builder rejectLongLines(boolean on) {
            config.add(c -> c.rejectLongLines(on));
            return this;
        }

        /** How strictly commands are read ({@link ParseMode#STRICT}). */
        public Builder parseMode(ParseMode mode) {
            Objects.requireNonNull(mode, "mode");
            config.add(c -> c.parseMode(mode));
            return this;
        }

        /** The extensions advertised in EHLO ({@link ServerConfig#DEFAULT_EXTENSIONS}). */
        public Builder extensions(Set<ServerExtension> extensions) {
            Set<ServerExtension> copy = Set.copyOf(Objects.requireNonNull(extensions, "extensions"));
            config.add(c -> c.extensions(copy));
            return this;
        }

        /** How long to wait for each command, the first included (RFC 5321 §4.5.3.2.7: 5 minutes); then 421 4.4.2. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive("commandTimeout", timeout);
            return this;
        }

        /** How long to wait for each block of message data (RFC 5321 §4.5.3.2.5: 3 minutes); then 421 4.4.2. */
        public Builder dataBlockTimeout(Duration timeout) {
            this.dataBlockTimeout = positive("dataBlockTimeout", timeout);
            return this;
        }

        /**
         * How long a client waits for the reply to its final dot (RFC 5321 §4.5.3.2.6: 10
         * minutes), and so how long {@code SessionHandler.message()} may take after the end of
         * the data. When it has not returned by then the client gets 451 4.3.0 at once, the
         * session goes on when the handler returns, and the handler's answer is dropped (logged):
         * a message it takes after the 451 will likely be sent again.
         */
        public Builder dataTerminationTimeout(Duration timeout) {
            this.dataTerminationTimeout = positive("dataTerminationTimeout", timeout);
            return this;
        }

        /**
         * How long {@code SessionHandler.mail()} and {@code rcpt()} may take (4 minutes, inside
         * the 5 a client waits for their replies, RFC 5321 §4.5.3.2.2-3). When one has not
         * returned by then the client gets 451 4.3.0 for that command at once; the session goes
         * on when the handler returns, and its answer is dropped (logged). A handler that never
         * returns still holds its connection until {@link SmtpServer#close()}.
         */
        public Builder handlerTimeout(Duration timeout) {
            this.handlerTimeout = positive("handlerTimeout", timeout);
            return this;
        }

        /**
         * How long a connection may last, whatever it does (1 hour); then 421 4.4.2 and close, at
         * the next wait for input. A client that keeps a connection busy for ever (NOOP now and
         * then, each command just inside its timeout) holds a slot that a sender needs.
         */
        public Builder maxSessionLifetime(Duration lifetime) {
            this.maxSessionLifetime = positive("maxSessionLifetime", lifetime);
            return this;
        }

        /**
         * The octets of messages that may be held in memory at once while they are read whole for
         * a {@link MessageHandler} (a quarter of the maximum heap). A message that does not fit is
         * read to its end, dropped, and refused with {@code 452 4.3.1}, so that many large
         * messages at once are told to come back later instead of running the heap out. A
         * {@link SessionHandler} that streams its messages needs none of it; on the Netty
         * transport, what a connection reads ahead of such a handler past 64 KiB (up to 1 MiB,
         * so that large messages cross to the handler in few steps) is lent from its first half
         * only, leaving the second half to messages read whole.
         */
        public Builder maxMessageBytesInMemory(long octets) {
            if (octets < 1) {
                throw new IllegalArgumentException("SmtpServer.Builder.maxMessageBytesInMemory must be at least 1: " + octets);
            }
            this.maxMessageBytesInMemory = octets;
            return this;
        }

        /**
         * The command timeout while the server is under stress, with connections at four fifths
         * of {@link #maxConnections} or more (10 seconds, as Postfix's stress-dependent
         * {@code smtpd_timeout}): slow clients then give their slots up within seconds.
         */
        public Builder stressCommandTimeout(Duration timeout) {
            this.stressCommandTimeout = positive("stressCommandTimeout", timeout);
            return this;
        }

        /**
         * How long a reply may wait for the client to take it (5 minutes, the command timeout a
         * client has for its next command, RFC 5321 §4.5.3.2.7); then the connection is closed.
         * A client that pipelines commands and never reads their replies would otherwise keep a
         * thread blocked in a write for ever.
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = positive("writeTimeout", timeout);
            return this;
        }

        /**
         * The lowest average rate, in octets per second, at which a message must arrive once its
         * data-block timeout has passed (500, as Postfix's {@code smtpd_min_data_rate}); 0 for no
         * such bound. Each read must still come within the data-block timeout; this also bounds
         * the whole message, so one octet every few seconds cannot hold a connection for hours.
         */
        public Builder minDataRate(long octetsPerSecond) {
            if (octetsPerSecond < 0) {
                throw new IllegalArgumentException("SmtpServer.Builder.minDataRate must be 0 (none) or positive: " + octetsPerSecond);
            }
            this.minDataRate = octetsPerSecond;
            return this;
        }

        /**
         * Connections served at once; more are answered 421 4.7.0 and closed (100, as Postfix's
         * {@code default_process_limit}). Lowered at start, with a warning, to what half the heap
         * holds at about 8 KB a connection, so a flood cannot run the heap out.
         */
        public Builder maxConnections(int count) {
            this.maxConnections = atLeast("maxConnections", count, 1);
            return this;
        }

        /** Connections from one IP address at once (50, as Postfix's {@code smtpd_client_connection_count_limit}). */
        public Builder maxConnectionsPerClient(int count) {
            this.maxConnectionsPerClient = atLeast("maxConnectionsPerClient", count, 1);
            return this;
        }

        /** How long {@link SmtpServer#close()} lets transactions in flight finish (30 seconds). */
        public Builder shutdownGracePeriod(Duration period) {
            Objects.requireNonNull(period, "period");
            if (period.isNegative()) {
                throw new IllegalArgumentException("SmtpServer.Builder.shutdownGracePeriod must not be negative: " + period);
            }
            this.shutdownGracePeriod = period;
            return this;
        }

        /**
         * Runs each connection's thread; by default one virtual thread per connection on Java 21
         * and later, else a pool bounded by {@link #maxConnections}. The server does not shut down
         * an executor it was given. On {@link Transport#NETTY} a connection that waited for its
         * client goes on as a new task submitted from an event loop, so the executor must run
         * tasks on threads of its own, never in the submitting thread (no caller-runs policy); a
         * task it refuses closes that connection.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * How many event loops the {@link Transport#NETTY} transport runs: they read and write the
         * sockets, run TLS and the protocol, never the application's calls. By default one for
         * every two cores, at least one, which costs the least CPU a message with many small
         * messages; clients that send messages of several megabytes in parallel go faster with
         * more, one a core at most (BENCHMARKS.md). Only for the server's own Netty loops: with
         * the JDK transport {@link #build()} refuses it, and {@code SmtpChannelInitializer},
         * which runs in the application's loops, does too.
         */
        public Builder eventLoops(int count) {
            this.eventLoops = atLeast("eventLoops", count, 1);
            return this;
        }

        /**
         * The network code under the sessions ({@link Transport#JDK} by default);
         * {@link Transport#NETTY} needs Netty 4.2 on the class or module path. Either way the
         * handler runs on the {@link #executor}, and the protocol, limits and timeouts are the same.
         */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * The certificate for TLS: STARTTLS (RFC 3207) is offered with it, and the
         * {@link #implicitTlsPort(int)} uses it. The policy becomes {@link TlsPolicy#OPTIONAL}
         * unless {@link #tlsPolicy(TlsPolicy)} or {@link #config(ServerConfig)} says otherwise.
         */
        public Builder tls(SSLContext context) {
            this.tls = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * Also passes each connection's wire transcript to {@code listener}, in code, whether or
         * not the {@value Transcript#LOGGER_NAME} logger is on; none by default.
         */
        public Builder transcriptListener(TranscriptListener listener) {
            this.transcriptListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The certificate for TLS from PEM files (RFC 7468), as a Postfix or nginx configuration
         * names them: the chain, the server's certificate first, and its private key (PKCS #8,
         * or PKCS #1 / SEC 1). Read now; see {@link PemTls#serverContext(Path, Path)}.
         *
         * @throws dev.smtpkit.server.security.TlsMaterialException if the files cannot be read or do not match
         */
        public Builder tls(Path certificateChain, Path privateKey) {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
            return tls(PemTls.serverContext(certificateChain, privateKey));
        }

        /**
         * STARTTLS (RFC 3207): {@link TlsPolicy#OPTIONAL} when a certificate is given,
         * {@link TlsPolicy#REQUIRED} for 530 5.7.0 to MAIL until TLS is in force (RFC 3207 §4),
         * {@link TlsPolicy#OFF} for a server that speaks TLS only on its implicit-TLS port.
         */
        public Builder tlsPolicy(TlsPolicy policy) {
            this.tlsPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Also listens on this port with TLS from the first octet (RFC 8314 §3.3; 465 is
         * "submissions", §7.3), besides {@link #port(int)}; 0 for any free port, see
         * {@link SmtpServer#implicitTlsPort()}. Needs {@link #tls(SSLContext)}. Off by default.
         */
        public Builder implicitTlsPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("SmtpServer.Builder.implicitTlsPort must be 0 to 65535: " + port);
            }
            this.implicitTlsPort = port;
            return this;
        }

        /** The TLS versions to allow (TLS 1.3 and 1.2, as RFC 8996 and RFC 8314 §4.1 ask). */
        public Builder tlsProtocols(List<String> protocols) {
            Objects.requireNonNull(protocols, "protocols");
            if (protocols.isEmpty()) {
                throw new IllegalArgumentException("SmtpServer.Builder.tlsProtocols must name at least one protocol");
            }
            this.tlsProtocols = List.copyOf(protocols);
            return this;
        }

        /** Whether the TLS handshake asks for the client's certificate ({@link ClientCertificatePolicy#NONE}); see {@link TlsInfo}. */
        public Builder clientCertificates(ClientCertificatePolicy policy) {
            this.clientCertificates = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Offers AUTH (RFC 4954) with {@link #authMechanisms} and checks credentials with this.
         * Over TLS only unless {@link #allowAuthWithoutTls(boolean)}.
         */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /**
         * The SASL mechanisms offered with {@link #authenticator}, in EHLO order (PLAIN, LOGIN).
         * CRAM-MD5 gets random challenges at the {@link #hostname}; see {@link SaslMechanism#CRAM_MD5} for why it is off.
         */
        public Builder authMechanisms(SaslMechanism... mechanisms) {
            Objects.requireNonNull(mechanisms, "mechanisms");
            if (mechanisms.length == 0) {
                throw new IllegalArgumentException("SmtpServer.Builder.authMechanisms must name at least one mechanism");
            }
            this.authMechanisms = List.of(mechanisms);
            return this;
        }

        /**
         * The scope XOAUTH2 names in its error challenge, such as {@code https://mail.example.org/},
         * so a client knows which token to fetch; none by default. Only with
         * {@link SaslMechanism#XOAUTH2} among {@link #authMechanisms}.
         */
        public Builder xoauth2Scope(String scope) {
            this.xoauth2Scope = Optional.of(Objects.requireNonNull(scope, "scope"));
            return this;
        }

        /** Whether MAIL needs a successful AUTH first, else 530 5.7.0 (off; RFC 4954 §6). */
        public Builder requireAuth(boolean on) {
            config.add(c -> c.requireAuth(on));
            return this;
        }

        /**
         * Whether AUTH is offered on a connection without TLS (off: not advertised, and 538 5.7.11
         * to AUTH, RFC 4954 §4, §6); on only for tests and trusted networks.
         */
        public Builder allowAuthWithoutTls(boolean on) {
            config.add(c -> c.allowAuthWithoutTls(on));
            return this;
        }

        /** Failed AUTH attempts on one connection before 421 and close (3). */
        public Builder maxAuthFailures(int count) {
            int checked = atLeast("maxAuthFailures", count, 1);
            config.add(c -> c.maxAuthFailures(checked));
            return this;
        }

        /**
         * Failed AUTH attempts from one client address, over all its connections, after which
         * AUTH from it gets 421 4.7.0 and the connection closes, whatever the credentials, until
         * {@code window} has passed since the first of them (30 in 10 minutes). {@link
         * #maxAuthFailures} bounds the guesses on one connection; this bounds a guesser who
         * reconnects, as fail2ban or Postfix's {@code smtpd_client_auth_rate_limit} do. A failure
         * is a 5xx answer to an AUTH exchange (535 5.7.8 for bad credentials); IPv6 clients count
         * by their /64 network; behind a PROXY header or XCLIENT the client is the one they name.
         * Behind a proxy that sends neither, every client has the proxy's address, as for {@link
         * #maxConnectionsPerClient}: set up the PROXY protocol, or raise this. {@code
         * Integer.MAX_VALUE} turns it off, as for a test server that is refused on purpose.
         */
        public Builder maxAuthFailuresPerClient(int count, Duration window) {
            this.maxAuthFailuresPerClient = atLeast("maxAuthFailuresPerClient", count, 1);
            this.authFailureWindow = positive("maxAuthFailuresPerClient's window", window);
            return this;
        }

        /**
         * Reads a PROXY protocol header, version 1 or 2 (HAProxy's proxy-protocol.txt), before
         * anything else on every connection, as Postfix's {@code smtpd_upstream_proxy_protocol},
         * so the handler sees the real client. Only peers in {@code proxies} may connect: any
         * other, and any malformed header, is closed without a reply. Off by default.
         */
        public Builder proxyProtocol(TrustedNetworks proxies) {
            this.proxyProtocol = Objects.requireNonNull(proxies, "proxies");
            return this;
        }

        /**
         * Offers Postfix's XCLIENT (XCLIENT_README) to clients in {@code clients}, so a filter or
         * proxy can hand over the real client's address and HELO name; everyone else gets 500
         * for it, as from a server without it. Off by default.
         */
        public Builder xclient(TrustedNetworks clients) {
            this.xclient = Objects.requireNonNull(clients, "clients");
            return this;
        }

        /** Where the wire transcript goes, for the tests that check what it shows. */
        Builder transcriptLog(org.slf4j.Logger log) {
            this.transcriptLog = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Checks the settings and builds the server, not yet started.
         *
         * @throws IllegalStateException    if no handler was set
         * @throws IllegalArgumentException if the settings do not fit together
         */
        public SmtpServer build() {
            if (factory == null) {
                throw new IllegalStateException("SmtpServer.Builder needs handler(...) or messageHandler(...)");
            }
            if (eventLoops != null && transport != Transport.NETTY) {
                throw new IllegalStateException("SmtpServer.Builder.eventLoops is for Transport.NETTY; the " + transport
                        + " transport gives each connection a thread");
            }
            Limits.Builder limitsBuilder = (limitsBase != null ? limitsBase : base.limits()).toBuilder();
            limits.forEach(change -> change.accept(limitsBuilder));
            ServerConfig.Builder protocol = base.toBuilder();
            config.forEach(change -> change.accept(protocol));
            protocol.limits(limitsBuilder.build());
            if (authenticator != null) {
                protocol.authMechanisms(authMechanisms.stream().map(SaslMechanism::mechanismName).toList());
            }
            // The session asks before DATA only where there is a handler to ask (SessionHandler.data).
            protocol.decideData(!(factory instanceof AcceptsEverything));
            ServerConfig built = protocol.build();
            if (tlsPolicy != null) {
                built = built.toBuilder().tlsPolicy(tlsPolicy).build();
            } else if (tls != null && built.tlsPolicy() == TlsPolicy.OFF) {
                built = built.toBuilder().tlsPolicy(TlsPolicy.OPTIONAL).build();
            }
            Optional<SaslServerMechanisms> mechanisms = saslMechanisms(built.hostname());
            if (tls == null && built.tlsPolicy() != TlsPolicy.OFF) {
                throw new IllegalArgumentException("ServerConfig.tlsPolicy is " + built.tlsPolicy()
                        + " but no SSLContext was given: set SmtpServer.Builder.tls(context)");
            }
            if (tls == null && implicitTlsPort != null) {
                throw new IllegalArgumentException("SmtpServer.Builder.implicitTlsPort needs a certificate: set tls(context)");
            }
            if (tls != null) {
                checkProtocols(tls, tlsProtocols);
            }
            if (mechanisms.isEmpty() && !built.authMechanisms().isEmpty()) {
                throw new IllegalArgumentException("ServerConfig.authMechanisms is " + built.authMechanisms()
                        + " but no one checks credentials: set SmtpServer.Builder.authenticator(...)");
            }
            if (mechanisms.isPresent() && tls == null && !built.allowAuthWithoutTls()) {
                throw new IllegalArgumentException("AUTH would never be offered: ServerConfig.allowAuthWithoutTls is off"
                        + " (RFC 4954 §4) and there is no TLS; set SmtpServer.Builder.tls(...), or allowAuthWithoutTls(true)"
                        + " on a trusted network");
            }
            Settings settings = new Settings(built, factory, commandTimeout, dataBlockTimeout, dataTerminationTimeout, handlerTimeout,
                    maxSessionLifetime, minDataRate, writeTimeout, stressCommandTimeout,
                    new MemoryBudget(maxMessageBytesInMemory), new AuthFailures(maxAuthFailuresPerClient, authFailureWindow),
                    Optional.ofNullable(tls), tlsProtocols, clientCertificates, mechanisms,
                    Optional.ofNullable(proxyProtocol), Optional.ofNullable(xclient), transcriptLog,
                    transcriptListener, new Counters());
            return new SmtpServer(this, settings);
        }

        private Optional<SaslServerMechanisms> saslMechanisms(String hostname) {
            if (authenticator == null) {
                return Optional.empty();
            }
            SaslServerMechanisms.Builder b = SaslServerMechanisms.builder(authenticator).mechanisms(authMechanisms);
            if (authMechanisms.contains(SaslMechanism.CRAM_MD5)) {
                b.cramMd5Challenges(ChallengeSource.random(hostname));
            }
            xoauth2Scope.ifPresent(b::xoauth2Scope);
            return Optional.of(b.build());
        }

        private static void checkProtocols(SSLContext context, List<String> wanted) {
            List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getProtocols());
            if (wanted.stream().noneMatch(supported::contains)) {
                throw new IllegalArgumentException("SmtpServer.Builder.tlsProtocols " + wanted
                        + " has no protocol the SSLContext supports; it supports " + supported);
            }
        }

        private static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException("SmtpServer.Builder." + name + " must be at least " + min + ": " + value);
            }
            return value;
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("SmtpServer.Builder." + name + " must be positive: " + d);
            }
            return d;
        }
    }
}
