package dev.smtpkit.core;

import java.nio.charset.StandardCharsets;

/**
 * The character classes and small productions of RFC 5321 §4.1.2 and §4.1.3 that several values
 * share, written as plain loops because command parsing is on every connection's hot path.
 * "utf8" everywhere means RFC 6531 §3.3: UTF8-non-ascii is also allowed in atext, qtextSMTP and
 * sub-domains (as U-labels, which are not checked further against IDNA here).
 */
final class Grammar {

    private Grammar() {
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** RFC 5321 §4.1.2 Let-dig. */
    static boolean isLetDig(char c) {
        return isAlpha(c) || isDigit(c);
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** RFC 5322 §3.2.3 atext, ASCII part. */
    static boolean isAtext(char c) {
        if (isLetDig(c)) {
            return true;
        }
        switch (c) {
            case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
            case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
            case '~':
                return true;
            default:
                return false;
        }
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Returns whether every surrogate in s is part of a pair, so that s has a UTF-8 form. */
    static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static int utf8Length(String s) {
        return isAscii(s) ? s.length() : s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Returns whether a string has CR, LF or another control character. */
    static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    static boolean hasLineBreak(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
    }

    /** RFC 5321 §4.1.2 Dot-string: Atom *("." Atom). */
    static boolean isDotString(String s, boolean utf8) {
        if (s.isEmpty() || s.charAt(0) == '.' || s.charAt(s.length() - 1) == '.') {
            return false;
        }
        char prev = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (prev == '.') {
                    return false;
                }
            } else if (!isAtext(c) && !(utf8 && c >= 0x80)) {
                return false;
            }
            prev = c;
        }
        return utf8 ? isWellFormed(s) : true;
    }

    /** RFC 5321 §4.1.2 qtextSMTP or the character of a quoted-pairSMTP; any printable character. */
    static boolean isQuotable(char c, boolean utf8) {
        return (c >= 0x20 && c <= 0x7e) || (utf8 && c >= 0x80);
    }

    /**
     * RFC 5321 §4.1.2 Domain: sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str];
     * with utf8 a sub-domain may also be a U-label (RFC 6531 §3.3).
     */
    static boolean isDomain(String s, boolean utf8) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        int start = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || s.charAt(i) == '.') {
                if (!isSubDomain(s, start, i, utf8)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return utf8 ? isWellFormed(s) : true;
    }

    private static boolean isSubDomain(String s, int from, int to, boolean utf8) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean ok = isLetDig(c) || (utf8 && c >= 0x80) || (c == '-' && i != from && i != to - 1);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** RFC 5321 §4.1.3 address-literal, brackets included. */
    static boolean isAddressLiteral(String s) {
        int n = s.length();
        if (n < 3 || s.charAt(0) != '[' || s.charAt(n - 1) != ']') {
            return false;
        }
        String inner = s.substring(1, n - 1);
        int colon = inner.indexOf(':');
        if (colon < 0) {
            return isIpv4(inner);
        }
        String tag = inner.substring(0, colon);
        String content = inner.substring(colon + 1);
        if (tag.equalsIgnoreCase("IPv6")) {
            return isIpv6(content);
        }
        return isLdhStr(tag) && isDcontent(content);
    }

    /** RFC 5321 §4.1.2 Ldh-str, used as Standardized-tag: *(ALPHA / DIGIT / "-") Let-dig. */
    private static boolean isLdhStr(String s) {
        if (s.isEmpty() || !isLetDig(s.charAt(s.length() - 1))) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isLetDig(c) && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** RFC 5321 §4.1.3 1*dcontent, dcontent = %d33-90 / %d94-126. */
    private static boolean isDcontent(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 33 || c > 126 || (c >= 91 && c <= 93)) {
                return false;
            }
        }
        return true;
    }

    /**
     * RFC 5321 §4.1.3 IPv4-address-literal: Snum 3("." Snum), Snum = 1*3DIGIT of 0-255, so
     * {@code 010.0.0.1} is one (smtp-server's {@code IpLiteral} refuses it: some readers take a
     * leading zero for octal, and there the text becomes an address).
     */
    static boolean isIpv4(String s) {
        int parts = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 4 && isDigit(s.charAt(i))) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255) {
                return false;
            }
            parts++;
            if (i == n) {
                return parts == 4;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return false;
            }
            i++;
        }
    }

    /**
     * RFC 5321 §4.1.3 IPv6-addr: full (8 groups), compressed ("::" and at most 6 other groups),
     * and both with an IPv4 tail standing for the last two groups.
     *
     * <p>Stricter and looser than RFC 4291's text form, which smtp-server's PROXY and XCLIENT
     * reader ({@code IpLiteral}) follows, on purpose: here "::" stands for at least two groups
     * ({@code 1:2:3:4:5:6:7::} is refused), and the IPv4 tail takes leading zeros ({@link #isIpv4}).
     * An address literal is what a client wrote in a path or a hello; that reader turns a proxy's
     * text into the bytes of an address, where RFC 4291 is the contract.
     */
    static boolean isIpv6(String s) {
        String hex = s;
        if (s.indexOf('.') >= 0) {
            int colon = s.lastIndexOf(':');
            if (colon < 0 || !isIpv4(s.substring(colon + 1))) {
                return false;
            }
            // The IPv4 tail counts as two groups, which makes the RFC's group limits for the
            // IPv6v4 forms (6 full, 4 besides "::") the same as for the pure forms (8, 6).
            hex = s.substring(0, colon + 1) + "0:0";
        }
        int dc = hex.indexOf("::");
        if (dc < 0) {
            return groups(hex) == 8;
        }
        if (hex.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        String left = hex.substring(0, dc);
        String right = hex.substring(dc + 2);
        int l = left.isEmpty() ? 0 : groups(left);
        int r = right.isEmpty() ? 0 : groups(right);
        return l >= 0 && r >= 0 && l + r <= 6;
    }

    /** Counts colon-separated groups of 1 to 4 hex digits, or returns -1. */
    private static int groups(String s) {
        int count = 0;
        int len = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == ':') {
                if (len == 0 || len > 4) {
                    return -1;
                }
                count++;
                len = 0;
            } else if (isHex(s.charAt(i))) {
                len++;
            } else {
                return -1;
            }
        }
        return count;
    }

    /** RFC 5321 §4.1.2 esmtp-keyword and §4.1.1.1 ehlo-keyword: (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
    static boolean isKeyword(String s) {
        if (s.isEmpty() || !isLetDig(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isLetDig(c) && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** ASCII-only upper-casing, so that locale and Unicode case rules never change a keyword. */
    static String upper(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z') {
                char[] a = s.toCharArray();
                for (int j = i; j < a.length; j++) {
                    if (a[j] >= 'a' && a[j] <= 'z') {
                        a[j] -= 32;
                    }
                }
                return new String(a);
            }
        }
        return s;
    }

    /** ASCII-only case-insensitive comparison of s[from, to) with an upper-case word. */
    static boolean equalsUpper(String s, int from, int to, String upperWord) {
        if (to - from != upperWord.length()) {
            return false;
        }
        for (int i = 0; i < upperWord.length(); i++) {
            char c = s.charAt(from + i);
            if (c >= 'a' && c <= 'z') {
                c -= 32;
            }
            if (c != upperWord.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
