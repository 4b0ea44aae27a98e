package dev.smtpkit.core.server;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ServerSession} reports to the application, a closed set of immutable values: the
 * commands of RFC 5321 §4.1.1 that need the application's decision, the message content of
 * §4.1.1.4 (DATA) and RFC 3030 (BDAT), and the STARTTLS (RFC 3207) and AUTH (RFC 4954) steps.
 *
 * <p>Events that implement {@link Decision} wait for the application: the session reads no
 * further command until {@link ServerSession#accept()} or {@link ServerSession#decide(Reply)}
 * is called, at once (decide inline) or later from another thread (decide later). Every
 * other event is information only.
 */
public sealed interface ServerEvent {

    /** An event the application must answer before the session goes on. */
    sealed interface Decision extends ServerEvent {
    }

    /** Nothing to report until more input arrives (or the input ends). */
    record NeedInput() implements ServerEvent {
    }

    /** A decision is outstanding; the session is paused until it is given. */
    record AwaitingDecision(Decision pending) implements ServerEvent {
        public AwaitingDecision {
            Objects.requireNonNull(pending, "pending");
        }
    }

    /**
     * A client connected: accept to send the 220 greeting, or refuse with 554 (the session
     * then answers 503 to all but QUIT, RFC 5321 §3.1) or 421 (closes).
     */
    record Connected() implements Decision {
    }

    /**
     * HELO, EHLO or LHLO (RFC 5321 §4.1.1.1, RFC 2033 §4.1). Accepting sends the 250 (with the
     * extension list after EHLO/LHLO). Within a mail transaction (after MAIL, after RCPT, or
     * between BDAT chunks) it is asked with the transaction still open: accepting first resets it
     * as RSET would, with {@link MessageAborted} (if a message was under way) and
     * {@link TransactionReset} ({@link ResetCause#HELLO}) after this decision; refusing leaves it
     * as it was, sender, recipients and chunks so far, so the client may go on with it
     * (RFC 5321 §4.1.4 resets only for an EHLO that "is acceptable"). A transport that cannot ask
     * while the application still reads the message may reset first
     * ({@link ServerSession#resetBeforeHello()}); this Hello is then reported again, after the
     * reset.
     *
     * @param domain   the name the client gave; empty only under {@link ServerConfig#allowHelloWithoutName()}
     * @param extended whether EHLO or LHLO (extensions in force) rather than HELO
     */
    record Hello(String domain, boolean extended) implements Decision {
        public Hello {
            Objects.requireNonNull(domain, "domain");
        }
    }

    /**
     * MAIL FROM (RFC 5321 §4.1.1.2) after the session checked its sequence, syntax and
     * parameters against what was advertised.
     */
    record MailFrom(ReversePath sender, Parameters parameters) implements Decision {
        public MailFrom {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(parameters, "parameters");
        }
    }

    /** RCPT TO (RFC 5321 §4.1.1.3) within the recipient limit. */
    record RcptTo(ForwardPath recipient, Parameters parameters) implements Decision {
        public RcptTo {
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(parameters, "parameters");
        }
    }

    /**
     * A message begins: 354 was sent to DATA, or the first BDAT chunk arrived. Data events
     * follow, then exactly one of {@link MessageEnd} or {@link MessageAborted}.
     */
    record MessageStart(Envelope envelope) implements ServerEvent {
        public MessageStart {
            Objects.requireNonNull(envelope, "envelope");
        }
    }

    /**
     * A piece of message content, dot-unstuffed, in order. The buffer is read-only and valid
     * only until the next call on the session: copy what you keep.
     */
    record MessageData(ByteBuffer content) implements ServerEvent {
        public MessageData {
            Objects.requireNonNull(content, "content");
        }
    }

    /**
     * The client asks to send the message: DATA, or the first BDAT of the transaction (RFC 3030
     * §2). Reported only when {@link ServerConfig#decideData()} is on; otherwise the session
     * answers DATA with 354 and reads BDAT by itself. Accept to answer DATA with 354 (or decide
     * with a 354 of your own wording) and to read the chunk; refuse with 4xx or 5xx to keep the
     * transaction as it was before the command, content unsent: for BDAT the chunk is still read
     * and thrown away before the refusal (RFC 3030 §2), except after a 421, which closes.
     *
     * @param envelope the sender and the accepted recipients
     * @param chunked  true for BDAT, false for DATA
     */
    record DataRequested(Envelope envelope, boolean chunked) implements Decision {
        public DataRequested {
            Objects.requireNonNull(envelope, "envelope");
        }
    }

    /**
     * The whole message arrived (CRLF.CRLF, or BDAT LAST). Accept to send 250; the session sends
     * it only now, after the application took the message. In LMTP mode decide with one reply
     * per recipient ({@link ServerSession#decide(java.util.List)}), in RCPT order (RFC 2033 §4.2).
     *
     * @param envelope the sender and the accepted recipients
     * @param size     the content length in octets
     */
    record MessageEnd(Envelope envelope, long size) implements Decision {
        public MessageEnd {
            Objects.requireNonNull(envelope, "envelope");
        }
    }

    /**
     * The message will not complete: the data was refused (size, bare line endings), or the
     * client reset, quit or went away mid-message. Its content must be thrown away; the
     * session has sent (or will send) {@code reason} where a reply is due.
     */
    record MessageAborted(Reply reason) implements ServerEvent {
        public MessageAborted {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The open transaction was cleared before its message was answered, for {@code cause}. Not
     * reported when no transaction was open, nor when it ended with the message's reply.
     */
    record TransactionReset(ResetCause cause) implements ServerEvent {
        public TransactionReset {
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * What cleared a transaction. A server shutdown, STARTTLS and XCLIENT never do: shutdown
     * waits for the transaction to end, and the other two are refused within one.
     */
    enum ResetCause {
        /** RSET (RFC 5321 §4.1.1.5). */
        RSET,
        /**
         * A new HELO, EHLO or LHLO within the transaction, once accepted (RFC 5321 §4.1.4), or
         * before it is decided where the transport asked so ({@link ServerSession#resetBeforeHello()}).
         */
        HELLO,
        /** QUIT (RFC 5321 §4.1.1.10). */
        QUIT,
        /** The client closed its side without QUIT (RFC 5321 §3.8). */
        END_OF_INPUT,
        /** The transport reported a timeout and the session closed with 421 (RFC 5321 §4.5.3.2). */
        TIMEOUT,
        /** The application answered with a 421, which closes the session (RFC 5321 §3.8). */
        SERVICE_CLOSING,
        /** Too many bad commands ({@code Limits.maxBadCommands}): the session closed with 421. */
        TOO_MANY_ERRORS
    }

    /**
     * 220 to STARTTLS is in the output (RFC 3207 §4): write it, perform the TLS handshake, then
     * call {@link ServerSession#tlsEstablished()}. Plaintext input after the STARTTLS line has
     * been discarded (CVE-2011-0411).
     */
    record StartTls() implements ServerEvent {
    }

    /**
     * One step of an AUTH exchange (RFC 4954 §4). Answer with a 334 challenge, or with
     * {@link ServerSession#authSucceeded(String)}, or refuse (535 5.7.8 counts as a failure).
     *
     * @param mechanism the SASL mechanism, upper case
     * @param response  the client's base64 response (the initial response when {@code step} is
     *                  0; empty when none was given); never logged by the session
     * @param step      0 for the AUTH command, then 1, 2, ... for each response line
     */
    record AuthStep(String mechanism, Optional<String> response, int step) implements Decision {
        public AuthStep {
            Objects.requireNonNull(mechanism, "mechanism");
            Objects.requireNonNull(response, "response");
        }

        @Override
        public String toString() {
            return "AuthStep[mechanism=" + mechanism + ", response=" + (response.isPresent() ? "<redacted>" : "none")
                    + ", step=" + step + "]";
        }
    }

    /**
     * Postfix's XCLIENT command (XCLIENT_README), from a client the transport allowed to use it
     * ({@link ServerSession#offerXclient(java.util.List)}), outside a mail transaction. The
     * session does not read the attributes: the transport parses them and updates what it
     * knows about the real client. Accept to answer with a fresh 220 greeting and start over as
     * after a new connection (the client must say EHLO again); refuse with 4xx or 5xx (501 for
     * bad syntax) to leave the session as it was.
     *
     * @param line the whole command line, without CRLF
     */
    record XclientRequested(String line) implements Decision {
        public XclientRequested {
            Objects.requireNonNull(line, "line");
        }
    }

    /** The session ended: flush the output, then close the connection. */
    record Closed(CloseReason reason) implements ServerEvent {
        public Closed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
