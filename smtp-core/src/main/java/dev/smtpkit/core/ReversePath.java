package dev.smtpkit.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The argument of MAIL FROM (RFC 5321 §4.1.2 Reverse-path): a mailbox in angle brackets, or the
 * null path {@code <>} used for bounces (§4.5.5). A source route {@code <@a,@b:user@c>} is read
 * and dropped, as §4.1.2 and Appendix C tell a server to do.
 */
public final class ReversePath {

    /** The null reverse path {@code <>} (RFC 5321 §4.5.5). */
    public static final ReversePath NULL = new ReversePath(null);

    private final Mailbox mailbox;

    private ReversePath(Mailbox mailbox) {
        this.mailbox = mailbox;
    }

    /** Returns the path {@code <mailbox>}. */
    public static ReversePath of(Mailbox mailbox) {
        return new ReversePath(Objects.requireNonNull(mailbox, "mailbox"));
    }

    /**
     * Parses a reverse path, the whole text. STRICT needs the angle brackets (§4.1.2); LENIENT
     * also takes an address without them and surrounding spaces, as Postfix does with
     * {@code strict_rfc821_envelopes = no}.
     *
     * @param utf8 whether UTF-8 is allowed in the address (RFC 6531 §3.3)
     * @throws SmtpSyntaxException with {@link Replies#BAD_SENDER_ADDRESS_SYNTAX}, or
     *                             {@link Replies#SMTPUTF8_REQUIRED} for non-ASCII when utf8 is false
     */
    public static ReversePath parse(String text, ParseMode mode, boolean utf8) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(mode, "mode");
        String t = mode == ParseMode.LENIENT ? text.strip() : text;
        PathScanner scanner = new PathScanner(t, utf8, Replies.BAD_SENDER_ADDRESS_SYNTAX);
        ReversePath path = read(scanner, 0, mode);
        if (scanner.pos != t.length()) {
            throw scanner.error("unexpected text after the reverse path");
        }
        return path;
    }

    static ReversePath read(PathScanner scanner, int from, ParseMode mode) {
        Mailbox m = scanner.path(from, mode == ParseMode.LENIENT, true, false);
        return m == null ? NULL : new ReversePath(m);
    }

    /** Returns the mailbox; empty for the null path. */
    public Optional<Mailbox> mailbox() {
        return Optional.ofNullable(mailbox);
    }

    /** Returns whether this is the null path {@code <>}. */
    public boolean isNull() {
        return mailbox == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReversePath && Objects.equals(mailbox, ((ReversePath) o).mailbox);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(mailbox);
    }

    /** Returns {@code <local@domain>} or {@code <>}. */
    @Override
    public String toString() {
        return mailbox == null ? "<>" : "<" + mailbox + ">";
    }
}
