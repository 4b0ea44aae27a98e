package dev.smtpkit.core;

import java.util.Objects;

/**
 * A mailbox, {@code Local-part "@" ( Domain / address-literal )} (RFC 5321 §4.1.2, §4.1.3),
 * with the UTF-8 forms of RFC 6531 §3.3.
 *
 * <p>The local part is held decoded: {@code "john doe"@example.org} has the local part
 * {@code john doe}. {@link #toString()} writes it as a Dot-string when it is one and as a
 * Quoted-string otherwise, so {@code Mailbox.of("a b", "example.org")} is valid only because it
 * can be written {@code "a b"@example.org}. The domain is kept as written, not case-folded: it is
 * a Domain of sub-domains, or an address literal {@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}
 * or {@code [tag:content]}.
 *
 * <p>Length limits: the local part as written at most 64 octets (§4.5.3.1.1), the domain at
 * most 255 octets (§4.5.3.1.2), both counted in UTF-8. A value may hold UTF-8; whether a
 * peer may send it is decided when parsing ({@link #parse(String, boolean)}).
 *
 * @param localPart the local part, unquoted; printable characters only, possibly empty
 *                  (written {@code ""})
 * @param domain    a domain or address literal
 */
public record Mailbox(String localPart, String domain) {

    /** RFC 5321 §4.5.3.1.1. */
    static final int MAX_LOCAL_PART = 64;
    /** RFC 5321 §4.5.3.1.2. */
    static final int MAX_DOMAIN = 255;

    /**
     * Checks the local part can be written as a Dot-string or Quoted-string and the domain is a
     * Domain or address literal, within their length limits.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public Mailbox {
        Objects.requireNonNull(localPart, "localPart");
        Objects.requireNonNull(domain, "domain");
        String problem = problem(localPart, domain);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Returns the mailbox {@code localPart@domain}; see {@link Mailbox the rules}. */
    public static Mailbox of(String localPart, String domain) {
        return new Mailbox(localPart, domain);
    }

    /**
     * Parses {@code local@domain} as an application writes it, UTF-8 allowed (RFC 6531 §3.3), as
     * {@code parse(text, true)}: the value is as valid as {@link #of} makes it. Whether it may go
     * on the wire is decided where SMTPUTF8 is in use, not here: a client adds SMTPUTF8 to MAIL
     * for such an address and refuses to send it to a server that does not offer SMTPUTF8
     * (RFC 6531 §3.4); a server reads the paths of MAIL and RCPT with
     * {@link #parse(String, boolean)} (through {@code ReversePath.parse} and
     * {@code ForwardPath.parse}), UTF-8 only when MAIL carried SMTPUTF8 (RFC 6531 §3.3), so the
     * wire stays strict ASCII elsewhere.
     */
    public static Mailbox parse(String text) {
        return parse(text, true);
    }

    /**
     * Parses {@code local@domain}, the local part a Dot-string or Quoted-string.
     *
     * @param utf8 whether UTF-8 is allowed in the local part and as U-labels (RFC 6531 §3.3)
     * @throws SmtpSyntaxException with {@link Replies#BAD_ADDRESS_SYNTAX}, or
     *                             {@link Replies#SMTPUTF8_REQUIRED} for non-ASCII when utf8 is false
     */
    public static Mailbox parse(String text, boolean utf8) {
        Objects.requireNonNull(text, "text");
        PathScanner scanner = new PathScanner(text, utf8, Replies.BAD_ADDRESS_SYNTAX);
        Mailbox m = scanner.mailbox(0);
        if (scanner.pos != text.length()) {
            throw scanner.error("unexpected text after the mailbox");
        }
        return m;
    }

    /** Returns whether both parts are ASCII, so the mailbox needs no SMTPUTF8 (RFC 6531 §3.4). */
    public boolean isAscii() {
        return Grammar.isAscii(localPart) && Grammar.isAscii(domain);
    }

    /** Returns the local part as written on the wire: a Dot-string, or a Quoted-string. */
    public String localPartWire() {
        return quoteIfNeeded(localPart);
    }

    /** Returns {@code local@domain}, the local part quoted when it is not a Dot-string. */
    @Override
    public String toString() {
        return localPartWire() + "@" + domain;
    }

    static String quoteIfNeeded(String local) {
        if (Grammar.isDotString(local, true)) {
            return local;
        }
        StringBuilder sb = new StringBuilder(local.length() + 4).append('"');
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** Returns what makes the parts invalid, or null when they are valid. */
    static String problem(String localPart, String domain) {
        for (int i = 0; i < localPart.length(); i++) {
            if (!Grammar.isQuotable(localPart.charAt(i), true)) {
                return "local part has a character that cannot be written even quoted"
                        + " (RFC 5321 §4.1.2): " + quoteForMessage(localPart);
            }
        }
        if (!Grammar.isWellFormed(localPart)) {
            return "local part is not well-formed Unicode";
        }
        int localLength = Grammar.utf8Length(quoteIfNeeded(localPart));
        if (localLength > MAX_LOCAL_PART) {
            return "local part is " + localLength + " octets, more than 64 (RFC 5321 §4.5.3.1.1)";
        }
        if (!Grammar.isAddressLiteral(domain) && !Grammar.isDomain(domain, true)) {
            return "not a domain or address literal (RFC 5321 §4.1.2, §4.1.3): " + quoteForMessage(domain);
        }
        int domainLength = Grammar.utf8Length(domain);
        if (domainLength > MAX_DOMAIN) {
            return "domain is " + domainLength + " octets, more than 255 (RFC 5321 §4.5.3.1.2)";
        }
        return null;
    }

    /** Keeps control characters out of error messages, which end up in logs. */
    static String quoteForMessage(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
