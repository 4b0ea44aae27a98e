package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import java.time.Duration;
import java.util.Objects;

/**
 * A fault an {@link SmtpProxy} injects into every connection it relays, to show how a client or
 * server copes with the middleboxes found in the field.
 */
public sealed interface Fault {

    /**
     * Answers DATA itself, as intercepting antivirus software on port 25 does: the proxy does not
     * forward DATA but answers the client with its own {@code goAhead} 354, reads the message up
     * to its {@code .}, and answers that with its own {@code accepted} reply at once. Meanwhile it
     * keeps the server's session alive with a NOOP when it takes over DATA and one more each
     * {@code keepAlive} while the message is coming (RFC 5321 §4.5.3.2.7 lets a server drop an
     * idle client after five minutes). Only after it has answered the client does it send DATA
     * and the whole message to the server; whatever the server then answers is in the
     * recording's server view but never reaches the client, which is why a client can believe a
     * message was delivered that the server refused. Client commands that come while the proxy
     * is still delivering to the server wait until it is done; a client that leaves meanwhile
     * does not stop the delivery. Applies to every DATA.
     *
     * @param goAhead   the 354 the client gets instead of the server's
     * @param accepted  the reply to the end of data the client gets instead of the server's
     * @param keepAlive how often to send the server a NOOP while the message is coming
     */
    record AnswerData(Reply goAhead, Reply accepted, Duration keepAlive) implements Fault {
        /** Checks the codes (354, and a positive completion) and that keepAlive is positive. */
        public AnswerData {
            Objects.requireNonNull(goAhead, "goAhead");
            Objects.requireNonNull(accepted, "accepted");
            Objects.requireNonNull(keepAlive, "keepAlive");
            if (goAhead.code() != 354) {
                throw new IllegalArgumentException("goAhead must be a 354 reply (RFC 5321 §4.1.1.4): " + goAhead.code());
            }
            if (keepAlive.isNegative() || keepAlive.isZero()) {
                throw new IllegalArgumentException("keepAlive must be positive: " + keepAlive);
            }
        }
    }

    /**
     * Removes the STARTTLS line from every positive EHLO reply (RFC 3207 §4), as a downgrading
     * middlebox does, so that the client believes the server has no TLS.
     */
    record StripStartTls() implements Fault {
    }

    /**
     * Gives the client {@code replacement} instead of the server's reply at {@code at}.
     *
     * @param at          the greeting, or a command whose reply is replaced
     * @param replacement the reply the client gets
     */
    record RewriteReply(At at, Reply replacement) implements Fault {
        /** Checks for nulls. */
        public RewriteReply {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(replacement, "replacement");
        }
    }

    /**
     * Holds the server's reply at {@code at} back from the client for {@code delay}; everything
     * after it waits too, as on a slow link.
     *
     * @param at    the greeting, or a command whose reply is held back
     * @param delay how long
     */
    record DelayReply(At at, Duration delay) implements Fault {
        /** Checks for nulls and that the delay is not negative. */
        public DelayReply {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
        }
    }

    /**
     * Closes both connections at {@code at}: when the greeting comes, instead of passing it on,
     * or when the client sends the command, instead of forwarding it.
     *
     * @param at where to drop
     */
    record DropConnection(At at) implements Fault {
        /** Checks for null. */
        public DropConnection {
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * Closes both connections once {@code octets} octets from the client have been relayed to
     * the server, in the middle of a line or a message if that is where the count ends, as a
     * connection lost on the way does. The server gets exactly the first {@code octets}.
     *
     * @param octets how many octets reach the server, at least 0
     */
    record DropAfterOctets(long octets) implements Fault {
        /** Checks that the count is not negative. */
        public DropAfterOctets {
            if (octets < 0) {
                throw new IllegalArgumentException("octets must not be negative: " + octets);
            }
        }
    }

    /**
     * Sends the server a RSET just before the command at {@code before} and keeps its reply from
     * the client, as some connection-reusing relays do; the server forgets the transaction so
     * far (RFC 5321 §4.1.1.5).
     *
     * @param before the command the RSET goes before
     */
    record InjectRset(At.Occurrence before) implements Fault {
        /** Checks for null. */
        public InjectRset {
            Objects.requireNonNull(before, "before");
        }
    }

    /** {@link AnswerData} with the texts of the field case and a NOOP every 30 seconds. */
    static AnswerData answerData() {
        return new AnswerData(Reply.of(354, "Please start mail input."), Reply.of(250, "Mail accepted"),
                Duration.ofSeconds(30));
    }

    /** {@link StripStartTls}. */
    static StripStartTls stripStartTls() {
        return new StripStartTls();
    }

    /** {@link RewriteReply}. */
    static RewriteReply rewriteReply(At at, Reply replacement) {
        return new RewriteReply(at, replacement);
    }

    /** {@link DelayReply}. */
    static DelayReply delayReply(At at, Duration delay) {
        return new DelayReply(at, delay);
    }

    /** {@link DropConnection}. */
    static DropConnection dropConnection(At at) {
        return new DropConnection(at);
    }

    /** {@link DropAfterOctets}. */
    static DropAfterOctets dropAfterOctets(long octets) {
        return new DropAfterOctets(octets);
    }

    /** {@link InjectRset}. */
    static InjectRset injectRset(At.Occurrence before) {
        return new InjectRset(before);
    }
}
