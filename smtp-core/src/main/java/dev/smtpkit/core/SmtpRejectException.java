package dev.smtpkit.core;

/**
 * An application refusing something well-formed, such as a sender, recipient or message
 * (RFC 5321 §4.2.2: 450, 550, 552, 553 and their kin): {@code throw new
 * SmtpRejectException(Replies.NO_SUCH_USER)}.
 */
public class SmtpRejectException extends SmtpException {

    /** A refusal answered by reply. */
    public SmtpRejectException(Reply reply) {
        super(reply);
    }

    /** A refusal answered by reply, with a message for the logs. */
    public SmtpRejectException(Reply reply, String message) {
        super(reply, message);
    }
}
