package dev.smtpkit.core;

/**
 * The peer broke the protocol of RFC 5321 (§4.1, §4.2, §4.5.3): a malformed reply, a line over a
 * limit, a command out of its place. A server answers with the reply; on a client the reply is
 * a synthetic one such as {@link Replies#MALFORMED_REPLY} that reports the failure as if the
 * server had said it.
 */
public class SmtpProtocolException extends SmtpException {

    /** A protocol error answered by reply. */
    public SmtpProtocolException(Reply reply) {
        super(reply);
    }

    /** A protocol error answered by reply, with a message naming the rule or limit broken. */
    public SmtpProtocolException(Reply reply, String message) {
        super(reply, message);
    }
}
