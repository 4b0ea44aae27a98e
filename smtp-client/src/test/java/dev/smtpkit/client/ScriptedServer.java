package dev.smtpkit.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server that answers each command line with canned text, for faults a real server will not
 * produce: a 4xx at any step, a dropped connection, replies split into single octets, a proxy's
 * own 354. The script sees {@code CONNECT} for the greeting and {@code .} for the end of data;
 * it returns the raw reply text without the final CRLF, or {@link #DROP} to close at once.
 */
final class ScriptedServer implements AutoCloseable {

    /** Closes the connection instead of replying. */
    static final String DROP = "<drop>";

    interface Script {
        /** The reply to {@code line} on connection {@code connection} (1, 2, ...). */
        String reply(int connection, String line);
    }

    /** A server with PIPELINING that takes everything. */
    static String standard(String line) {
        String verb = verb(line);
        return switch (verb) {
            case "CONNECT" -> "220 scripted.example ESMTP";
            case "EHLO" -> "250-scripted.example\r\n250-PIPELINING\r\n250 8BITMIME";
            case "DATA" -> "354 go ahead";
            case "QUIT" -> "221 bye";
            default -> "250 OK";
        };
    }

    static String verb(String line) {
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    private final Script script;
    private final boolean splitReplies;
    private final ServerSocket listener;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<byte[]> messages = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    ScriptedServer(Script script, boolean splitReplies) throws IOException {
        this.script = script;
        this.splitReplies = splitReplies;
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::acceptLoop, "scripted-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (true) {
            try {
                Socket s = listener.accept();
                open.add(s);
                int n = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(n, s), "scripted-conn-" + n);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(int connection, Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (!answer(connection, "CONNECT", out)) {
                return;
            }
            boolean data = false;
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            for (String line = readLine(in); line != null; line = readLine(in)) {
                if (data) {
                    if (!line.equals(".")) {
                        content.write((line.startsWith("..") ? line.substring(1) : line).getBytes(StandardCharsets.ISO_8859_1));
                        content.write('\r');
                        content.write('\n');
                        continue;
                    }
                    data = false;
                    messages.add(content.toByteArray());
                    content.reset();
                }
                lines.add(line);
                String reply = script.reply(connection, line);
                if (!write(reply, out)) {
                    return;
                }
                data = reply.startsWith("354");
                if (verb(line).equals("QUIT")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private boolean answer(int connection, String line, OutputStream out) throws IOException {
        return write(script.reply(connection, line), out);
    }

    private boolean write(String reply, OutputStream out) throws IOException {
        if (reply.equals(DROP)) {
            return false;
        }
        byte[] bytes = (reply + "\r\n").getBytes(StandardCharsets.UTF_8);
        if (splitReplies) {
            // one octet per write with TCP_NODELAY: the client sees replies in many pieces
            for (byte b : bytes) {
                out.write(b);
                out.flush();
            }
        } else {
            out.write(bytes);
            out.flush();
        }
        return true;
    }

    /** A line without its CRLF, octets kept as ISO-8859-1 chars; null at the end of input. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n' && prev == '\r') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            prev = b;
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
