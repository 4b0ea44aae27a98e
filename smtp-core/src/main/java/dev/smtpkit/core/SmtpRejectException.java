package dev.smtpkit.core;

import java.util.Objects;

/**
 * An application refusing something well-formed, such as a sender, recipient or message
 * (RFC 5321 §4.2.2: 450, 550, 552, 553 and their kin): {@code throw new
 * SmtpRejectException(Replies.NO_SUCH_USER)}. Only a 4xx or 5xx reply refuses; to accept,
 * return normally.
 */
public class SmtpRejectException extends SmtpException {

    /**
     * A refusal answered by reply.
     *
     * @throws IllegalArgumentException when the reply is not a 4xx or 5xx (a "refusal" with 250
     *                                  would tell the client its mail was taken when it was not)
     */
    public SmtpRejectException(Reply reply) {
        super(refusal(reply));
    }

    /**
     * A refusal answered by reply, with a message for the logs.
     *
     * @throws IllegalArgumentException when the reply is not a 4xx or 5xx
     */
    public SmtpRejectException(Reply reply, String message) {
        super(refusal(reply), message);
    }

    private static Reply refusal(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        if (!reply.isFailure()) {
            throw new IllegalArgumentException("SmtpRejectException needs a 4xx or 5xx reply (RFC 5321 §4.2.1), not "
                    + reply.toString().strip() + "; to accept, return normally");
        }
        return reply;
    }
}
