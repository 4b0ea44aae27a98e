package dev.smtpkit.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The service extensions a server announces in its EHLO reply (RFC 5321 §4.1.1.1, RFC 1869 §4):
 * an ordered table of {@code ehlo-keyword *(SP ehlo-param)} lines.
 *
 * <p>Keywords are matched without regard to case and held in upper case; unknown keywords are
 * kept with their parameters. When parsing, a line that is not an ehlo-line is skipped, a
 * keyword given again is ignored, and the legacy {@code AUTH=PLAIN LOGIN} line that older
 * servers send for pre-RFC 4954 clients is read as {@code AUTH} when no {@code AUTH} line
 * is there.
 */
public final class Extensions {

    /** No extensions, as after HELO. */
    public static final Extensions NONE = new Extensions(Map.of());

    private final Map<String, List<String>> table;

    private Extensions(Map<String, List<String>> table) {
        this.table = table;
    }

    /**
     * Reads the extensions from a positive EHLO reply; its first line, the greeting, is skipped.
     *
     * @throws IllegalArgumentException if the reply is not 2xx
     */
    public static Extensions parse(Reply ehloReply) {
        Objects.requireNonNull(ehloReply, "ehloReply");
        if (!ehloReply.isPositiveCompletion()) {
            throw new IllegalArgumentException("not a positive EHLO reply: " + ehloReply.code());
        }
        Map<String, List<String>> table = new LinkedHashMap<>();
        List<String> legacyAuth = null;
        List<String> lines = ehloReply.lines();
        for (int i = 1; i < lines.size(); i++) {
            String[] words = lines.get(i).strip().split(" +");
            String keyword = words[0];
            List<String> params = List.of(Arrays.copyOfRange(words, 1, words.length));
            if (keyword.length() > 5 && Grammar.equalsUpper(keyword, 0, 5, "AUTH=")) {
                List<String> mechs = new ArrayList<>();
                mechs.add(keyword.substring(5));
                mechs.addAll(params);
                if (legacyAuth == null && mechs.stream().allMatch(Extensions::isParam)) {
                    legacyAuth = List.copyOf(mechs);
                }
                continue;
            }
            if (!Grammar.isKeyword(keyword) || !params.stream().allMatch(Extensions::isParam)) {
                continue;
            }
            table.putIfAbsent(Grammar.upper(keyword), params);
        }
        if (legacyAuth != null) {
            table.putIfAbsent("AUTH", legacyAuth);
        }
        return table.isEmpty() ? NONE : new Extensions(table);
    }

