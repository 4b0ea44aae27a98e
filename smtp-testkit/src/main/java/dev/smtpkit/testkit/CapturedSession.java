package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import dev.smtpkit.server.Connection;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * One connection to a {@link MailSink}: who connected, the name it gave, whether TLS and AUTH
 * were in force, and the transcript so far. A live view while the connection lasts.
 *
 * <p>The transcript takes room in the sink's {@link MailSink.Builder#maxHeldBytes bound}; once
 * that is full it stops with a comment saying so, and records nothing more.
 */
public final class CapturedSession {

    private final Connection connection;
    /** Takes room for so many octets in the sink's bound; false when it has none. */
    private final LongPredicate room;
    // Guarded by this: written by the connection's thread, read by the test's.
    private final Conversation.Builder transcript = Conversation.builder();
    private boolean awaitingData;
    private boolean dropped;
    /** The sink had no room for a line: nothing more is recorded. */
    private boolean cut;
    private volatile boolean open = true;

    CapturedSession(Connection connection, LongPredicate room) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.room = Objects.requireNonNull(room, "room");
    }

    /** The session id the server's log uses for this connection. */
    public String id() {
        return connection.id();
    }

    /** The client's address and port. */
    public InetSocketAddress clientAddress() {
        return connection.remoteAddress();
    }

    /** The name the client gave in its last HELO or EHLO (RFC 5321 §4.1.1.1); empty before one. */
    public String helloName() {
        return connection.helloName();
    }

    /** Whether STARTTLS (RFC 3207) has protected the connection. */
    public boolean isTls() {
        return connection.isTls();
    }

    /** The identity the client authenticated as (RFC 4954), if it did. */
    public Optional<String> authenticatedIdentity() {
        return connection.authenticatedIdentity();
    }

    /** Whether the connection is still open. */
    public boolean isOpen() {
        return open;
    }

    /**
     * The conversation so far in the script format of {@link Conversation}: every command and
     * reply, and after each 354 the message as it was sent (dot-stuffed, ending with
     * {@code .}), so that it reads like RFC 5321 Appendix D and can be replayed with a
     * {@link ScriptedClient}. AUTH secrets are redacted; BDAT chunks are not shown. A fault
     * that dropped the connection is a comment, and the reply that was never sent is left out.
     * Where the sink ran out of room the transcript ends with a comment that says so.
     */
    public synchronized Conversation transcript() {
        return transcript.build();
    }

    synchronized void received(String line) {
        if (!dropped && fits(line.length(), 1)) {
            transcript.client(line);
        }
    }

    synchronized void sent(Reply reply) {
        if (!dropped) {
            awaitingData = reply.code() == 354;
            if (fits(reply.lines().stream().mapToInt(String::length).sum(), reply.lines().size())) {
                transcript.server(reply);
            }
        }
    }

    /** The content of a message sent with DATA, as its wire lines (RFC 5321 §4.5.2). */
    synchronized void content(byte[] content) {
        if (!awaitingData || dropped) {
            return;
        }
        awaitingData = false;
        String text = new String(content, StandardCharsets.UTF_8);
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        }
        String[] lines = text.isEmpty() ? new String[0] : text.split("\r\n|\r|\n", -1);
        // Whole or not at all: a transcript never shows half a message as if it were the message.
        if (!fits(text.length() + 1, lines.length + 1)) {
            return;
        }
        for (String line : lines) {
            transcript.client(line.startsWith(".") ? "." + line : line);
        }
        transcript.client(".");
    }

    synchronized void dropped(String why) {
        if (!cut) {
            transcript.comment("dropped: " + why);
        }
        dropped = true;
    }

    /** Takes room in the sink for {@code lines} lines of {@code chars} characters in all; once there is none, says so once. */
    private boolean fits(long chars, int lines) {
        if (cut) {
            return false;
        }
        if (room.test(HeldBytes.lines(chars, lines))) {
            return true;
        }
        cut = true;
        transcript.comment("transcript cut here: the sink holds its maxHeldBytes; clear() makes room");
        return false;
    }

    void closed() {
        open = false;
    }

    @Override
    public String toString() {
        return "CapturedSession[" + id() + " from " + clientAddress() + (helloName().isEmpty() ? "" : " (" + helloName() + ")")
                + (isTls() ? ", TLS" : "") + (open ? ", open" : "") + "]";
    }
}
