package dev.smtpkit.core;

import java.util.Objects;

/**
 * The command verbs of RFC 5321 §4.1.1 and of the extensions this library speaks: LHLO
 * (RFC 2033 §4.1), BDAT (RFC 3030 §2), STARTTLS (RFC 3207 §4) and AUTH (RFC 4954 §4).
 * {@link #UNKNOWN} stands for every other word.
 */
public enum Verb {
    HELO, EHLO, LHLO, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH,
    /** Any word that is not one of the verbs above. */
    UNKNOWN;

    /**
     * Finds the verb for a word, ignoring ASCII case (RFC 5321 §2.4: "verbs ... are not case
     * sensitive"); {@link #UNKNOWN} if there is none. Only ASCII letters are folded, so that a
     * word such as {@code "QU\u0131T"} with a dotless i never matches, and nothing is allocated.
     */
    public static Verb lookup(String word) {
        Objects.requireNonNull(word, "word");
        return lookup(word, 0, word.length());
    }

    /** Looks up the verb in word[from, to). */
    static Verb lookup(String s, int from, int to) {
        int n = to - from;
        if (n == 8) {
            return Grammar.equalsUpper(s, from, to, "STARTTLS") ? STARTTLS : UNKNOWN;
        }
        if (n != 4) {
            return UNKNOWN;
        }
        Verb candidate;
        switch (s.charAt(from) | 0x20) {
            case 'h': candidate = (s.charAt(from + 1) | 0x20) == 'e' && (s.charAt(from + 2) | 0x20) == 'l'
                    && (s.charAt(from + 3) | 0x20) == 'p' ? HELP : HELO; break;
            case 'e': candidate = (s.charAt(from + 1) | 0x20) == 'x' ? EXPN : EHLO; break;
            case 'l': candidate = LHLO; break;
            case 'm': candidate = MAIL; break;
            case 'r': candidate = (s.charAt(from + 1) | 0x20) == 'c' ? RCPT : RSET; break;
            case 'd': candidate = DATA; break;
            case 'b': candidate = BDAT; break;
            case 'n': candidate = NOOP; break;
            case 'q': candidate = QUIT; break;
            case 'v': candidate = VRFY; break;
            case 'a': candidate = AUTH; break;
            default: return UNKNOWN;
        }
        return Grammar.equalsUpper(s, from, to, candidate.name()) ? candidate : UNKNOWN;
    }
}