    /** RFC 5321 §4.1.1.1 ehlo-param: 1*(%d33-126). */
    static boolean isParam(String p) {
        if (p.isEmpty()) {
            return false;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c < 33 || c > 126) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the EHLO reply: 250, the greeting line first, then one line per keyword. It has
     * no enhanced status code, as RFC 2034 §3 has none on the EHLO reply itself.
     */
    public Reply toReply(String greetingLine) {
        Objects.requireNonNull(greetingLine, "greetingLine");
        List<String> lines = new ArrayList<>(table.size() + 1);
        lines.add(greetingLine);
        lines.addAll(lines());
        return Reply.of(250, lines);
    }

    /** Returns one ehlo-line per keyword, in order. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>(table.size());
        table.forEach((k, v) -> lines.add(v.isEmpty() ? k : k + " " + String.join(" ", v)));
        return List.copyOf(lines);
    }

    /** Returns the keywords, upper case, in order. */
    public List<String> keywords() {
        return List.copyOf(table.keySet());
    }

    /** Returns whether the keyword is announced, ignoring case. */
    public boolean has(String keyword) {
        return table.containsKey(Grammar.upper(Objects.requireNonNull(keyword, "keyword")));
    }

    /** Returns the parameters of the keyword; empty if it has none or is absent. */
    public List<String> parameters(String keyword) {
        return table.getOrDefault(Grammar.upper(Objects.requireNonNull(keyword, "keyword")), List.of());
    }

    /** PIPELINING (RFC 2920 §3). */
    public boolean pipelining() {
        return table.containsKey("PIPELINING");
    }

    /** Returns whether SIZE is announced at all, with or without a limit (RFC 1870 §4). */
    public boolean hasSize() {
        return table.containsKey("SIZE");
    }

    /**
     * The fixed maximum message size of SIZE (RFC 1870 §4); empty when SIZE is absent, has no
     * number, or is 0, which all mean no fixed limit.
     */
    public OptionalLong size() {
        List<String> p = table.get("SIZE");
        if (p == null || p.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long n = Parameters.digits(p.get(0), "SIZE");
            return n > 0 ? OptionalLong.of(n) : OptionalLong.empty();
        } catch (SmtpSyntaxException e) {
            // a client reads a server's odd SIZE as no limit rather than failing the session
            return OptionalLong.empty();
        }
    }

    /** 8BITMIME (RFC 6152 §2). */
    public boolean eightBitMime() {
        return table.containsKey("8BITMIME");
    }

    /** SMTPUTF8 (RFC 6531 §3.1). */
    public boolean smtpUtf8() {
        return table.containsKey("SMTPUTF8");
    }

    /** STARTTLS (RFC 3207 §4). */
    public boolean startTls() {
        return table.containsKey("STARTTLS");
    }

    /** The SASL mechanisms of AUTH (RFC 4954 §3); empty if AUTH is absent. */
    public List<String> authMechanisms() {
        return table.getOrDefault("AUTH", List.of());
    }

    /** CHUNKING (RFC 3030 §2). */
    public boolean chunking() {
        return table.containsKey("CHUNKING");
    }

    /** BINARYMIME (RFC 3030 §3). */
    public boolean binaryMime() {
        return table.containsKey("BINARYMIME");
    }

    /** DSN (RFC 3461 §4). */
    public boolean dsn() {
        return table.containsKey("DSN");
    }

    /** ENHANCEDSTATUSCODES (RFC 2034 §3). */
    public boolean enhancedStatusCodes() {
        return table.containsKey("ENHANCEDSTATUSCODES");
    }

    /** REQUIRETLS (RFC 8689 §4). */
    public boolean requireTls() {
        return table.containsKey("REQUIRETLS");
    }

    /** Returns a builder that starts empty. */
    public static Builder builder() {
        return new Builder(Map.of());
    }

    /** Returns a builder that starts with these extensions. */
    public Builder toBuilder() {
        return new Builder(table);
    }

    @Override
    public boolean equals(Object o) {
        // order is part of the value, as it is of the wire text
        return o instanceof Extensions && List.copyOf(table.entrySet()).equals(List.copyOf(((Extensions) o).table.entrySet()));
    }

    @Override
    public int hashCode() {
        return table.hashCode();
    }

    /** Returns the ehlo-lines, each ended by CRLF, as they follow the greeting in the EHLO reply. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (String line : lines()) {
            sb.append(line).append("\r\n");
        }
        return sb.toString();
    }

    /** Builds {@link Extensions}; adding a keyword again replaces it in its place. */
    public static final class Builder {
        private final Map<String, List<String>> table;

        private Builder(Map<String, List<String>> start) {
            table = new LinkedHashMap<>(start);
        }

        /**
         * Adds or replaces a keyword with its parameters.
         *
         * @throws IllegalArgumentException if the keyword is not an ehlo-keyword or a parameter
         *                                  not an ehlo-param (RFC 5321 §4.1.1.1)
         */
        public Builder add(String keyword, String... params) {
            Objects.requireNonNull(keyword, "keyword");
            Objects.requireNonNull(params, "params");
            if (!Grammar.isKeyword(keyword)) {
                throw new IllegalArgumentException("not an ehlo-keyword (RFC 5321 §4.1.1.1): "
                        + Mailbox.quoteForMessage(keyword));
            }
            List<String> list = List.of(params);
            for (String p : list) {
                if (!isParam(p)) {
                    throw new IllegalArgumentException("not an ehlo-param (RFC 5321 §4.1.1.1): "
                            + Mailbox.quoteForMessage(p));
                }
            }
            table.put(Grammar.upper(keyword), list);
            return this;
        }

        /** Removes a keyword, ignoring case. */
        public Builder remove(String keyword) {
            table.remove(Grammar.upper(Objects.requireNonNull(keyword, "keyword")));
            return this;
        }

        /** PIPELINING (RFC 2920). */
        public Builder pipelining() {
            return add("PIPELINING");
        }

        /** {@code SIZE n}; 0 announces that there is no fixed limit (RFC 1870 §4). */
        public Builder size(long octets) {
            if (octets < 0) {
                throw new IllegalArgumentException("SIZE must not be negative: " + octets);
            }
            return add("SIZE", Long.toString(octets));
        }

        /** 8BITMIME (RFC 6152). */
        public Builder eightBitMime() {
            return add("8BITMIME");
        }

        /** SMTPUTF8 (RFC 6531). */
        public Builder smtpUtf8() {
            return add("SMTPUTF8");
        }

        /** STARTTLS (RFC 3207). */
        public Builder startTls() {
            return add("STARTTLS");
        }

        /** {@code AUTH mech...}, names in upper case (RFC 4954 §3, RFC 4422 §3.1). */
        public Builder auth(List<String> mechanisms) {
            Objects.requireNonNull(mechanisms, "mechanisms");
            String[] names = new String[mechanisms.size()];
            for (int i = 0; i < names.length; i++) {
                String m = Objects.requireNonNull(mechanisms.get(i), "mechanism");
                if (!CommandParser.isMechanism(m)) {
                    throw new IllegalArgumentException("not a SASL mechanism name (RFC 4422 §3.1): "
                            + Mailbox.quoteForMessage(m));
                }
                names[i] = Grammar.upper(m);
            }
            return add("AUTH", names);
        }

        /** CHUNKING (RFC 3030). */
        public Builder chunking() {
            return add("CHUNKING");
        }

        /** BINARYMIME (RFC 3030). */
        public Builder binaryMime() {
            return add("BINARYMIME");
        }

        /** DSN (RFC 3461). */
        public Builder dsn() {
            return add("DSN");
        }

        /** ENHANCEDSTATUSCODES (RFC 2034). */
        public Builder enhancedStatusCodes() {
            return add("ENHANCEDSTATUSCODES");
        }

        /** REQUIRETLS (RFC 8689). */
        public Builder requireTls() {
            return add("REQUIRETLS");
        }

        /** Returns the extensions in the order first added. */
        public Extensions build() {
            return table.isEmpty() ? NONE : new Extensions(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(table)));
        }
    }
}
