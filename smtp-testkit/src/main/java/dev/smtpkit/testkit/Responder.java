package dev.smtpkit.testkit;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.util.List;

/**
 * Answers a dynamic {@link ScriptedServer}: one reply per command, computed when the command
 * comes, for stubs that a fixed script cannot express. Only {@link #reply(RecordedCommand)} must
 * be given; the greeting and the answer to message data have defaults.
 *
 * <pre>{@code
 * ScriptedServer server = ScriptedServer.dynamic(cmd -> cmd.verb() == Verb.RCPT
 *         ? Replies.NO_SUCH_USER : Responder.standard().reply(cmd));
 * }</pre>
 */
@FunctionalInterface
public interface Responder {

    /** The host name the stub gives in its replies. */
    String HOST = "testkit.invalid";

    /**
     * Returns the reply to a command. A reply of 354 makes the server read message data up to
     * the {@code .} line (RFC 5321 §4.1.1.4) and then ask {@link #messageReply}; 221 and 421
     * close the connection after they are sent (RFC 5321 §3.8, §4.1.1.10).
     */
    Reply reply(RecordedCommand command);

    /** Returns the greeting (RFC 5321 §4.2); {@code 220 testkit.invalid ESMTP} by default. */
    default Reply greeting() {
        return Replies.greeting(HOST);
    }

    /** Returns the reply to message data; {@code 250 2.0.0 Message accepted} by default. */
    default Reply messageReply(RecordedMessage message) {
        return Replies.MESSAGE_ACCEPTED;
    }

    /**
     * Returns a responder that accepts everything a well-behaved client sends, without keeping
     * state: EHLO offers PIPELINING, 8BITMIME and ENHANCEDSTATUSCODES; DATA gets 354; QUIT 221;
     * an unknown verb 500 5.5.2; STARTTLS, AUTH and BDAT, which a stub cannot do, 502 5.5.1.
     */
    static Responder standard() {
        return command -> switch (command.verb()) {
            case HELO -> Replies.helo(HOST);
            case EHLO, LHLO -> Reply.of(250, List.of(HOST, "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"));
            case MAIL -> Replies.SENDER_OK;
            case RCPT -> Replies.RECIPIENT_OK;
            case DATA -> Replies.START_MAIL_INPUT;
            case RSET, NOOP -> Replies.OK;
            case QUIT -> Replies.closing(HOST);
            case VRFY -> Replies.CANNOT_VERIFY;
            case HELP -> Replies.HELP;
            case EXPN -> Reply.of(502, EnhancedStatus.of(5, 5, 1), "EXPN not available");
            case STARTTLS, AUTH, BDAT -> Replies.NOT_IMPLEMENTED;
            case UNKNOWN -> Replies.SYNTAX_ERROR;
        };
    }
}
