package dev.smtpkit.cli;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * A hostile server for one connection on 127.0.0.1:0, over TLS from the first octet or after
 * STARTTLS, that encrypts through an {@link SSLEngine} so that it decides how TLS records meet TCP
 * writes. It answers DATA with {@code 354} and an early {@code 250} as two records in one write
 * (issue 17): they arrive together, and the client's TLS socket, which decrypts one record per
 * read, hands over the 354 and leaves the 250 undecrypted in the kernel, where a check of
 * {@code available()} alone does not see it. A final dot, if one comes, is answered 554, so a
 * client that took the 250 for the reply to its end of data reports a delivery that did not
 * happen. Every line it reads is recorded.
 */
final class EarlyReplyTlsServer implements AutoCloseable {

    private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    private final SSLEngine engine;
    private final boolean implicit;
    private final Thread thread = new Thread(this::serve, "early-reply-tls-server");
    /** Every line read, in the clear. */
    final List<String> lines = new CopyOnWriteArrayList<>();
    private InputStream in;
    private OutputStream out;
    private boolean tls;
    private ByteBuffer fromWire;
    /** Decrypted and not yet read; in read mode. */
    private ByteBuffer decrypted;

    EarlyReplyTlsServer(SSLContext context, boolean implicit) throws IOException {
        this.engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        this.implicit = implicit;
        fromWire = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        decrypted = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void serve() {
        try (Socket s = listener.accept()) {
            s.setSoTimeout((int) Cli.WAIT.toMillis());
            s.setTcpNoDelay(true);
            in = s.getInputStream();
            out = s.getOutputStream();
            if (implicit) {
                handshake();
            }
            write("220 hostile.example ESMTP\r\n");
            boolean data = false;
            for (String line = line(); line != null; line = line()) {
                lines.add(line);
                if (data) {
                    if (line.equals(".")) {
                        data = false;
                        write("554 5.7.1 refused\r\n");
                    }
                } else if (line.startsWith("EHLO")) {
                    write(tls ? "250-hostile.example\r\n250 8BITMIME\r\n" : "250-hostile.example\r\n250 STARTTLS\r\n");
                } else if (line.equals("STARTTLS")) {
                    write("220 2.0.0 go ahead\r\n");
                    handshake();
                } else if (line.equals("DATA")) {
                    data = true;
                    write("354 go ahead\r\n", "250 2.0.0 queued\r\n");
                } else if (line.equals("QUIT")) {
                    write("221 bye\r\n");
                    return;
                } else {
                    write("250 OK\r\n");
                }
            }
        } catch (IOException e) {
            // the client hung up; the test asserts on what it did
        }
    }

    /** Writes the replies in one write: each in a TLS record of its own once TLS is up. */
    private void write(String... replies) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (String reply : replies) {
            ByteBuffer clear = ByteBuffer.wrap(reply.getBytes(StandardCharsets.US_ASCII));
            if (!tls) {
                wire.write(clear.array());
            }
            while (tls && clear.hasRemaining()) {
                // A TLS 1.3 session ticket may go out first, in a record of its own.
                wrap(clear, wire);
            }
        }
        out.write(wire.toByteArray());
        out.flush();
    }

    private void wrap(ByteBuffer clear, ByteArrayOutputStream wire) throws IOException {
        ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult r = engine.wrap(clear, record);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new IOException("wrap: " + r);
        }
        runTasks();
        wire.write(record.array(), 0, record.position());
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> {
                    ByteArrayOutputStream wire = new ByteArrayOutputStream();
                    wrap(ByteBuffer.allocate(0), wire);
                    out.write(wire.toByteArray());
                    out.flush();
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrap();
                default -> {
                    tls = true;
                    return;
                }
            }
        }
    }

    /** Decrypts what the wire holds, reading more of it when no whole record is there. */
    private void unwrap() throws IOException {
        decrypted.compact();
        try {
            fromWire.flip();
            SSLEngineResult r = engine.unwrap(fromWire, decrypted);
            fromWire.compact();
            switch (r.getStatus()) {
                case BUFFER_UNDERFLOW -> {
                    int n = in.read(fromWire.array(), fromWire.position(), fromWire.remaining());
                    if (n < 0) {
                        throw new EOFException();
                    }
                    fromWire.position(fromWire.position() + n);
                }
                case CLOSED -> throw new EOFException();
                case BUFFER_OVERFLOW -> throw new IOException("a record larger than the session allows");
                default -> runTasks();
            }
        } finally {
            decrypted.flip();
        }
    }

    private void runTasks() {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }

    private int read() throws IOException {
        if (!tls) {
            return in.read();
        }
        while (!decrypted.hasRemaining()) {
            unwrap();
        }
        return decrypted.get() & 0xFF;
    }

    /** One line without its CRLF; null at the end of input. Read an octet at a time, so nothing after STARTTLS is taken in the clear. */
    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            for (int c = read(); c >= 0; c = read()) {
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
        } catch (EOFException e) {
            // the end of input, in TLS or below it
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        listener.close();
        thread.join(Cli.WAIT.toMillis());
    }
}
