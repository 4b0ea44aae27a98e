package dev.smtpkit.testkit;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.internal.ReplyDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** A hand-driven client for tests that must pause in the middle of a conversation. */
final class HeldClient implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Socket socket;
    private final ReplyDecoder decoder = new ReplyDecoder(Limits.DEFAULTS);

    HeldClient(int port) {
        try {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) WAIT.toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Plays a script's steps, checking reply codes. */
    void play(Conversation script) {
        for (Conversation.Step s : script.steps()) {
            if (s instanceof Conversation.ClientWrite w) {
                send(w.lines().toArray(String[]::new));
            } else {
                int expected = ((Conversation.ServerReply) s).reply().code();
                Reply actual = reply();
                if (actual.code() != expected) {
                    throw new AssertionError("expected " + expected + ", got " + actual);
                }
            }
        }
    }

    void send(String... lines) {
        try {
            socket.getOutputStream().write((String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Reply reply() {
        byte[] buffer = new byte[1024];
        try {
            for (Optional<Reply> r = decoder.next(); ; r = decoder.next()) {
                if (r.isPresent()) {
                    return r.get();
                }
                int n = socket.getInputStream().read(buffer);
                if (n < 0) {
                    throw new AssertionError("connection closed");
                }
                decoder.feed(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
