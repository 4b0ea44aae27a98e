package dev.smtpkit.core;

/**
 * Text that does not follow the grammar: a command line (RFC 5321 §4.1), a path (§4.1.2), a
 * parameter (RFC 1869) or a reply (§4.2). The reply is what a server answers, such as
 * 501 5.5.4, 501 5.1.3 or 500 5.5.2.
 */
public class SmtpSyntaxException extends SmtpException {

    /** A syntax error answered by reply. */
    public SmtpSyntaxException(Reply reply) {
        super(reply);
    }

    /** A syntax error answered by reply, with a message saying exactly what was wrong. */
    public SmtpSyntaxException(Reply reply, String message) {
        super(reply, message);
    }
}
