package dev.smtpkit.benchmarks.clients;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.client.ClientConfig;
import dev.smtpkit.core.client.ClientEvent;
import dev.smtpkit.core.client.ClientSession;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;

/**
 * One client run in its own JVM: {@code KIND PORT WARMUP MESSAGES SIZE THREADS}. Sends the
 * warm-up messages, then the measured ones, and prints {@code RESULT <nanoseconds>} for the
 * measured part only.
 */
public final class ClientMain {

    private ClientMain() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        int port = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int messages = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]);
        byte[] content = content(size);
        // One SmtpClient for warm-up and measured part, shared by every thread: its pool gives each
        // thread its own connection, as an application sharing one client would.
        SmtpClient client = kind.startsWith("client-") ? smtpClient(port, kind, threads) : null;
        Runner runner = switch (kind) {
            case "angus" -> n -> angus(port, n, content, false);
            case "angus-nodelay" -> n -> angus(port, n, content, true);
            case "session-pipelined" -> n -> clientSession(port, n, content, true);
            case "session-serial" -> n -> clientSession(port, n, content, false);
            case "client-pipelined", "client-serial" -> n -> smtpClientSend(client, n, content);
            default -> throw new IllegalArgumentException("unknown client " + kind);
        };
        inParallel(runner, warmup, threads);
        // The harness reads this process's CPU time between the two lines, then lets it go.
        java.io.BufferedReader control = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.US_ASCII));
        System.out.println("WARM");
        System.out.flush();
        control.readLine();
        long start = System.nanoTime();
        inParallel(runner, messages, threads);
        System.out.println("RESULT " + (System.nanoTime() - start));
        System.out.flush();
        control.readLine();
        if (client != null) {
            client.close();
        }
    }

    /** Sends {@code messages} over one connection. */
    @FunctionalInterface
    private interface Runner {
        void send(int messages) throws Exception;
    }

    /** Splits the messages over {@code threads} threads, one connection each. */
    private static void inParallel(Runner runner, int messages, int threads) throws Exception {
        if (threads == 1) {
            runner.send(messages);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int share = messages / threads + (i < messages % threads ? 1 : 0);
                done.add(pool.submit(() -> {
                    runner.send(share);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A text body of {@code size} octets in 78-octet lines with CRLF. */
    static byte[] content(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            int col = i % 80;
            b[i] = col == 78 ? (byte) '\r' : col == 79 ? (byte) '\n' : (byte) ('a' + (i / 80 + col) % 26);
        }
        if (size >= 2) {
            b[size - 2] = '\r';
            b[size - 1] = '\n';
        }
        return b;
    }

    // ---------------------------------------------------------------- Angus Mail

    /**
     * Angus Mail's SMTP transport, connected once and reused for every message, as an
     * application that keeps a Transport open would. {@code noDelay} gives it a socket factory
     * that turns off Nagle's algorithm, which Angus itself leaves on.
     */
    private static void angus(int port, int messages, byte[] content, boolean noDelay) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        p.put("mail.smtp.localhost", "client.bench.test");
        if (noDelay) {
            p.put("mail.smtp.socketFactory", new NoDelaySocketFactory());
        }
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("sender@client.bench.test"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("rcpt@server.bench.test"));
        message.setSubject("benchmark");
        message.setText(new String(content, StandardCharsets.US_ASCII), "us-ascii");
        message.saveChanges();
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect();
            for (int i = 0; i < messages; i++) {
                transport.sendMessage(message, message.getAllRecipients());
            }
        }
    }

    /** Plain sockets with TCP_NODELAY. */
    private static final class NoDelaySocketFactory extends SocketFactory {
        @Override
        public Socket createSocket() throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            Socket s = createSocket();
            s.bind(new InetSocketAddress(localHost, localPort));
            s.connect(new InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            Socket s = createSocket();
            s.bind(new InetSocketAddress(localAddress, localPort));
            s.connect(new InetSocketAddress(address, port));
            return s;
        }
    }

    // ---------------------------------------------------------------- smtpkit SmtpClient

    /** smtpkit's {@link SmtpClient} without TLS (smtp-sink offers none), one connection per thread. */
    private static SmtpClient smtpClient(int port, String kind, int threads) {
        return SmtpClient.builder()
                .host("127.0.0.1")
                .port(port)
                .heloName("client.bench.test")
                .tlsMode(TlsMode.NONE)
                .maxConnections(threads)
                .pipelining(kind.equals("client-pipelined"))
                .chunking(false)
                .build();
    }

    private static void smtpClientSend(SmtpClient client, int messages, byte[] content) {
        Envelope envelope = Envelope.of(Mailbox.of("sender", "client.bench.test"), Mailbox.of("rcpt", "server.bench.test"));
        MessageContent message = MessageContent.of(content);
        for (int i = 0; i < messages; i++) {
            // send throws on any refusal, so a message that was not taken fails the run.
            client.send(envelope, message);
        }
    }

    // ---------------------------------------------------------------- smtpkit ClientSession

    /**
     * smtpkit's sans-IO {@link ClientSession} driven by the smallest blocking loop: write what it
     * queued, read when it needs input: the protocol core with no pooling or threads, the floor
     * under SmtpClient's own rows.
     */
    private static void clientSession(int port, int messages, byte[] content, boolean pipelined) throws IOException {
        ClientConfig config = ClientConfig.builder("client.bench.test")
                .pipelining(pipelined)
                .chunking(false)
                .build();
        Envelope envelope = Envelope.of(Mailbox.of("sender", "client.bench.test"), Mailbox.of("rcpt", "server.bench.test"));
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Loop loop = new Loop(new ClientSession(config), socket.getInputStream(), socket.getOutputStream());
            loop.until(ClientEvent.Ready.class);
            for (int i = 0; i < messages; i++) {
                loop.session.send(envelope);
                loop.until(ClientEvent.ReadyForContent.class);
                loop.session.writeData(ByteBuffer.wrap(content));
                loop.session.endData();
                ClientEvent.TransactionCompleted done = loop.until(ClientEvent.TransactionCompleted.class);
                if (!done.result().isDelivered()) {
                    throw new IOException("message refused: " + done.result());
                }
            }
            loop.session.quit();
            loop.until(ClientEvent.Closed.class);
        }
    }

    private static final class Loop {
        final ClientSession session;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[16 * 1024];

        Loop(ClientSession session, InputStream in, OutputStream out) {
            this.session = session;
            this.in = in;
            this.out = out;
        }

        /** Takes events, reading and writing as the session asks, until one of type {@code wanted}. */
        <E extends ClientEvent> E until(Class<E> wanted) throws IOException {
            while (true) {
                ClientEvent e = session.nextEvent();
                if (wanted.isInstance(e)) {
                    if (session.hasOutput()) {
                        out.write(session.takeOutput());
                    }
                    return wanted.cast(e);
                }
                if (e instanceof ClientEvent.Closed closed) {
                    throw new IOException("session closed: " + closed);
                }
                if (e instanceof ClientEvent.NeedInput) {
                    if (session.hasOutput()) {
                        out.write(session.takeOutput());
                    }
                    int n = in.read(buffer);
                    if (n < 0) {
                        session.receiveEndOfInput();
                    } else {
                        session.receive(buffer, 0, n);
                    }
                }
            }
        }
    }
}
