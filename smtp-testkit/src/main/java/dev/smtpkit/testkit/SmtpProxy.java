package dev.smtpkit.testkit;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpProtocolException;
import dev.smtpkit.core.Verb;
import dev.smtpkit.core.codec.ReplyDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy between a real SMTP client and a real SMTP server that records each connection in
 * script form from both ends ({@link ProxyRecording}) and injects {@link Fault faults}.
 *
 * <pre>{@code
 * try (ScriptedServer server = ScriptedServer.stub();
 *      SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.answerData())) {
 *     clientUnderTest.send("127.0.0.1", proxy.port());
 *     ProxyRecording r = proxy.takeRecording(Duration.ofSeconds(5)).orElseThrow();
 *     System.out.println(r.firstDifference().orElse("no difference"));
 * }
 * }</pre>
 *
 * <p>The proxy understands SMTP line by line: it reads the client's lines and the server's
 * replies (RFC 5321 §4.2), tells commands from message data by the 354 reply and keeps replies
 * in command order, which is what lets it record and inject faults at a chosen command. It
 * therefore relays only what is line-based: after a successful STARTTLS (RFC 3207) or with BDAT
 * (RFC 3030) the recording is meaningless; {@link Fault.StripStartTls} keeps a session in clear
 * text. Lines that arrive in one read reach the server in one write, so pipelining (RFC 2920)
 * passes through.
 *
 * <p>Each connection is relayed by its own threads and recorded when both ends are closed. The
 * proxy listens on {@code 127.0.0.1} and a free port unless told otherwise; {@link #close()}
 * closes every connection.
 */
public final class SmtpProxy implements AutoCloseable {

    /** How long to wait to reach the server. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(SmtpProxy.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

    private final InetSocketAddress target;
    private final List<Fault> faults;
    private final Duration connectTimeout;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<ProxyRecording> recordings = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private SmtpProxy(Builder b) throws IOException {
        this.target = b.target;
        this.faults = List.copyOf(b.faults);
        this.connectTimeout = b.connectTimeout;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(b.address, b.port));
        this.acceptor = new Thread(this::acceptLoop, "smtp-proxy-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a proxy to the target on {@code 127.0.0.1} and a free port, with the given faults. */
    public static SmtpProxy start(InetSocketAddress target, Fault... faults) {
        Builder b = builder(target);
        for (Fault f : Objects.requireNonNull(faults, "faults")) {
            b.fault(f);
        }
        return b.start();
    }

    /** Returns a builder for a proxy to the target. */
    public static Builder builder(InetSocketAddress target) {
        return new Builder(target);
    }

    /** Returns the port the proxy listens on. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Returns the address the proxy listens on. */
    public InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    /** Returns the server the proxy relays to. */
    public InetSocketAddress target() {
        return target;
    }

    /** Returns the faults injected into every connection. */
    public List<Fault> faults() {
        return faults;
    }

    /** Returns the recording of the next connection to end, or empty after the timeout. */
    public Optional<ProxyRecording> takeRecording(Duration timeout) {
        return ScriptedServer.take(recordings, timeout);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accept failed on port {}", port(), e);
                }
                return;
            }
            open.add(client);
            if (closed) {
                ScriptedServer.closeQuietly(client);
                return;
            }
            int n = connections.incrementAndGet();
            start(new Relay(client, n)::run, "smtp-proxy-" + port() + "-" + n);
        }
    }

    private void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** Closes the listening socket and every relayed connection, and waits for their threads. */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the listener on port {}", port(), e);
        }
        open.forEach(ScriptedServer::closeQuietly);
        for (Thread t : List.of(acceptor)) {
            join(t);
        }
        for (Thread t : threads) {
            t.interrupt();
            join(t);
        }
    }

    private static void join(Thread t) {
        try {
            t.join(JOIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("{} did not end within {}", t.getName(), JOIN_TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return "SmtpProxy[" + address() + " -> " + target + ", " + faults + "]";
    }

    /** What a relay's coordinator is told by its two readers. */
    private sealed interface Event {
    }

    /** Lines that arrived from the client in one read. */
    private record FromClient(List<String> lines) implements Event {
    }

    private record FromServer(Reply reply) implements Event {
    }

    private record Closed(boolean client, String why) implements Event {
    }

    /** A reply the client is owed, in the order of its commands; filled by the server or the proxy. */
    private static final class Slot {
        final Optional<At> at;
        Reply reply;
        Duration delay = Duration.ZERO;

        Slot(Optional<At> at) {
            this.at = at;
        }
    }

    /** What to do with the server's next reply: pass it to the client's slot, or use it in the proxy. */
    private record Owed(Optional<Slot> slot, Consumer<Reply> proxy) {
        static Owed client(Slot slot) {
            return new Owed(Optional.of(slot), r -> { });
        }

        static Owed proxy(Consumer<Reply> then) {
            return new Owed(Optional.empty(), then);
        }
    }

    /**
     * One relayed connection. Two readers turn bytes into events; this one thread owns all the
     * state and does all the writing, so the rules live in one place and need no locks.
     */
    private final class Relay {
        private final int connection;
        private final Socket client;
        private final Socket server = new Socket();
        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final Conversation.Builder clientView = Conversation.builder();
        private final Conversation.Builder serverView = Conversation.builder();
        private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
        private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
        private final Map<Verb, Integer> counts = new EnumMap<>(Verb.class);
        private final ArrayDeque<Slot> clientOwed = new ArrayDeque<>();
        private final ArrayDeque<Owed> serverOwed = new ArrayDeque<>();
        private final ArrayDeque<String> deferred = new ArrayDeque<>();
        private final Optional<Fault.AnswerData> answerData;
        /** The client has been given 354 and is sending message data (RFC 5321 §4.1.1.4). */
        private boolean clientInData;
        /** The client has been given 334 and its next line answers the challenge (RFC 4954 §4). */
        private boolean clientInAuth;
        /** The message now coming is being taken by the proxy ({@link Fault.AnswerData}). */
        private boolean intercepting;
        private final List<String> intercepted = new ArrayList<>();
        /** An intercepted message waiting to be delivered to the server. */
        private Optional<List<String>> undelivered = Optional.empty();
        /** The proxy is delivering an intercepted message; client lines wait. */
        private boolean busy;
        private long nextKeepAlive;
        /** The client left while an intercepted message was still to be delivered. */
        private boolean clientGone;
        private boolean done;

        Relay(Socket client, int connection) {
            this.client = client;
            this.connection = connection;
            this.answerData = faults.stream().filter(f -> f instanceof Fault.AnswerData)
                    .map(f -> (Fault.AnswerData) f).findFirst();
        }

        void run() {
            try {
                open.add(server);
                server.connect(target, ScriptedClient.millis(connectTimeout));
                server.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                start(this::readClient, Thread.currentThread().getName() + "-client");
                start(this::readServer, Thread.currentThread().getName() + "-server");
                Slot greeting = new Slot(Optional.of(At.greeting()));
                clientOwed.add(greeting);
                serverOwed.add(Owed.client(greeting));
                while (!done) {
                    Event e = nextEvent();
                    if (e == null) {
                        keepAlive();
                    } else {
                        handle(e);
                    }
                    flush();
                }
            } catch (IOException e) {
                LOG.debug("relay {} ended: {}", connection, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ScriptedServer.closeQuietly(client);
                ScriptedServer.closeQuietly(server);
                open.remove(client);
                open.remove(server);
                recordings.add(new ProxyRecording(connection, clientView.build(), serverView.build()));
            }
        }

        private Event nextEvent() throws InterruptedException {
            if (intercepting && nextKeepAlive != 0) {
                long left = nextKeepAlive - System.nanoTime();
                return left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            }
            return events.take();
        }

        private void keepAlive() {
            Fault.AnswerData f = answerData.orElseThrow();
            nextKeepAlive = System.nanoTime() + f.keepAlive().toNanos();
            if (serverOwed.isEmpty()) {
                toServer("NOOP", Owed.proxy(r -> { }));
            }
        }

        private void handle(Event e) throws IOException, InterruptedException {
            if (e instanceof FromClient c) {
                for (String line : c.lines()) {
                    clientView.client(line);
                    if (busy) {
                        deferred.add(line);
                    } else {
                        onClientLine(line);
                    }
                    if (done) {
                        return;
                    }
                }
            } else if (e instanceof FromServer s) {
                onReply(s.reply());
            } else {
                Closed closed = (Closed) e;
                LOG.debug("relay {}: the {} closed: {}", connection, closed.client() ? "client" : "server", closed.why());
                // an interceptor has told the client the message is taken, so it delivers it
                // even when the client leaves at once, as the field case does
                if (closed.client() && busy) {
                    clientGone = true;
                } else {
                    done = true;
                }
            }
        }

        private void onClientLine(String line) throws IOException, InterruptedException {
            if (clientInData) {
                if (line.equals(".")) {
                    clientInData = false;
                }
                if (intercepting) {
                    if (clientInData) {
                        intercepted.add(line);
                    } else {
                        endInterception();
                    }
                    return;
                }
                if (clientInData) {
                    toServer(line, null);
                } else {
                    Slot end = new Slot(Optional.empty());
                    clientOwed.add(end);
                    toServer(line, Owed.client(end));
                }
                return;
            }
            if (clientInAuth) {
                clientInAuth = false;
                Slot s = new Slot(Optional.empty());
                clientOwed.add(s);
                toServer(line, Owed.client(s));
                return;
            }
            Verb verb = new RecordedCommand(connection, line).verb();
            At.Occurrence at = At.command(verb, counts.merge(verb, 1, Integer::sum));
            for (Fault f : faults) {
                if (f instanceof Fault.DropConnection d && d.at().equals(at)) {
                    drop();
                    return;
                }
                if (f instanceof Fault.InjectRset r && r.before().equals(at)) {
                    toServer("RSET", Owed.proxy(reply -> { }));
                }
            }
            if (verb == Verb.DATA && answerData.isPresent()) {
                intercepting = true;
                intercepted.clear();
                toServer("NOOP", Owed.proxy(reply -> { }));
                nextKeepAlive = System.nanoTime() + answerData.get().keepAlive().toNanos();
                Slot goAhead = new Slot(Optional.of(at));
                goAhead.reply = answerData.get().goAhead();
                clientOwed.add(goAhead);
                deliver();
                return;
            }
            Slot s = new Slot(Optional.of(at));
            clientOwed.add(s);
            toServer(line, Owed.client(s));
        }

        private void endInterception() throws IOException, InterruptedException {
            intercepting = false;
            nextKeepAlive = 0;
            Slot accepted = new Slot(Optional.empty());
            accepted.reply = answerData.orElseThrow().accepted();
            clientOwed.add(accepted);
            deliver();
            undelivered = Optional.of(List.copyOf(intercepted));
            intercepted.clear();
            busy = true;
            deliverIntercepted();
        }

        /** Sends an intercepted message on once the server has answered everything else, so the order is fixed. */
        private void deliverIntercepted() {
            if (undelivered.isEmpty() || !serverOwed.isEmpty()) {
                return;
            }
            List<String> message = undelivered.get();
            undelivered = Optional.empty();
            toServer("DATA", Owed.proxy(reply -> {
                if (reply.code() != 354) {
                    busy = false;
                    return;
                }
                message.forEach(l -> toServer(l, null));
                toServer(".", Owed.proxy(end -> busy = false));
            }));
        }

        private void onReply(Reply reply) throws IOException, InterruptedException {
            serverView.server(reply);
            Owed owed = serverOwed.poll();
            if (owed == null) {
                // unsolicited, such as a 421 before closing (RFC 5321 §3.8): pass it on now
                Slot s = new Slot(Optional.empty());
                s.reply = reply;
                clientOwed.addFirst(s);
            } else if (owed.slot().isPresent()) {
                Slot s = owed.slot().get();
                s.reply = reply;
                if (s.at.isPresent() && !applyFaults(s)) {
                    return;
                }
            } else {
                owed.proxy().accept(reply);
            }
            deliver();
            deliverIntercepted();
            if (clientGone && !busy) {
                done = true;
            }
            while (!busy && !deferred.isEmpty() && !done) {
                onClientLine(deferred.poll());
            }
        }

        /** Applies the reply faults to a filled slot; false if the connection was dropped. */
        private boolean applyFaults(Slot s) {
            At at = s.at.orElseThrow();
            for (Fault f : faults) {
                if (f instanceof Fault.DropConnection d && d.at().equals(at) && at instanceof At.Greeting) {
                    drop();
                    return false;
                } else if (f instanceof Fault.StripStartTls && at instanceof At.Occurrence o
                        && (o.verb() == Verb.EHLO || o.verb() == Verb.LHLO) && s.reply.isPositiveCompletion()) {
                    s.reply = withoutStartTls(s.reply);
                } else if (f instanceof Fault.RewriteReply r && r.at().equals(at)) {
                    s.reply = r.replacement();
                } else if (f instanceof Fault.DelayReply d && d.at().equals(at)) {
                    s.delay = d.delay();
                }
            }
            return true;
        }

        /** Gives the client every reply it is owed that is ready, in command order. */
        private void deliver() throws IOException, InterruptedException {
            while (!clientOwed.isEmpty() && clientOwed.peek().reply != null) {
                Slot s = clientOwed.poll();
                if (!s.delay.isZero()) {
                    flush();
                    TimeUnit.NANOSECONDS.sleep(s.delay.toNanos());
                }
                clientView.server(s.reply);
                toClient.writeBytes(s.reply.encode());
                clientInData = s.reply.code() == 354;
                clientInAuth = s.reply.code() == 334;
            }
        }

        private void toServer(String line, Owed owed) {
            serverView.client(line);
            toServer.writeBytes((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            if (owed != null) {
                serverOwed.add(owed);
            }
        }

        private void flush() throws IOException {
            if (done) {
                return;
            }
            if (toServer.size() > 0) {
                OutputStream out = server.getOutputStream();
                toServer.writeTo(out);
                out.flush();
                toServer.reset();
            }
            if (clientGone) {
                toClient.reset();
            } else if (toClient.size() > 0) {
                OutputStream out = client.getOutputStream();
                toClient.writeTo(out);
                out.flush();
                toClient.reset();
            }
        }

        private void drop() {
            done = true;
            toServer.reset();
            toClient.reset();
            ScriptedServer.closeQuietly(client);
            ScriptedServer.closeQuietly(server);
        }

        private void readClient() {
            try {
                LineReader reader = new LineReader(client.getInputStream());
                while (true) {
                    List<String> batch = reader.nextBatch();
                    if (batch.isEmpty()) {
                        events.add(new Closed(true, "end of stream"));
                        return;
                    }
                    events.add(new FromClient(batch));
                }
            } catch (IOException e) {
                events.add(new Closed(true, e.toString()));
            }
        }

        private void readServer() {
            ReplyDecoder decoder = new ReplyDecoder(Limits.DEFAULTS);
            byte[] buffer = new byte[8192];
            try {
                InputStream in = server.getInputStream();
                while (true) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        events.add(new Closed(false, "end of stream"));
                        return;
                    }
                    decoder.feed(buffer, 0, n);
                    for (Optional<Reply> r = decoder.next(); r.isPresent(); r = decoder.next()) {
                        events.add(new FromServer(r.get()));
                    }
                }
            } catch (IOException | SmtpProtocolException e) {
                events.add(new Closed(false, e.toString()));
            }
        }
    }

    /** Removes the STARTTLS keyword line from an EHLO reply (RFC 3207 §4); never the first line. */
    static Reply withoutStartTls(Reply ehlo) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < ehlo.lines().size(); i++) {
            String line = ehlo.lines().get(i);
            String keyword = line.trim().split(" ", 2)[0].toUpperCase(Locale.ROOT);
            if (i == 0 || !keyword.equals("STARTTLS")) {
                kept.add(line);
            }
        }
        return new Reply(ehlo.code(), ehlo.status(), kept);
    }

    /** Sets the options of an {@link SmtpProxy}; {@link #start()} binds and starts it. */
    public static final class Builder {
        private final InetSocketAddress target;
        private final List<Fault> faults = new ArrayList<>();
        private InetAddress address = ScriptedServer.loopback();
        private int port;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

        private Builder(InetSocketAddress target) {
            this.target = Objects.requireNonNull(target, "target");
        }

        /** Adds a fault injected into every connection; at most one {@link Fault.AnswerData}. */
        public Builder fault(Fault fault) {
            Objects.requireNonNull(fault, "fault");
            if (fault instanceof Fault.AnswerData && faults.stream().anyMatch(f -> f instanceof Fault.AnswerData)) {
                throw new IllegalArgumentException("only one AnswerData fault: the proxy can answer DATA only one way");
            }
            faults.add(fault);
            return this;
        }

        /** The address to listen on; {@code 127.0.0.1} by default. */
        public Builder address(InetAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The port to listen on; 0, a free port, by default. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /** How long to wait to reach the server; {@link #DEFAULT_CONNECT_TIMEOUT} by default. */
        public Builder connectTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Binds and starts the proxy.
         *
         * @throws UncheckedIOException if the port cannot be bound
         */
        public SmtpProxy start() {
            try {
                return new SmtpProxy(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + address + ":" + port, e);
            }
        }
    }
}
