package dev.smtpkit.core;

import java.util.Objects;

/**
 * An SMTP failure, always carrying the {@link Reply} that answers it (RFC 5321 §4.2), so that no
 * code that catches one has to invent a reply string.
 */
public class SmtpException extends RuntimeException {

    private final Reply reply;

    /** A failure described by its reply; the message is the reply's code, status and text. */
    public SmtpException(Reply reply) {
        this(reply, describe(reply));
    }

    /** A failure with a message more precise than the reply it carries. */
    public SmtpException(Reply reply, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.reply = Objects.requireNonNull(reply, "reply");
    }

    /** Returns the reply that answers this failure. */
    public Reply reply() {
        return reply;
    }

    private static String describe(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        return reply.code() + reply.status().map(s -> " " + s).orElse("") + " " + reply.text();
    }
}
