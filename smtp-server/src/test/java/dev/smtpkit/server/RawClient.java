package dev.smtpkit.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client that speaks raw lines over a real socket, for the cases real clients never produce. */
final class RawClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        this(port, Duration.ofSeconds(10));
    }

    RawClient(int port, Duration readTimeout) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout((int) readTimeout.toMillis());
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    RawClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
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

    /** Whether the server closed the connection: the next read sees end of input. */
    boolean atEnd() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
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
