package dev.smtpkit.inbox;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the list shows of one stored message, in Mailpit's terms (its {@code MessageSummary}):
 * the header addresses and subject decoded (RFC 2047), the receive time, the size, the number of
 * attachments and a snippet of the text; with the SMTP envelope a catcher also knows.
 *
 * @param id          the store's id, the file name without {@code .eml}
 * @param messageId   the Message-ID header without angle brackets (RFC 5322 §3.6.4), or empty
 * @param searchText  the start of the body text in lower case, for free-text search
 */
public record MessageSummary(String id, String messageId, Address from, List<Address> to, List<Address> cc,
                             List<Address> bcc, List<Address> replyTo, String subject, Instant created, long size,
                             int attachments, String snippet, String sender, List<String> recipients, String searchText) {

    /** Copies the lists and checks the rest. */
    public MessageSummary {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(from, "from");
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        bcc = List.copyOf(bcc);
        replyTo = List.copyOf(replyTo);
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(snippet, "snippet");
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(searchText, "searchText");
    }

    /** The most of a snippet, in characters, as Mailpit's list shows. */
    static final int SNIPPET_CHARS = 250;
    /** The most of the body text kept for free-text search, in characters: enough to find a code or a link. */
    static final int SEARCH_TEXT_CHARS = 2000;

    /** The summary of a parsed message. */
    static MessageSummary of(String id, ParsedMessage m, Instant created, long size, String sender, List<String> recipients) {
        List<Address> from = m.addresses("From");
        String body = m.text().isEmpty() ? stripTags(m.html()) : m.text();
        String flat = collapseSpace(body).strip();
        String messageId = m.header("Message-ID").map(String::strip)
                .map(s -> s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s).orElse("");
        return new MessageSummary(id, messageId, from.isEmpty() ? new Address("", "") : from.get(0), m.addresses("To"),
                m.addresses("Cc"), m.addresses("Bcc"), m.addresses("Reply-To"), m.decoded("Subject"), created, size,
                m.attachments().size(), cut(flat, SNIPPET_CHARS), sender, recipients,
                cut(flat, SEARCH_TEXT_CHARS).toLowerCase(Locale.ROOT));
    }

    /** A string's own objects (its header and its array's), for {@link #footprint()}. */
    private static final int STRING_OVERHEAD = 40;
    /**
     * The summary's other objects: the record, its instant, its five lists, and its entries in the
     * store's list and map, for {@link #footprint()}; an address object adds
     * {@value #ADDRESS_OVERHEAD} to its strings.
     */
    private static final int OBJECT_OVERHEAD = 400;
    private static final int ADDRESS_OVERHEAD = 24;

    /**
     * Roughly the heap this summary holds, for the store's bound on memory: its strings as the
     * JVM keeps them (one octet a character for Latin-1 text, two otherwise) and the objects
     * around them, rounded up. A 1 KiB message of plain text comes to about 2.2 KB; in
     * {@code jcmd GC.class_histogram} a catcher holding 20,000 of them had some 2.1 KB live a message.
     */
    long footprint() {
        long bytes = OBJECT_OVERHEAD + text(id) + text(messageId) + text(subject) + text(snippet) + text(sender)
                + text(searchText) + address(from);
        for (List<Address> list : List.of(to, cc, bcc, replyTo)) {
            for (Address a : list) {
                bytes += address(a);
            }
        }
        for (String r : recipients) {
            bytes += text(r);
        }
        return bytes;
    }

    private static long address(Address a) {
        return ADDRESS_OVERHEAD + text(a.name()) + text(a.address());
    }

    private static long text(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) > 0xFF) {
                return STRING_OVERHEAD + 2L * n;
            }
        }
        return STRING_OVERHEAD + n;
    }

    /**
     * Each run of white space as one space: what {@code replaceAll("\\s+", " ")} does, with the
     * same white space (regular expressions' {@code \s}), in one pass and without a matcher.
     */
    static String collapseSpace(String s) {
        StringBuilder out = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!isSpace(c)) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            int end = i + 1;
            while (end < n && isSpace(s.charAt(end))) {
                end++;
            }
            if (out == null) {
                if (c == ' ' && end == i + 1) {
                    // A single space stays as it is: most text needs no copy until its first other run.
                    continue;
                }
                out = new StringBuilder(n).append(s, 0, i);
            }
            out.append(' ');
            i = end - 1;
        }
        return out == null ? s : out.toString();
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static final Pattern HIDDEN_ELEMENT = Pattern.compile("(?is)<(script|style|head)\\b.*?</\\1\\s*>");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");

    /** HTML as text, roughly: for a snippet of a message that has no plain-text body. */
    static String stripTags(String html) {
        String text = HIDDEN_ELEMENT.matcher(html).replaceAll(" ");
        return TAG.matcher(text).replaceAll(" ")
                .replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&amp;", "&");
    }
}
