package dev.smtpkit.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The testkit tests' client that speaks raw lines over a real socket, to a sink or through a
 * proxy, can stop anywhere in a conversation, and can upgrade to TLS. (smtp-server's tests have
 * their own, since this module's tests depend on smtp-server, not the other way round; users
 * who want raw lines play a {@link Conversation} with a {@link ScriptedClient}.)
 */
final class RawClient implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket plain;
    private final int port;
    private InputStream in;
    private OutputStream out;

    RawClient(MailSink sink) throws IOException {
        this(sink.host(), sink.port());
    }

    /** Connects to {@code 127.0.0.1} and the port. */
    RawClient(int port) throws IOException {
        this("127.0.0.1", port);
    }

    private RawClient(String host, int port) throws IOException {
        this.port = port;
        plain = new Socket(host, port);
        plain.setSoTimeout(READ_TIMEOUT_MILLIS);
        plain.setTcpNoDelay(true);
        in = plain.getInputStream();
        out = plain.getOutputStream();
    }

    /** Reads the greeting and says EHLO; returns the EHLO reply's code. */
    RawClient hello() throws IOException {
        code();
        if (command("EHLO client.test") != 250) {
            throw new AssertionError("EHLO refused");
        }
        return this;
    }

    RawClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** Sends a line and returns the code of its reply (-1 at end of input). */
    int command(String line) throws IOException {
        send(line + "\r\n");
        return code();
    }

    /** Sends a line and returns its whole reply, "" at end of input. */
    String ask(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /** The code of the next reply, -1 at end of input. */
    int code() throws IOException {
        String r = reply();
        return r.isEmpty() ? -1 : Integer.parseInt(r.substring(0, 3));
    }

    /** One whole reply with its CRLFs, or "" when the server closed the connection. */
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

    /**
     * Plays a script's steps in order: each client write as one write, each reply checked by its
     * code only, so that a test can go on by hand where the script ends.
     */
    void play(Conversation script) throws IOException {
        for (Conversation.Step s : script.steps()) {
            if (s instanceof Conversation.ClientWrite w) {
                send(String.join("\r\n", w.lines()) + "\r\n");
            } else {
                int expected = ((Conversation.ServerReply) s).reply().code();
                String actual = reply();
                if (actual.isEmpty() || Integer.parseInt(actual.substring(0, 3)) != expected) {
                    throw new AssertionError("expected " + expected + ", got " + (actual.isEmpty() ? "the end" : actual));
                }
            }
        }
    }

    /** MAIL, RCPT for each recipient, DATA, the content and the dot; returns the final reply's code. */
    int sendMail(String from, String content, String... recipients) throws IOException {
        if (command("MAIL FROM:<" + from + ">") != 250) {
            throw new AssertionError("MAIL refused");
        }
        for (String r : recipients) {
            command("RCPT TO:<" + r + ">");
        }
        if (command("DATA") != 354) {
            throw new AssertionError("DATA refused");
        }
        send(content + ".\r\n");
        return code();
    }

    /** STARTTLS, then the handshake trusting {@code context}. */
    void startTls(SSLContext context) throws IOException {
        if (command("STARTTLS") != 220) {
            throw new AssertionError("STARTTLS refused");
        }
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
        tls.setSoTimeout(READ_TIMEOUT_MILLIS);
        tls.startHandshake();
        in = tls.getInputStream();
        out = tls.getOutputStream();
    }

    /** Whether the server closed the connection. */
    boolean atEnd() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        try {
            c = in.read();
        } catch (SocketException e) {
            return null;
        }
        for (; c >= 0; c = in.read()) {
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
        plain.close();
    }
}
