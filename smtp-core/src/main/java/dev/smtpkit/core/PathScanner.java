package dev.smtpkit.core;

/**
 * Reads a mailbox or a path at a position in a command line (RFC 5321 §4.1.2), quote-aware so
 * that a {@code >} or a space inside a quoted local part does not end it. One scanner per parse;
 * {@link #pos} is where reading stopped.
 */
final class PathScanner {

    private final String s;
    private final boolean utf8;
    private final Reply bad;
    int pos;

    PathScanner(String s, boolean utf8, Reply bad) {
        this.s = s;
        this.utf8 = utf8;
        this.bad = bad;
    }

    SmtpSyntaxException error(String what) {
        return new SmtpSyntaxException(bad, what + ": " + Mailbox.quoteForMessage(s));
    }

    private boolean at(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    /**
     * Reads a path starting at from. With brackets it is {@code "<" [ A-d-l ":" ] Mailbox ">"};
     * a source route (A-d-l) is read and dropped (RFC 5321 §4.1.2, Appendix C). When lenient, an
     * address without brackets runs to the next space or the end.
     *
     * @param allowNull       whether {@code <>} is allowed (reverse path)
     * @param allowPostmaster whether bare {@code <Postmaster>} is allowed (forward path, §4.5.1)
     * @return the mailbox, or null for {@code <>} and the string "postmaster" marker via {@link #postmaster}
     */
    Mailbox path(int from, boolean lenient, boolean allowNull, boolean allowPostmaster) {
        pos = from;
        postmaster = false;
        if (!at('<')) {
            if (!lenient) {
                throw error("path must be in angle brackets (RFC 5321 §4.1.2)");
            }
            if (allowPostmaster && isBarePostmaster(pos, ' ')) {
                pos += 10;
                postmaster = true;
                return null;
            }
            Mailbox m = mailbox(pos);
            if (pos < s.length() && s.charAt(pos) != ' ') {
                throw error("unexpected text after the address");
            }
            return m;
        }
        pos++;
        if (at('>')) {
            if (!allowNull) {
                throw error("a forward path cannot be empty (RFC 5321 §4.1.1.3)");
            }
            pos++;
            return null;
        }
        if (at('@')) {
            sourceRoute();
        } else if (allowPostmaster && isBarePostmaster(pos, '>')) {
            pos += 11;
            postmaster = true;
            return null;
        }
        Mailbox m = mailbox(pos);
        if (!at('>')) {
            throw error("path must end with '>' (RFC 5321 §4.1.2)");
        }
        pos++;
        return m;
    }

    /** Set by {@link #path} when it read the bare postmaster. */
    boolean postmaster;

    private boolean isBarePostmaster(int at, char terminator) {
        int end = at + 10;
        if (end > s.length() || !Grammar.equalsUpper(s, at, end, "POSTMASTER")) {
            return false;
        }
        return terminator == '>' ? end < s.length() && s.charAt(end) == '>'
                : end == s.length() || s.charAt(end) == ' ';
    }

    /** A-d-l ":" where A-d-l = At-domain *( "," At-domain ); the domains are checked and dropped. */
    private void sourceRoute() {
        while (true) {
            if (!at('@')) {
                throw error("bad source route (RFC 5321 §4.1.2)");
            }
            pos++;
            int start = pos;
            while (pos < s.length() && s.charAt(pos) != ',' && s.charAt(pos) != ':') {
                pos++;
            }
            String domain = s.substring(start, pos);
            if (!Grammar.isDomain(domain, utf8) || pos == s.length()) {
                throw error("bad source route (RFC 5321 §4.1.2)");
            }
            char c = s.charAt(pos++);
            if (c == ':') {
                return;
            }
        }
    }

    /** Reads Local-part "@" ( Domain / address-literal ) from at. */
    Mailbox mailbox(int from) {
        pos = from;
        String local;
        if (at('"')) {
            local = quoted();
        } else {
            int start = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (!Grammar.isAtext(c) && c != '.' && c < 0x80) {
                    break;
                }
                pos++;
            }
            local = s.substring(start, pos);
            if (!Grammar.isDotString(local, true)) {
                throw error("local part is not a dot-string (RFC 5321 §4.1.2)");
            }
        }
        if (!at('@')) {
            throw error("mailbox needs '@' and a domain (RFC 5321 §4.1.2)");
        }
        pos++;
        int start = pos;
        if (at('[')) {
            int close = s.indexOf(']', pos);
            if (close < 0) {
                throw error("address literal without ']' (RFC 5321 §4.1.3)");
            }
            pos = close + 1;
        } else {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (!Grammar.isLetDig(c) && c != '-' && c != '.' && c < 0x80) {
                    break;
                }
                pos++;
            }
        }
        String domain = s.substring(start, pos);
        if (!utf8 && (!Grammar.isAscii(local) || !Grammar.isAscii(domain))) {
            throw new SmtpSyntaxException(Replies.SMTPUTF8_REQUIRED,
                    "non-ASCII address without SMTPUTF8 (RFC 6531 §3.4): " + Mailbox.quoteForMessage(s));
        }
        String problem = Mailbox.problem(local, domain);
        if (problem != null) {
            throw new SmtpSyntaxException(bad, problem);
        }
        return new Mailbox(local, domain);
    }

    /** Reads a Quoted-string and returns its content with quoted-pairs resolved. */
    private String quoted() {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("quoted local part without closing quote (RFC 5321 §4.1.2)");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                // quoted-pairSMTP = %d92 %d32-126: only ASCII may be escaped
                if (pos >= s.length() || s.charAt(pos) < 0x20 || s.charAt(pos) > 0x7e) {
                    throw error("bad quoted-pair in local part (RFC 5321 §4.1.2)");
                }
                sb.append(s.charAt(pos++));
            } else if (Grammar.isQuotable(c, true)) {
                sb.append(c);
            } else {
                throw error("control character in quoted local part (RFC 5321 §4.1.2)");
            }
        }
    }
}
