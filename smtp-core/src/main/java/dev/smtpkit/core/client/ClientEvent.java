package dev.smtpkit.core.client;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Extensions;
import dev.smtpkit.core.Reply;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ClientSession} reports to its caller, a closed set of immutable values: what the
 * server's replies (RFC 5321 §4.2) mean for the caller. None of
 * them waits for an answer: the caller acts on them with the session's methods ({@code send},
 * {@code writeData}, {@code authRespond}, {@code tlsEstablished}, ...) when it is ready.
 */
public sealed interface ClientEvent {

    /** Nothing to report until more reply bytes arrive (or the input ends). */
    record NeedInput() implements ClientEvent {
    }

    /**
     * The server accepted EHLO, HELO or LHLO (RFC 5321 §4.1.1.1): the session is READY. Comes
     * again after STARTTLS, with the extensions offered over TLS (RFC 3207 §4.2).
     *
     * @param reply      the reply to the hello command
     * @param extensions the service extensions offered; {@link Extensions#NONE} after HELO
     */
    record Ready(Reply reply, Extensions extensions) implements ClientEvent {
        public Ready {
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(extensions, "extensions");
        }
    }

    /**
     * The server said 220 to STARTTLS (RFC 3207 §4): perform the TLS handshake now, then call
     * {@link ClientSession#tlsEstablished()}. Anything the server sent after the 220 in
     * plaintext has been thrown away, as it cannot be trusted to come from the server TLS will
     * authenticate.
     */
    record StartTls() implements ClientEvent {
    }

    /**
     * The server refused STARTTLS (RFC 3207 §4: 454, 501, 502...). The session stays READY in
     * plaintext; whether to go on without TLS is the caller's decision.
     */
    record StartTlsRefused(Reply reply) implements ClientEvent {
        public StartTlsRefused {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /**
     * A 334 challenge in an AUTH exchange (RFC 4954 §4): answer with
     * {@link ClientSession#authRespond(String)} or {@link ClientSession#authCancel()}.
     *
     * @param base64 the challenge as the server wrote it, normally base64 (RFC 4648 §4); may be empty
     */
    record AuthChallenge(String base64) implements ClientEvent {
        public AuthChallenge {
            Objects.requireNonNull(base64, "base64");
        }

        /** The decoded challenge, or empty when the text is not base64. */
        public Optional<byte[]> decode() {
            try {
                return Optional.of(Base64.getDecoder().decode(base64));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    /** AUTH succeeded: 235 (RFC 4954 §4, §6). */
    record AuthSucceeded(Reply reply) implements ClientEvent {
        public AuthSucceeded {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /**
     * AUTH failed or was cancelled: a 4xx or 5xx (RFC 4954 §6: 454, 501, 504, 534, 535, 538...).
     * The session stays READY, unauthenticated.
     */
    record AuthFailed(Reply reply) implements ClientEvent {
        public AuthFailed {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /**
     * The reply to one RCPT TO (RFC 5321 §4.1.1.3), as it arrives. A caller that wants all or
     * nothing may call {@link ClientSession#reset()} on a refusal, as long as the content has
     * not begun: the session then sends RSET instead of DATA.
     */
    record RecipientReplied(Envelope.Recipient recipient, Reply reply) implements ClientEvent {
        public RecipientReplied {
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(reply, "reply");
        }
    }

    /**
     * The server takes the message content now (354 to DATA, or the envelope accepted with
     * CHUNKING in use): call {@link ClientSession#writeData(java.nio.ByteBuffer)} as often as
     * needed, then {@link ClientSession#endData()}.
     */
    record ReadyForContent() implements ClientEvent {
    }

    /**
     * A transaction ended, delivered to some, all or none of its recipients; the session is
     * READY again (unless the caller already sent QUIT). A transaction cut short by the end of
     * the session is reported in {@link Closed#interrupted()} instead.
     */
    record TransactionCompleted(TransactionResult result) implements ClientEvent {
        public TransactionCompleted {
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * The server answered {@link ClientSession#reset()} with 2xx (RFC 5321 §4.1.1.5): the
     * connection is usable and READY.
     */
    record ResetAccepted(Reply reply) implements ClientEvent {
        public ResetAccepted {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /**
     * The session ended: write any pending output, then close the connection.
     *
     * @param cause       why it ended
     * @param reply       the server's reply that ended it, or the reply standing for the failure
     *                    ({@code Replies.MALFORMED_REPLY}); empty when the input just ended
     * @param detail      what happened and where, for logs: "connection closed while waiting for
     *                    the reply to DATA"
     * @param interrupted the transaction the end cut short, if one was open (and not abandoned
     *                    with RSET): recipients whose fate was still open carry the 421, or
     *                    {@code Replies.CONNECTION_LOST}, or {@code Replies.MALFORMED_REPLY}, all
     *                    transient. After the end of data this may mean the message was in fact
     *                    delivered (RFC 1047): a retry can duplicate it
     */
    record Closed(CloseCause cause, Optional<Reply> reply, String detail, Optional<TransactionResult> interrupted)
            implements ClientEvent {
        public Closed {
            Objects.requireNonNull(cause, "cause");
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(interrupted, "interrupted");
        }
    }

    /** Why a client session ended. */
    enum CloseCause {
        /** QUIT was answered (RFC 5321 §4.1.1.10), or the server closed after QUIT. */
        QUIT,
        /** The server said 421: it is closing the channel (RFC 5321 §3.8). */
        SERVICE_CLOSING,
        /** The greeting was not 220 (RFC 5321 §3.1: 554); QUIT was sent. */
        GREETING_REFUSED,
        /** EHLO/HELO (or LHLO) was refused for good; QUIT was sent. */
        HELLO_REFUSED,
        /** RSET was not answered with 2xx: the connection is not usable (RFC 5321 §4.1.1.5). */
        RESET_REFUSED,
        /** The server closed the connection without a 421 (RFC 5321 §3.8). */
        END_OF_INPUT,
        /** The server broke the protocol: a malformed reply, one over a limit, or one not expected. */
        PROTOCOL_ERROR
    }
}
