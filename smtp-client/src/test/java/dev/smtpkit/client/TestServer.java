package dev.smtpkit.client;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.core.server.ServerSession;
import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.server.internal.sasl.AuthExchange;
import dev.smtpkit.server.internal.sasl.SaslServerMechanisms;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A real SMTP server for the client's tests, until smtp-server's own is merged: a
 * {@link ServerSession} per connection on a blocking socket bound to 127.0.0.1:0, with STARTTLS
 * (or implicit TLS) and AUTH through the security package. It records every message and command.
 */
final class TestServer implements AutoCloseable {

    record Received(Envelope envelope, byte[] content) {
    }

    private final ServerConfig config;
    private final SSLContext tls;
    private final boolean implicitTls;
    private final SaslServerMechanisms sasl;
    private final Function<ForwardPath, Optional<Reply>> recipients;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final LinkedBlockingQueue<Received> messages = new LinkedBlockingQueue<>();
    final List<String> commands = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private TestServer(Builder b) throws IOException {
        this.tls = b.tls;
        this.implicitTls = b.implicitTls;
        this.sasl = b.sasl;
        this.recipients = b.recipients;
        ServerConfig.Builder c = b.config.toBuilder();
        if (tls != null && !implicitTls) {
            c.tlsPolicy(TlsPolicy.OPTIONAL);
        }
        if (sasl != null) {
            c.authMechanisms(sasl.names()).allowAuthWithoutTls(b.plaintextAuth);
        }
        this.config = c.build();
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::acceptLoop, "test-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static Builder builder() {
        return new Builder();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Takes the next message received, waiting at most {@code timeout}. */
    Received take(Duration timeout) throws InterruptedException {
        Received r = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new AssertionError("no message within " + timeout);
        }
        return r;
    }

    /** Closes every open connection from the server's side, as a server's idle timer would. */
    void dropConnections() throws IOException {
        for (Socket s : open) {
            s.close();
        }
    }

    int openConnections() {
        return open.size();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = listener.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "test-server-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket plain) {
        Socket socket = plain;
        try {
            socket.setTcpNoDelay(true);
            if (implicitTls) {
                socket = handshake(socket);
            }
            ServerSession session = new ServerSession(config);
            session.observer(new ServerSession.Observer() {
                @Override
                public void received(String line) {
                    commands.add(line);
                }
            });
            AuthExchange auth = sasl == null ? null : sasl.newExchange();
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            while (true) {
                ServerEvent e = session.nextEvent();
                if (e instanceof ServerEvent.NeedInput) {
                    flush(session, out);
                    int n = in.read(buffer);
                    if (n < 0) {
                        session.receiveEndOfInput();
                    } else {
                        session.receive(buffer, 0, n);
                    }
                } else if (e instanceof ServerEvent.AuthStep step) {
                    auth.next(step).applyTo(session);
                } else if (e instanceof ServerEvent.RcptTo rcpt) {
                    Optional<Reply> refusal = recipients.apply(rcpt.recipient());
                    if (refusal.isPresent()) {
                        session.decide(refusal.get());
                    } else {
                        session.accept();
                    }
                } else if (e instanceof ServerEvent.MessageStart) {
                    content.reset();
                } else if (e instanceof ServerEvent.MessageData data) {
                    byte[] copy = new byte[data.content().remaining()];
                    data.content().duplicate().get(copy);
                    content.write(copy);
                } else if (e instanceof ServerEvent.MessageEnd end) {
                    messages.add(new Received(end.envelope(), content.toByteArray()));
                    session.accept();
                } else if (e instanceof ServerEvent.Decision) {
                    session.accept();
                } else if (e instanceof ServerEvent.StartTls) {
                    flush(session, out);
                    socket = handshake(socket);
                    in = socket.getInputStream();
                    out = socket.getOutputStream();
                    session.tlsEstablished();
                } else if (e instanceof ServerEvent.Closed) {
                    flush(session, out);
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away, or the test dropped the connection
        } finally {
            open.remove(plain);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private SSLSocket handshake(Socket plain) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
        s.setUseClientMode(false);
        s.startHandshake();
        return s;
    }

    private static void flush(ServerSession session, OutputStream out) throws IOException {
        if (session.hasOutput()) {
            out.write(session.takeOutput());
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        dropConnections();
    }

    static final class Builder {
        private ServerConfig config = ServerConfig.builder().hostname("test.example").build();
        private SSLContext tls;
        private boolean implicitTls;
        private SaslServerMechanisms sasl;
        private boolean plaintextAuth = false;
        private Function<ForwardPath, Optional<Reply>> recipients = r -> Optional.empty();

        Builder config(ServerConfig config) {
            this.config = config;
            return this;
        }

        Builder startTls(SSLContext context) {
            this.tls = context;
            return this;
        }

        Builder implicitTls(SSLContext context) {
            this.tls = context;
            this.implicitTls = true;
            return this;
        }

        Builder auth(SaslServerMechanisms mechanisms, boolean plaintext) {
            this.sasl = mechanisms;
            this.plaintextAuth = plaintext;
            return this;
        }

        /** Refuses the recipients for which the function gives a reply. */
        Builder recipients(Function<ForwardPath, Optional<Reply>> policy) {
            this.recipients = policy;
            return this;
        }

        TestServer start() throws IOException {
            return new TestServer(this);
        }
    }

    static List<String> verbs(List<String> commands) {
        List<String> out = new ArrayList<>();
        for (String c : commands) {
            int space = c.indexOf(' ');
            out.add(space < 0 ? c : c.substring(0, space));
        }
        return out;
    }
}
