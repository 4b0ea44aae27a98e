package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A whole message as a {@link MessageHandler} receives it: the envelope (RFC 5321 §2.3.1), the
 * content as the client sent it after dot-unstuffing (headers, blank line, body, ending with
 * CRLF), and the connection it came on.
 */
public final class ReceivedMessage {

    private final Connection connection;
    private final Envelope envelope;
    private final byte[] content;

    /** A message; {@code content} is taken over, not copied. */
    ReceivedMessage(Connection connection, Envelope envelope, byte[] content) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        this.content = Objects.requireNonNull(content, "content");
    }

    /** The connection the message came on. */
    public Connection connection() {
        return connection;
    }

    /** The sender and the accepted recipients. */
    public Envelope envelope() {
        return envelope;
    }

    /** A copy of the content octets. */
    public byte[] content() {
        return content.clone();
    }

    /** The content length in octets. */
    public int size() {
        return content.length;
    }

    /** The content decoded as UTF-8, which also reads ASCII and RFC 6532 messages. */
    public String text() {
        return new String(content, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ReceivedMessage[" + envelope.sender() + " -> " + envelope.forwardPaths() + ", " + content.length
                + " octets, " + connection.id() + "]";
    }
}
