package dev.smtpkit.server;

import dev.smtpkit.core.BareLineEndingPolicy;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.LongLinePolicy;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.server.HeloPolicy;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerExtension;
import dev.smtpkit.core.server.TlsPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
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
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable SMTP server (RFC 5321) on JDK sockets: a builder, a handler, one thread per
 * connection.
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
    private final int backlog;
    private final int maxConnections;
    private final int maxConnectionsPerClient;
    private final Duration shutdownGracePeriod;
    private final Optional<Executor> applicationExecutor;

    private final Object lock = new Object();
    private final AtomicLong sessionIds = new AtomicLong();
    // Guarded by lock.
    private Status status = Status.NEW;
    private final Set<ConnectionWorker> workers = new HashSet<>();
    private final Map<InetAddress, Integer> perClient = new HashMap<>();
    private ServerSocket serverSocket;
    private Thread acceptor;
    private Executor executor;
    private ExecutorService ownedExecutor;

    private SmtpServer(Builder b, Settings settings) {
        this.settings = settings;
        this.bindAddress = Optional.ofNullable(b.bindAddress);
        this.requestedPort = b.port;
        this.backlog = b.backlog;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerClient = b.maxConnectionsPerClient;
        this.shutdownGracePeriod = b.shutdownGracePeriod;
        this.applicationExecutor = Optional.ofNullable(b.executor);
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
            ServerSocket socket = null;
            try {
                socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(bindAddress.map(a -> new InetSocketAddress(a, requestedPort))
                        .orElseGet(() -> new InetSocketAddress(requestedPort)), backlog);
            } catch (IOException e) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw new UncheckedIOException("cannot listen on " + bindAddress.map(InetAddress::getHostAddress).orElse("*")
                        + ":" + requestedPort, e);
            }
            serverSocket = socket;
            if (applicationExecutor.isPresent()) {
                executor = applicationExecutor.get();
            } else {
                ownedExecutor = Threads.connectionExecutor();
                executor = ownedExecutor;
            }
            acceptor = new Thread(this::acceptLoop, Threads.PREFIX + "acceptor-" + socket.getLocalPort());
            status = Status.RUNNING;
            acceptor.start();
            LOG.info("SMTP server {} listening on {}", settings.config().hostname(), socket.getLocalSocketAddress());
            return this;
        }
    }

    /** The port the server listens on: the one bound, so the actual port when 0 was asked for. */
    public int port() {
        synchronized (lock) {
            if (serverSocket == null) {
                throw new IllegalStateException("port() before start()");
            }
            return serverSocket.getLocalPort();
        }
    }

    /** The protocol settings every session uses. */
    public ServerConfig config() {
        return settings.config();
    }

    /** A snapshot of the counters since start. */
    public ServerMetrics metrics() {
        return settings.counters().snapshot();
    }

    // ---------------------------------------------------------------- accepting

    private void acceptLoop() {
        while (true) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (serverSocket.isClosed()) {
                    return;
                }
                // Out of file descriptors, typically: do not spin while it lasts.
                LOG.warn("accept failed on {}", serverSocket.getLocalSocketAddress(), e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            admit(socket);
        }
    }

    private void admit(Socket socket) {
        InetAddress client = socket.getInetAddress();
        ConnectionWorker worker = null;
        Reply refusal = null;
        synchronized (lock) {
            if (status != Status.RUNNING) {
                refusal = Replies.SHUTTING_DOWN;
            } else if (workers.size() >= maxConnections || perClient.getOrDefault(client, 0) >= maxConnectionsPerClient) {
                refusal = Replies.TOO_MANY_CONNECTIONS;
            } else {
                worker = new ConnectionWorker(settings, socket, Long.toString(sessionIds.incrementAndGet()), this::exited);
                workers.add(worker);
                perClient.merge(client, 1, Integer::sum);
            }
        }
        if (worker != null) {
            try {
                executor.execute(worker);
                return;
            } catch (RejectedExecutionException e) {
                exited(worker);
                refusal = Replies.TOO_MANY_CONNECTIONS;
            }
        }
        refuse(socket, refusal);
    }

    /**
     * Turns a connection away with 421 and closes it (RFC 5321 §3.8), on the accepting thread: the
     * reply fits in any socket send buffer, so the write does not block.
     */
    private void refuse(Socket socket, Reply reply) {
        settings.counters().connectionsRefused.increment();
        settings.counters().replied(reply);
        LOG.info("refused connection from {}: {}", socket.getRemoteSocketAddress(), reply.toString().strip());
        try (socket) {
            socket.getOutputStream().write(reply.encode());
            socket.shutdownOutput();
        } catch (IOException e) {
            LOG.debug("could not send the refusal to {}: {}", socket.getRemoteSocketAddress(), e.toString());
        }
    }

    private void exited(ConnectionWorker worker) {
        synchronized (lock) {
            if (workers.remove(worker)) {
                perClient.computeIfPresent(worker.connection().remoteAddress().getAddress(), (a, n) -> n > 1 ? n - 1 : null);
            }
            lock.notifyAll();
        }
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
        try {
            serverSocket.close();
        } catch (IOException e) {
            LOG.warn("closing the listening socket failed", e);
        }
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            interrupted = true;
        }
        long deadline = System.nanoTime() + shutdownGracePeriod.toNanos();
        List<ConnectionWorker> left = live();
        while (!left.isEmpty() && !interrupted && System.nanoTime() < deadline) {
            left.forEach(ConnectionWorker::requestShutdown);
            interrupted = awaitExits(Duration.ofMillis(20));
            left = live();
        }
        if (!left.isEmpty()) {
            LOG.warn("closing {} connections still open after the shutdown grace period of {}", left.size(), shutdownGracePeriod);
            left.forEach(ConnectionWorker::forceClose);
            long exitDeadline = System.nanoTime() + THREAD_EXIT_WAIT.toNanos();
            while (!live().isEmpty() && !interrupted && System.nanoTime() < exitDeadline) {
                interrupted = awaitExits(Duration.ofMillis(20));
            }
        }
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
        synchronized (lock) {
            status = Status.CLOSED;
        }
        LOG.info("SMTP server on {} closed", serverSocket.getLocalSocketAddress());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private List<ConnectionWorker> live() {
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
        private SessionHandler.Factory factory;
        private ServerConfig.Builder config = ServerConfig.builder();
        private Limits.Builder limits = Limits.builder();
        private Duration commandTimeout = Timeout.SERVER_COMMAND.rfcDefault();
        private Duration dataBlockTimeout = Timeout.DATA_BLOCK.rfcDefault();
        private Duration dataTerminationTimeout = Timeout.DATA_TERMINATION.rfcDefault();
        private int maxConnections = 100;
        private int maxConnectionsPerClient = 50;
        private Duration shutdownGracePeriod = Duration.ofSeconds(30);
        private Executor executor;
        private SSLContext tls;

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

        /** The application: one {@link SessionHandler} per connection. This or {@link #messageHandler} is required. */
        public Builder handler(SessionHandler.Factory factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The application, for the common case: whole messages, every sender and recipient accepted. */
        public Builder messageHandler(MessageHandler handler) {
            this.factory = Objects.requireNonNull(handler, "handler").asFactory();
            return this;
        }

        /** All protocol settings at once, replacing those set before (limits included). */
        public Builder config(ServerConfig config) {
            Objects.requireNonNull(config, "config");
            this.config = config.toBuilder();
            this.limits = config.limits().toBuilder();
            return this;
        }

        /** The name in the greeting, the EHLO reply and 221 (RFC 5321 §4.1.1.1, §4.2): {@code localhost} by default, so set it. */
        public Builder hostname(String hostname) {
            config.hostname(Objects.requireNonNull(hostname, "hostname"));
            return this;
        }

        /** All size and count limits at once ({@link Limits#DEFAULTS}). */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits").toBuilder();
            return this;
        }

        /** {@link Limits#maxMessageSize()}, advertised as SIZE (RFC 1870): 10,240,000 octets; 0 for none. */
        public Builder maxMessageSize(long octets) {
            limits.maxMessageSize(octets);
            return this;
        }

        /** {@link Limits#maxRecipients()} per transaction (RFC 5321 §4.5.3.1.8: 100). */
        public Builder maxRecipients(int count) {
            limits.maxRecipients(count);
            return this;
        }

        /** {@link Limits#maxCommandLine()} (RFC 5321 §4.5.3.1.4: 512 octets). */
        public Builder maxCommandLine(int octets) {
            limits.maxCommandLine(octets);
            return this;
        }

        /** {@link Limits#maxTextLine()} (RFC 5321 §4.5.3.1.6: 1000 octets); what happens over it is {@link #longLines}. */
        public Builder maxTextLine(int octets) {
            limits.maxTextLine(octets);
            return this;
        }

        /** {@link Limits#maxBadCommands()} before 421 and close (20). */
        public Builder maxBadCommands(int count) {
            limits.maxBadCommands(count);
            return this;
        }

        /** HELO/EHLO without a name ({@link HeloPolicy#REQUIRE_NAME}). */
        public Builder heloPolicy(HeloPolicy policy) {
            config.heloPolicy(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /** Bare CR or LF in message data ({@link BareLineEndingPolicy#REJECT}). */
        public Builder bareLineEnding(BareLineEndingPolicy policy) {
            config.bareLineEnding(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /** Data lines over {@link #maxTextLine} ({@link LongLinePolicy#ACCEPT}). */
        public Builder longLines(LongLinePolicy policy) {
            config.longLines(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /** How strictly commands are read ({@link ParseMode#STRICT}). */
        public Builder parseMode(ParseMode mode) {
            config.parseMode(Objects.requireNonNull(mode, "mode"));
            return this;
        }

        /** The extensions advertised in EHLO ({@link ServerConfig#DEFAULT_EXTENSIONS}). */
        public Builder extensions(Set<ServerExtension> extensions) {
            config.extensions(Set.copyOf(Objects.requireNonNull(extensions, "extensions")));
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
         * minutes). A handler slower than this is logged: the client has likely given up and
         * will send the message again.
         */
        public Builder dataTerminationTimeout(Duration timeout) {
            this.dataTerminationTimeout = positive("dataTerminationTimeout", timeout);
            return this;
        }

        /** Connections served at once; more are answered 421 4.7.0 and closed (100, as Postfix's {@code default_process_limit}). */
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
         * an executor it was given.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Offers STARTTLS (RFC 3207) with this context's certificate; the policy becomes
         * {@link TlsPolicy#OPTIONAL} unless {@link #config(ServerConfig)} asked for REQUIRED.
         */
        public Builder tls(SSLContext context) {
            this.tls = Objects.requireNonNull(context, "context");
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
            ServerConfig built = config.limits(limits.build()).build();
            if (tls != null && built.tlsPolicy() == TlsPolicy.OFF) {
                built = built.toBuilder().tlsPolicy(TlsPolicy.OPTIONAL).build();
            }
            if (tls == null && built.tlsPolicy() != TlsPolicy.OFF) {
                throw new IllegalArgumentException("ServerConfig.tlsPolicy is " + built.tlsPolicy()
                        + " but no SSLContext was given: set SmtpServer.Builder.tls(context)");
            }
            if (!built.authMechanisms().isEmpty()) {
                throw new IllegalArgumentException("ServerConfig.authMechanisms is " + built.authMechanisms()
                        + " but this server does not support AUTH yet");
            }
            Settings settings = new Settings(built, factory, commandTimeout, dataBlockTimeout, dataTerminationTimeout,
                    Optional.ofNullable(tls), new Counters());
            return new SmtpServer(this, settings);
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
