package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import java.time.Duration;
import java.util.Objects;

/**
 * Something going wrong on purpose, to show how a client or server copes: a reply replaced or
 * held back, a connection dropped, or what the middleboxes found in the field do. One vocabulary
 * for both testkit servers that inject faults:
 *
 * <ul>
 *   <li>an {@link SmtpProxy} ({@link SmtpProxy.Builder#fault}) injects every kind into every
 *       connection it relays, counting occurrences per connection;</li>
 *   <li>a {@link MailSink} ({@link MailSink.Builder#fault}) injects {@link RewriteReply} with a
 *       4xx or 5xx reply (a refusal), {@link DelayReply} and {@link DropConnection} at the n-th
 *       MAIL, RCPT or DATA (the reply to the end of the message), counting occurrences over the
 *       sink's life unless {@link MailSink.Builder#faultsPerConnection()}. Deterministic, so a
 *       test sees the same conversation on every run; the occurrence after a fault (the client's
 *       retry) goes through unless a fault is planned there too.</li>
 * </ul>
 *
 * <pre>{@code
 * MailSink.builder()
 *         .fault(Fault.rewriteReply(At.command(Verb.RCPT, 3), Replies.TOO_MANY_RECIPIENTS))
 *         .fault(Fault.dropConnection(At.command(Verb.MAIL, 2)))
 *         .start();
 * }</pre>
 */
public sealed interface Fault {

    /**
     * Where in a conversation a fault strikes: at the server's greeting, or at the n-th command
     * with a given verb (and at the reply to it).
     */
    sealed interface At permits At.Greeting, At.Occurrence {

        /** The greeting (RFC 5321 §4.2, §3.1). */
        record Greeting() implements At {
            @Override
            public String toString() {
                return "greeting";
            }
        }

        /**
         * The n-th command with this verb, counting from 1.
         *
         * @param verb       the verb; {@link Verb#UNKNOWN} counts every line with an unknown verb
         * @param occurrence 1 for the first such command
         */
        record Occurrence(Verb verb, int occurrence) implements At {
            /** Checks for null and that the occurrence is positive. */
            public Occurrence {
                Objects.requireNonNull(verb, "verb");
                if (occurrence < 1) {
                    throw new IllegalArgumentException("occurrence counts from 1: " + occurrence);
                }
            }

            @Override
            public String toString() {
                return verb + " #" + occurrence;
            }
        }

        /** The greeting. */
        static At greeting() {
            return new Greeting();
        }

        /** The first command with this verb. */
        static Occurrence first(Verb verb) {
            return new Occurrence(verb, 1);
        }

        /** The n-th command with this verb, counting from 1. */
        static Occurrence command(Verb verb, int occurrence) {
            return new Occurrence(verb, occurrence);
        }
    }

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
     * Gives the client {@code replacement} instead of the server's reply at {@code at}. In a
     * {@link MailSink} it is a refusal, so the reply must be 4xx or 5xx; a 421 also closes the
     * connection (RFC 5321 §3.8), as a server going away does.
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
     * or when the client sends the command, instead of forwarding it; without a reply, as a
     * broken network or a crashed server does. In a {@link MailSink}, a drop at DATA comes after
     * the whole message arrived, so the client never learns whether the message was taken; the
     * sink does not keep it.
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
