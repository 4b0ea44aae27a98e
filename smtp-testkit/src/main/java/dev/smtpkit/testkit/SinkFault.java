package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import java.util.Objects;

/**
 * What a {@link MailSink} does instead of accepting one command, as planned by a
 * {@link FaultPlan}: refuse it with a reply, or drop the connection.
 */
public sealed interface SinkFault {

    /**
     * Answers the command with {@code reply} instead of accepting it. A 421 also closes the
     * connection (RFC 5321 §3.8), as a server going away does.
     *
     * @param reply a 4xx or 5xx reply
     */
    record Refuse(Reply reply) implements SinkFault {
        /** Checks that the reply is a failure (RFC 5321 §4.2.1: 4yz or 5yz). */
        public Refuse {
            Objects.requireNonNull(reply, "reply");
            if (!reply.isFailure()) {
                throw new IllegalArgumentException("a refusal needs a 4xx or 5xx reply: " + reply.toString().strip());
            }
        }
    }

    /**
     * Closes the connection when the command arrives, without a reply, as a broken network or a
     * crashed server does. For DATA it comes after the whole message arrived, so the client
     * never learns whether the message was taken; the sink does not keep it.
     */
    record Drop() implements SinkFault {
    }

    /** {@link Refuse}. */
    static Refuse refuse(Reply reply) {
        return new Refuse(reply);
    }

    /** {@link Drop}. */
    static Drop drop() {
        return new Drop();
    }
}
