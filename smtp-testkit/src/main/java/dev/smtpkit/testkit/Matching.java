package dev.smtpkit.testkit;

/**
 * How a {@link ScriptedServer} holds the lines a client sends to the script's client lines.
 * Replies are held to the script by {@link Strictness}; this is the other direction.
 *
 * <p>A script recorded from a real client fails on the client's next run where the client puts
 * something new in each message: a Message-ID, a Date, a MIME boundary. {@link #PLACEHOLDERS}
 * lets a script say where those parts are; {@link #LENIENT} needs no editing of the script.
 */
public enum Matching {
    /**
     * Every line octet for octet, but a command's verb ignoring ASCII case (RFC 5321 §2.4); the
     * default.
     */
    EXACT,
    /**
     * As {@link #EXACT}, except that a script line may hold placeholders, each standing for the
     * part of the line that varies: {@code {{any}}}, {@code {{domain}}}, {@code {{address}}},
     * {@code {{message-id}}}, {@code {{date}}}, {@code {{number}}}, {@code {{boundary}}}. A
     * script also turns this on for itself with the comment {@code # placeholders: on}; without
     * either, {@code {{any}}} is the literal text it is (braces are allowed in an address's
     * local part, RFC 5322 §3.2.3).
     */
    PLACEHOLDERS,
    /**
     * What {@code smtpkit play --lenient} does: placeholders as in {@link #PLACEHOLDERS}, and
     * commands compared by what they ask for, not by every octet. HELO, EHLO and LHLO by the verb
     * (the name is the machine's); MAIL and RCPT by their verb, path and the keywords of their
     * parameters (SIZE's value follows the message); AUTH by its mechanism, and the responses to
     * its challenges not at all. In message data, the header fields that each message sets anew
     * (Date, Message-ID, Received, DKIM and ARC signatures, and the like) match a field of the
     * same name, and a MIME boundary matches the boundary the client chose this time, wherever
     * the script uses it.
     */
    LENIENT
}
