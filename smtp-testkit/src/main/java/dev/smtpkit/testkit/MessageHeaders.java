package dev.smtpkit.testkit;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header section of a message (RFC 5322 §2.2, §3.6), read as a test needs it: fields in
 * order, names compared without regard to case (§1.2.2), folded lines unfolded (§2.2.3), a name
 * that occurs more than once kept with each of its values. Octets beyond ASCII are read as UTF-8
 * (RFC 6532 §3.2). The section ends at the first empty line, or at the first line that is
 * neither a field nor a continuation, which is then taken as the start of the body.
 *
 * <p>Values are unstructured text with the whitespace around them removed; {@link #decode}
 * turns RFC 2047 encoded-words into text. No other structure (addresses, dates, MIME parameters)
 * is parsed: assert on it with a mail library if a test needs it.
 */
public final class MessageHeaders {

    /**
     * One header field.
     *
     * @param name  the field name as written
     * @param value the unfolded value without the whitespace around it
     */
    public record Field(String name, String value) {
        /** Checks for nulls. */
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** RFC 2047 §2: =?charset?encoding?encoded-text?=, with RFC 2231 §5's optional *language. */
    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?*]+)(?:\\*[^?]*)?\\?([bBqQ])\\?([^?]*)\\?=");
    /** RFC 2047 §6.2: whitespace between two adjacent encoded-words is not displayed. */
    private static final Pattern BETWEEN_WORDS = Pattern.compile("(\\?=)[ \\t\\r\\n]+(=\\?)");

    private final List<Field> fields;
    private final int bodyOffset;

    private MessageHeaders(List<Field> fields, int bodyOffset) {
        this.fields = List.copyOf(fields);
        this.bodyOffset = bodyOffset;
    }

    /** Reads the header section at the start of {@code message}; lines may end in CRLF or LF. */
    public static MessageHeaders parse(byte[] message) {
        Objects.requireNonNull(message, "message");
        List<String> names = new ArrayList<>();
        List<StringBuilder> values = new ArrayList<>();
        int pos = 0;
        while (pos < message.length) {
            int end = pos;
            while (end < message.length && message[end] != '\n') {
                end++;
            }
            int next = Math.min(end + 1, message.length);
            int lineEnd = end > pos && message[end - 1] == '\r' ? end - 1 : end;
            if (lineEnd == pos) {
                pos = next;
                break;
            }
            String line = new String(message, pos, lineEnd - pos, StandardCharsets.UTF_8);
            char first = line.charAt(0);
            if ((first == ' ' || first == '\t') && !values.isEmpty()) {
                // Unfolding removes the line break, not the whitespace after it.
                values.get(values.size() - 1).append(line);
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0 || !isFieldName(line.substring(0, colon))) {
                    break;
                }
                names.add(line.substring(0, colon));
                values.add(new StringBuilder(line.substring(colon + 1)));
            }
            pos = next;
        }
        List<Field> fields = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            fields.add(new Field(names.get(i), values.get(i).toString().strip()));
        }
        return new MessageHeaders(fields, pos);
    }

    /** RFC 5322 §3.6.8: printable US-ASCII except the colon. */
    private static boolean isFieldName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126) {
                return false;
            }
        }
        return true;
    }

    /** Every field in order. */
    public List<Field> fields() {
        return fields;
    }

    /** The values of every field named {@code name} (any case), in order; empty if there is none. */
    public List<String> all(String name) {
        Objects.requireNonNull(name, "name");
        return fields.stream().filter(f -> f.name().equalsIgnoreCase(name)).map(Field::value).toList();
    }

    /** The value of the first field named {@code name} (any case). */
    public Optional<String> first(String name) {
        List<String> all = all(name);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Whether a field named {@code name} (any case) is present. */
    public boolean has(String name) {
        return !all(name).isEmpty();
    }

    /** The offset of the body in the message this was read from: just after the empty line. */
    int bodyOffset() {
        return bodyOffset;
    }

    /**
     * Decodes the RFC 2047 encoded-words in an unstructured value, such as
     * {@code =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=}, leaving words it cannot decode (an unknown charset, a
     * bad encoding) as they are.
     */
    public static String decode(String value) {
        Objects.requireNonNull(value, "value");
        if (!value.contains("=?")) {
            return value;
        }
        String joined = BETWEEN_WORDS.matcher(value).replaceAll("$1$2");
        Matcher m = ENCODED_WORD.matcher(joined);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(decodeWord(m.group(0), m.group(1), m.group(2), m.group(3))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String decodeWord(String word, String charsetName, String encoding, String text) {
        try {
            Charset charset = Charset.forName(charsetName);
            byte[] bytes = encoding.toUpperCase(Locale.ROOT).equals("B") ? Base64.getDecoder().decode(text) : decodeQ(text);
            return new String(bytes, charset);
        } catch (IllegalArgumentException e) {
            return word;
        }
    }

    /** RFC 2047 §4.2: "_" is a space, "=XX" an octet. */
    private static byte[] decodeQ(String text) {
        byte[] out = new byte[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out[n++] = ' ';
            } else if (c == '=' && i + 2 < text.length()) {
                out[n++] = (byte) Integer.parseInt(text.substring(i + 1, i + 3), 16);
                i += 2;
            } else if (c == '=') {
                throw new IllegalArgumentException("truncated =XX in Q encoding");
            } else {
                out[n++] = (byte) c;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageHeaders h && fields.equals(h.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    /** The fields as written, one per line, unfolded. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Field f : fields) {
            sb.append(f.name()).append(": ").append(f.value()).append('\n');
        }
        return sb.toString();
    }
}
