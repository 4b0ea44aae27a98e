package dev.smtpkit.core;

import java.util.List;
import java.util.Objects;

/**
 * The envelope of one mail transaction (RFC 5321 §2.3.1, §3.3): the reverse path with the
 * MAIL parameters, and the forward paths with their RCPT parameters, in RCPT order.
 *
 * <p>On the server it holds only the recipients the application accepted; on the client, the
 * recipients to send to.
 *
 * @param sender         the reverse path of MAIL FROM ({@link ReversePath#NULL} for bounces)
 * @param mailParameters the ESMTP parameters of MAIL FROM (RFC 1869, RFC 1870, RFC 3461, ...)
 * @param recipients     the recipients in RCPT order
 */
public record Envelope(ReversePath sender, Parameters mailParameters, List<Recipient> recipients) {

    /** Copies the recipients; the list may be empty only while a transaction is being built. */
    public Envelope {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(mailParameters, "mailParameters");
        recipients = List.copyOf(Objects.requireNonNull(recipients, "recipients"));
    }

    /** An envelope without ESMTP parameters. */
    public static Envelope of(ReversePath sender, List<ForwardPath> recipients) {
        Objects.requireNonNull(recipients, "recipients");
        return new Envelope(sender, Parameters.EMPTY,
                recipients.stream().map(r -> new Recipient(r, Parameters.EMPTY)).toList());
    }

    /** An envelope from plain mailboxes: the common case in code and tests. */
    public static Envelope of(Mailbox sender, Mailbox... recipients) {
        Objects.requireNonNull(sender, "sender");
        return of(ReversePath.of(sender), java.util.Arrays.stream(recipients).map(ForwardPath::of).toList());
    }

    /** Returns this envelope with one more recipient. */
    public Envelope withRecipient(Recipient recipient) {
        Objects.requireNonNull(recipient, "recipient");
        var all = new java.util.ArrayList<>(recipients);
        all.add(recipient);
        return new Envelope(sender, mailParameters, all);
    }

    /** Returns this envelope with other MAIL parameters. */
    public Envelope withMailParameters(Parameters parameters) {
        return new Envelope(sender, parameters, recipients);
    }

    /** The forward paths in RCPT order. */
    public List<ForwardPath> forwardPaths() {
        return recipients.stream().map(Recipient::path).toList();
    }

    /**
     * One recipient of a transaction (RFC 5321 §4.1.1.3).
     *
     * @param path       the forward path
     * @param parameters its RCPT parameters (NOTIFY and ORCPT of RFC 3461, ...)
     */
    public record Recipient(ForwardPath path, Parameters parameters) {
        /** Checks both parts are present. */
        public Recipient {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(parameters, "parameters");
        }

        /** A recipient without parameters. */
        public static Recipient of(ForwardPath path) {
            return new Recipient(path, Parameters.EMPTY);
        }
    }
}
