package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import java.util.Objects;

/**
 * How closely a player holds the peer to the script: a {@link ScriptedServer} the lines a client
 * sends, a {@link ScriptedClient} the replies a server sends. Either way, from what has to be
 * exactly as scripted to what has to mean the same.
 *
 * <p>A script recorded from a real client fails on the client's next run where the client puts
 * something new in each message: a Message-ID, a Date, a MIME boundary. {@link #PLACEHOLDERS}
 * lets a script say where those parts are; {@link #LENIENT} needs no editing of the script. Reply
 * text in a script is what one particular server said, so a {@link ScriptedClient} compares
 * {@link #LENIENT}ly by default: only what a client acts on.
 */
public enum Matching {
    /**
     * Every client line octet for octet, but a command's verb ignoring ASCII case (RFC 5321
     * §2.4), the default of a {@link ScriptedServer}; every reply by its code, its enhanced status
     * code (RFC 3463; in both or in neither) and every line of its text.
     */
    EXACT,
    /**
     * As {@link #EXACT}, except that a script line, a client's or a reply's, may hold
     * placeholders, each standing for the part of the line that varies: {@code {{any}}},
     * {@code {{domain}}}, {@code {{address}}}, {@code {{message-id}}}, {@code {{date}}},
     * {@code {{number}}}, {@code {{boundary}}}. A script also turns this on for itself with the
     * comment {@code # placeholders: on}; without either, {@code {{any}}} is the literal text it
     * is (braces are allowed in an address's local part, RFC 5322 §3.2.3).
     */
    PLACEHOLDERS,
    /**
     * Each line by what it means, the default of a {@link ScriptedClient}. A reply by its code
     * (RFC 5321 §4.2.1) and, when both the script and the actual reply carry one, its enhanced
     * status code (RFC 3463): what a client acts on. A client line as {@code smtpkit play
     * --lenient} holds it: placeholders as in {@link #PLACEHOLDERS}, and commands compared by
     * what they ask for, not by every octet. HELO, EHLO and LHLO by the verb (the name is the
     * machine's); MAIL and RCPT by their verb, path and the keywords of their parameters (SIZE's
     * value follows the message); AUTH by its mechanism, and the responses to its challenges not
     * at all. In message data, the header fields that each message sets anew (Date, Message-ID,
     * Received, DKIM and ARC signatures, and the like) match a field of the same name, and a MIME
     * boundary matches the boundary the client chose this time, wherever the script uses it.
     */
    LENIENT;

    /** Returns whether the {@code actual} reply satisfies the {@code expected} one under this matching. */
    boolean matches(Reply expected, Reply actual) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(actual, "actual");
        if (expected.code() != actual.code()) {
            return false;
        }
        if (this == LENIENT) {
            return expected.status().isEmpty() || actual.status().isEmpty() || expected.status().equals(actual.status());
        }
        if (!expected.status().equals(actual.status()) || expected.lines().size() != actual.lines().size()) {
            return false;
        }
        for (int i = 0; i < expected.lines().size(); i++) {
            String e = expected.lines().get(i);
            String a = actual.lines().get(i);
            if (!e.equals(a) && (this == EXACT || !LineMatcher.pattern(e).matcher(a).matches())) {
                return false;
            }
        }
        return true;
    }
}
