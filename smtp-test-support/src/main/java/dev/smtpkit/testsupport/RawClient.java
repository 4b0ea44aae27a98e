package dev.smtpkit.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The client smtpkit's socket tests speak raw lines with, for what real clients never send (bare
 * CR or LF, NUL, floods, pipelining a well-behaved client would not) and for stopping anywhere in
 * a conversation. One class for the server's and the testkit's tests: it lives in a module of its
 * own because the testkit depends on the server, and uses the JDK only.
 *
 * <p>Strings become octets in UTF-8 ({@link #RawClient(int)}), or one char to one octet
 * ({@link #octets(int)}: ISO-8859-1, so that "\0", a bare "\r" or 0x80-0xFF go out as written);
 * replies are read the same way. The octets client reads through a buffer large enough for
 * floods; the UTF-8 one reads no further than the reply it returns, so that a test can put TLS on
 * its {@link #socket()} after a 220.
 *
 * <p>The end of input and a connection reset before a line's first octet are the same to it: the
 * server closed the connection, and {@link #reply()} gives "" ({@link #code()} -1). A fault that
 * drops a connection may reset it rather than close it.
 */
public final class RawClient implements AutoCloseable {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final Duration readTimeout;
    private final Charset charset;
    private InputStream in;
    private OutputStream out;

    /** Connects to the loopback port; strings in UTF-8. */
    public RawClient(int port) throws IOException {
        this(port, READ_TIMEOUT);
    }

    /** Connects to the loopback port with a read timeout; strings in UTF-8. */
    public RawClient(int port, Duration readTimeout) throws IOException {
        this(connect(loopback(port), 0), readTimeout, StandardCharsets.UTF_8, false);
    }

    /**
     * Connects to the host and port; strings in UTF-8. For a listener bound to 127.0.0.1 itself,
     * as the testkit's are: the loopback address of the other constructors is ::1 where IPv6 is
     * preferred.
     */
    public RawClient(String host, int port) throws IOException {
        this(connect(new InetSocketAddress(host, port), 0), READ_TIMEOUT, StandardCharsets.UTF_8, false);
    }

    private RawClient(Socket connected, Duration readTimeout, Charset charset, boolean buffered) throws IOException {
        this.socket = Objects.requireNonNull(connected, "connected");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
        this.charset = charset;
        socket.setSoTimeout((int) readTimeout.toMillis());
        socket.setTcpNoDelay(true);
        in = buffered ? new BufferedInputStream(socket.getInputStream(), 64 * 1024) : socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Connects to the loopback port; each char of a string is one octet. */
    public static RawClient octets(int port) throws IOException {
        return octets(port, 0);
    }

    /**
     * Connects with a receive buffer of {@code receiveBuffer} octets (if not 0), which makes the
     * client a slow reader; each char of a string is one octet.
     */
    public static RawClient octets(int port, int receiveBuffer) throws IOException {
        return octets(connect(loopback(port), receiveBuffer));
    }

    /** Takes over a socket already connected, from a local address of the test's choosing; each char is one octet. */
    public static RawClient octets(Socket connected) throws IOException {
        return new RawClient(connected, READ_TIMEOUT, StandardCharsets.ISO_8859_1, true);
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static Socket connect(InetSocketAddress address, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(address, (int) READ_TIMEOUT.toMillis());
        return socket;
    }

    /** The TCP socket; after {@link #startTls(SSLContext)}, the one the TLS socket runs on. */
    public Socket socket() {
        return socket;
    }

    public RawClient send(String text) throws IOException {
        return send(text.getBytes(charset));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one whole reply (all its lines) and returns it with CRLFs, or "" at end of input. */
    public String reply() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String line = line();
            if (line == null) {
                return sb.toString();
            }
            sb.append(line).append("\r\n");
            if (line.length() < 4 || line.charAt(3) != '-') {
                return sb.toString();
            }
        }
    }

    /** The three-digit code of the next reply; -1 at end of input. */
    public int code() throws IOException {
        return codeOf(reply());
    }

    /** Sends a line and returns its whole reply, "" at end of input. */
    public String ask(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /** Sends a line and returns the code of its reply, -1 at end of input. */
    public int command(String line) throws IOException {
        send(line + "\r\n");
        return code();
    }

    /** Reads the greeting and says EHLO, which must be answered 250. */
    public RawClient hello() throws IOException {
        code();
        expect("EHLO client.test", 250);
        return this;
    }

    /**
     * After the greeting: EHLO, MAIL, RCPT and DATA, each answered as a willing server answers
     * them, so the next octets sent are message data.
     */
    public void openData() throws IOException {
        expect("EHLO client.test", 250);
        expect("MAIL FROM:<a@example.com>", 250);
        expect("RCPT TO:<b@example.org>", 250);
        expect("DATA", 354);
    }

    /**
     * After EHLO: MAIL (answered 250), RCPT for each recipient (answered anyhow), DATA (answered
     * 354), the content (which must end in CRLF and be dot-stuffed already) and the dot; returns
     * the code of the reply to the message.
     */
    public int sendMail(String from, String content, String... recipients) throws IOException {
        expect("MAIL FROM:<" + from + ">", 250);
        for (String r : recipients) {
            command("RCPT TO:<" + r + ">");
        }
        expect("DATA", 354);
        send(content + ".\r\n");
        return code();
    }

    /**
     * STARTTLS, answered 220, then the handshake trusting {@code context}; later lines go over
     * TLS. Nothing is lost from the octets client's buffer: after its 220 the server waits for
     * the handshake (RFC 3207 §4.2).
     */
    public void startTls(SSLContext context) throws IOException {
        expect("STARTTLS", 220);
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        tls.setSoTimeout((int) readTimeout.toMillis());
        tls.startHandshake();
        in = tls.getInputStream();
        out = tls.getOutputStream();
    }

    /** Every reply until the server closes, at most {@code max}. */
    public List<String> repliesUntilEnd(int max) throws IOException {
        List<String> all = new ArrayList<>();
        for (String r = reply(); !r.isEmpty() && all.size() < max; r = reply()) {
            all.add(r);
        }
        return all;
    }

    /** Whether the server closed the connection: the next read sees end of input, or a reset. */
    public boolean atEnd() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }

    private void expect(String line, int code) throws IOException {
        String reply = ask(line);
        if (codeOf(reply) != code) {
            throw new AssertionError(line + ": expected " + code + ", got " + (reply.isEmpty() ? "the end of input" : reply));
        }
    }

    private static int codeOf(String reply) {
        return reply.isEmpty() ? -1 : Integer.parseInt(reply.substring(0, 3));
    }

    private String line() throws IOException {
        int c;
        try {
            c = in.read();
        } catch (SocketException e) {
            return null;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (; c >= 0; c = in.read()) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, charset);
            }
            b.write(c);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
