package dev.smtpkit.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The argument of RCPT TO (RFC 5321 §4.1.1.3 Forward-path): a mailbox in angle brackets, or the
 * bare {@code <Postmaster>} that every server must accept without a domain (§4.5.1), matched
 * without regard to case. A source route is read and dropped (§4.1.2, Appendix C).
 */
public final class ForwardPath {

    /** The bare {@code <Postmaster>} of RFC 5321 §4.5.1. */
    public static final ForwardPath POSTMASTER = new ForwardPath(null);

    private final Mailbox mailbox;

    private ForwardPath(Mailbox mailbox) {
        this.mailbox = mailbox;
    }

    /** Returns the path {@code <mailbox>}. */
    public static ForwardPath of(Mailbox mailbox) {
        return new ForwardPath(Objects.requireNonNull(mailbox, "mailbox"));
    }

    /**
     * Parses a forward path, the whole text; see {@link ReversePath#parse} for the modes.
     *
     * @throws SmtpSyntaxException with {@link Replies#BAD_ADDRESS_SYNTAX}, or
     *                             {@link Replies#SMTPUTF8_REQUIRED} for non-ASCII when utf8 is false
     */
    public static ForwardPath parse(String text, ParseMode mode, boolean utf8) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(mode, "mode");
        String t = mode == ParseMode.LENIENT ? text.strip() : text;
        PathScanner scanner = new PathScanner(t, utf8, Replies.BAD_ADDRESS_SYNTAX);
        ForwardPath path = read(scanner, 0, mode);
        if (scanner.pos != t.length()) {
            throw scanner.error("unexpected text after the forward path");
        }
        return path;
    }

    static ForwardPath read(PathScanner scanner, int from, ParseMode mode) {
        Mailbox m = scanner.path(from, mode == ParseMode.LENIENT, false, true);
        return scanner.postmaster ? POSTMASTER : new ForwardPath(m);
    }

    /** Returns the mailbox; empty for the bare {@code <Postmaster>}. */
    public Optional<Mailbox> mailbox() {
        return Optional.ofNullable(mailbox);
    }

    /** Returns whether this is the bare {@code <Postmaster>} (not {@code <postmaster@domain>}). */
    public boolean isPostmaster() {
        return mailbox == null;
    }

    /**
     * Returns whether this is {@code <postmaster@domain>} for the given domain, both compared
     * without regard to ASCII case (RFC 5321 §4.5.1, §2.4).
     */
    public boolean isPostmasterAt(String domain) {
        Objects.requireNonNull(domain, "domain");
        return mailbox != null && Grammar.equalsUpper(mailbox.localPart(), 0, mailbox.localPart().length(), "POSTMASTER")
                && Grammar.upper(mailbox.domain()).equals(Grammar.upper(domain));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ForwardPath && Objects.equals(mailbox, ((ForwardPath) o).mailbox);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(mailbox);
    }

    /** Returns {@code <local@domain>} or {@code <Postmaster>}. */
    @Override
    public String toString() {
        return mailbox == null ? "<Postmaster>" : "<" + mailbox + ">";
    }
}
