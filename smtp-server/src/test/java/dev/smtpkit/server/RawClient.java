package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * A client that speaks raw lines over a real socket, for the cases real clients never produce:
 * bare CR or LF, NUL, floods, pipelining a well-behaved client would not. Strings become octets
 * in UTF-8 ({@link #RawClient(int)}), or one char to one octet ({@link #octets(int)}: ISO-8859-1,
 * so that "\0", a bare "\r" or 0x80-0xFF go out as written); replies are read the same way. The
 * octets client reads through a buffer large enough for floods; the UTF-8 one reads no further
 * than the reply it returns, so that a test can put TLS on its {@link #socket} after a 220.
 */
final class RawClient implements AutoCloseable {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    final Socket socket;
    private final Charset charset;
    private final InputStream in;
    private final OutputStream out;

    /** Connects to the loopback port; strings in UTF-8. */
    RawClient(int port) throws IOException {
        this(port, READ_TIMEOUT);
    }

    /** Connects to the loopback port with a read timeout; strings in UTF-8. */
    RawClient(int port, Duration readTimeout) throws IOException {
        this(connect(port, 0), readTimeout, StandardCharsets.UTF_8, false);
    }

    /** Takes over a connected socket. */
    private RawClient(Socket connected, Duration readTimeout, Charset charset, boolean buffered) throws IOException {
        this.socket = connected;
        this.charset = Objects.requireNonNull(charset, "charset");
        socket.setSoTimeout((int) readTimeout.toMillis());
        socket.setTcpNoDelay(true);
        in = buffered ? new BufferedInputStream(socket.getInputStream(), 64 * 1024) : socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Connects to the loopback port; each char of a string is one octet. */
    static RawClient octets(int port) throws IOException {
        return octets(port, 0);
    }

    /**
     * Connects with a receive buffer of {@code receiveBuffer} octets (if not 0), which makes the
     * client a slow reader; each char of a string is one octet.
     */
    static RawClient octets(int port, int receiveBuffer) throws IOException {
        return octets(connect(port, receiveBuffer));
    }

    /** Takes over a socket already connected, from a local address of the test's choosing; each char is one octet. */
    static RawClient octets(Socket connected) throws IOException {
        return new RawClient(connected, READ_TIMEOUT, StandardCharsets.ISO_8859_1, true);
    }

    private static Socket connect(int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) READ_TIMEOUT.toMillis());
        return socket;
    }

    RawClient send(String text) throws IOException {
        return send(text.getBytes(charset));
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one whole reply (all its lines) and returns it with CRLFs, or "" at end of input. */
    String reply() throws IOException {
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
    int code() throws IOException {
        String r = reply();
        return r.isEmpty() ? -1 : Integer.parseInt(r.substring(0, 3));
    }

    /** Sends a line and returns its whole reply. */
    String ask(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /** Sends a line and returns the code of its reply. */
    int command(String line) throws IOException {
        send(line + "\r\n");
        return code();
    }

    /**
     * After the greeting: EHLO, MAIL, RCPT and DATA, each answered as a willing server answers
     * them, so the next octets sent are message data.
     */
    void openData() throws IOException {
        assertThat(command("EHLO client.test")).isEqualTo(250);
        assertThat(command("MAIL FROM:<a@example.com>")).isEqualTo(250);
        assertThat(command("RCPT TO:<b@example.org>")).isEqualTo(250);
        assertThat(command("DATA")).isEqualTo(354);
    }

    /** Every reply until the server closes, at most {@code max}. */
    List<String> repliesUntilEnd(int max) throws IOException {
        List<String> all = new ArrayList<>();
        for (String r = reply(); !r.isEmpty() && all.size() < max; r = reply()) {
            all.add(r);
        }
        return all;
    }

    /** Whether the server closed the connection: the next read sees end of input. */
    boolean atEnd() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (int c = in.read(); c >= 0; c = in.read()) {
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
