package dev.smtpkit.testkit;

import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.server.MessageHandler;
import dev.smtpkit.server.ReceivedMessage;
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
 * A message a {@link MailSink} took: the {@link ReceivedMessage} an application's
 * {@link MessageHandler} would have been given (envelope, content, connection), and what a test
 * asserts on besides: the envelope's addresses as text, the headers, subject and body, and the
 * connection it came on with what was true of it when the message arrived (HELO name, TLS, AUTH).
 */
public final class CapturedMessage {

    private final ReceivedMessage received;
    private final Headers headers;
    private final CapturedSession session;
    private final String helloName;
    private final boolean tls;
    private final Optional<String> authenticatedIdentity;

    CapturedMessage(ReceivedMessage received, CapturedSession session) {
        this.received = Objects.requireNonNull(received, "received");
        this.session = Objects.requireNonNull(session, "session");
        this.headers = Headers.parse(received.content());
        this.helloName = session.helloName();
        this.tls = session.isTls();
        this.authenticatedIdentity = session.authenticatedIdentity();
    }

    /**
     * The message as the server received it: the envelope (RFC 5321 §2.3.1) with the MAIL and
     * RCPT parameters, the content exactly as received after dot-unstuffing (as octets or text),
     * and the connection.
     */
    public ReceivedMessage received() {
        return received;
    }

    /** The envelope sender as {@code local@domain}, or {@code ""} for the null reverse path {@code <>}. */
    public String sender() {
        return address(received.envelope().sender());
    }

    /** The accepted envelope recipients as {@code local@domain} ({@code Postmaster} for the bare one), in RCPT order. */
    public List<String> recipients() {
        return received.envelope().forwardPaths().stream().map(CapturedMessage::address).toList();
    }

    /** The header section (RFC 5322 §2.2). */
    public Headers headers() {
        return headers;
    }

    /** The body after the empty line that ends the headers, as UTF-8; empty if there is none. */
    public String body() {
        byte[] content = received.content();
        int offset = Math.min(headers.bodyOffset(), content.length);
        return new String(content, offset, content.length - offset, StandardCharsets.UTF_8);
    }

    /** The Subject (RFC 5322 §3.6.5) with its RFC 2047 encoded-words decoded. */
    public Optional<String> subject() {
        return headers.first("Subject").map(Headers::decode);
    }

    /** The From field's value as written (RFC 5322 §3.6.2). */
    public Optional<String> from() {
        return headers.first("From");
    }

    /**
     * The addresses of every To field (RFC 5322 §3.6.3), split at the commas between them, each
     * as written ({@code "Ada" <ada@example.org>}); empty if there is no To.
     */
    public List<String> to() {
        List<String> out = new ArrayList<>();
        for (String value : headers.all("To")) {
            out.addAll(splitAddresses(value));
        }
        return out;
    }

    /** The connection it came on; a live view, whose transcript goes on past this message. */
    public CapturedSession session() {
        return session;
    }

    /** The HELO or EHLO name in force when the message came. */
    public String helloName() {
        return helloName;
    }

    /** Whether the message came over TLS (RFC 3207). */
    public boolean isTls() {
        return tls;
    }

    /** The AUTH identity (RFC 4954) in force when the message came, if any. */
    public Optional<String> authenticatedIdentity() {
        return authenticatedIdentity;
    }

    static String address(ReversePath path) {
        return path.mailbox().map(Mailbox::toString).orElse("");
    }

    static String address(ForwardPath path) {
        return path.mailbox().map(Mailbox::toString).orElse("Postmaster");
    }

    /** Splits an address list at commas outside quoted strings, comments and angle brackets (RFC 5322 §3.4). */
    private static List<String> splitAddresses(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        int comment = 0;
        boolean angle = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted && c == '\\' && i + 1 < value.length()) {
                current.append(c).append(value.charAt(++i));
                continue;
            }
            if (c == '"' && comment == 0) {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                comment++;
            } else if (!quoted && c == ')' && comment > 0) {
                comment--;
            } else if (!quoted && comment == 0 && c == '<') {
                angle = true;
            } else if (!quoted && comment == 0 && c == '>') {
                angle = false;
            } else if (!quoted && comment == 0 && !angle && c == ',') {
                addTrimmed(out, current);
                continue;
            }
            current.append(c);
        }
        addTrimmed(out, current);
        return out;
    }

    private static void addTrimmed(List<String> out, StringBuilder current) {
        String s = current.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        current.setLength(0);
    }

    /** A one-line summary for failure messages: sender, recipients, subject, size. */
    @Override
    public String toString() {
        return "CapturedMessage[<" + sender() + "> -> " + recipients() + subject().map(s -> ", \"" + s + "\"").orElse("")
                + ", " + received.size() + " octets, session " + session.id() + "]";
    }

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
    public static final class Headers {

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

        private Headers(List<Field> fields, int bodyOffset) {
            this.fields = List.copyOf(fields);
            this.bodyOffset = bodyOffset;
        }

        /** Reads the header section at the start of {@code message}; lines may end in CRLF or LF. */
        public static Headers parse(byte[] message) {
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
            return new Headers(fields, pos);
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
            return o instanceof Headers h && fields.equals(h.fields);
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
}
