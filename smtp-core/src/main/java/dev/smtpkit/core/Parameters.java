package dev.smtpkit.core;

import dev.smtpkit.core.internal.Xtext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The ESMTP parameters of a MAIL or RCPT command (RFC 5321 §4.1.2 Mail-parameters and
 * Rcpt-parameters, RFC 1869 §6), in the order given.
 *
 * <p>Keywords are matched without regard to case and held in upper case; values are kept as
 * written. A keyword appears at most once. The typed accessors read the parameters of the
 * extensions this library knows and throw {@link SmtpSyntaxException} with
 * {@link Replies#PARAMETER_SYNTAX} (501 5.5.4) when such a parameter is present with a bad value.
 */
public final class Parameters {

    /** No parameters. */
    public static final Parameters EMPTY = new Parameters(List.of());

    /**
     * One parameter, {@code esmtp-keyword ["=" esmtp-value]} (RFC 5321 §4.1.2).
     *
     * @param keyword {@code (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")}, held in upper case
     * @param value   one or more of {@code %d33-60 / %d62-126} (no space, no {@code =}, no
     *                controls), or UTF-8 (RFC 6531 §3.3); empty when the parameter has no value
     */
    public record Parameter(String keyword, Optional<String> value) {

        /** Checks the grammar of RFC 5321 §4.1.2 and upper-cases the keyword. */
        public Parameter {
            Objects.requireNonNull(keyword, "keyword");
            Objects.requireNonNull(value, "value");
            if (!Grammar.isKeyword(keyword)) {
                throw new IllegalArgumentException("not an esmtp-keyword (RFC 5321 §4.1.2): "
                        + Mailbox.quoteForMessage(keyword));
            }
            keyword = Grammar.upper(keyword);
            if (value.isPresent() && !isValue(value.get(), true)) {
                throw new IllegalArgumentException("not an esmtp-value (RFC 5321 §4.1.2): "
                        + Mailbox.quoteForMessage(value.get()));
            }
        }

        /** A parameter without value, such as {@code SMTPUTF8}. */
        public static Parameter of(String keyword) {
            return new Parameter(keyword, Optional.empty());
        }

        /** A parameter with a value, such as {@code SIZE=1000}. */
        public static Parameter of(String keyword, String value) {
            return new Parameter(keyword, Optional.of(Objects.requireNonNull(value, "value")));
        }

        /** Returns {@code KEYWORD} or {@code KEYWORD=value}. */
        @Override
        public String toString() {
            return value.map(v -> keyword + "=" + v).orElse(keyword);
        }
    }

    /** The BODY values of RFC 6152 §2 and RFC 3030 §3. */
    public enum Body {
        /** {@code 7BIT} (RFC 6152 §2). */
        SEVEN_BIT("7BIT"),
        /** {@code 8BITMIME} (RFC 6152 §2). */
        EIGHT_BIT_MIME("8BITMIME"),
        /** {@code BINARYMIME} (RFC 3030 §3). */
        BINARY_MIME("BINARYMIME");

        private final String keyword;

        Body(String keyword) {
            this.keyword = keyword;
        }

        /** Returns the value as written, such as {@code 8BITMIME}. */
        public String keyword() {
            return keyword;
        }
    }

    /** The RET values of RFC 3461 §4.3. */
    public enum Ret {
        /** Return the full message in a failure DSN. */
        FULL,
        /** Return the headers only. */
        HDRS
    }

    /** The NOTIFY values of RFC 3461 §4.1. */
    public enum Notify {
        NEVER, SUCCESS, FAILURE, DELAY
    }

    /**
     * The ORCPT parameter of RFC 3461 §4.2: {@code addr-type ";" xtext}.
     *
     * @param addressType an atom such as {@code rfc822}
     * @param address     the original recipient, decoded from xtext
     */
    public record Orcpt(String addressType, String address) {

        /** Checks the address type is an atom (RFC 3461 §4.2, RFC 5322 §3.2.3). */
        public Orcpt {
            Objects.requireNonNull(addressType, "addressType");
            Objects.requireNonNull(address, "address");
            if (!Grammar.isDotString(addressType, false) || addressType.indexOf('.') >= 0) {
                throw new IllegalArgumentException("ORCPT address type must be an atom (RFC 3461 §4.2): "
                        + Mailbox.quoteForMessage(addressType));
            }
            if (!Grammar.isWellFormed(address)) {
                throw new IllegalArgumentException("ORCPT address is not well-formed Unicode");
            }
        }

        /** Returns the wire value, {@code rfc822;user+40example.org}. */
        @Override
        public String toString() {
            return addressType + ";" + Xtext.encode(address);
        }
    }

    private final List<Parameter> list;

    private Parameters(List<Parameter> list) {
        this.list = list;
    }

    /**
     * Returns the given parameters in order.
     *
     * @throws IllegalArgumentException if a keyword appears twice
     */
    public static Parameters of(List<Parameter> parameters) {
        List<Parameter> copy = List.copyOf(Objects.requireNonNull(parameters, "parameters"));
        for (int i = 0; i < copy.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (copy.get(i).keyword().equals(copy.get(j).keyword())) {
                    throw new IllegalArgumentException("parameter " + copy.get(i).keyword() + " given twice");
                }
            }
        }
        return copy.isEmpty() ? EMPTY : new Parameters(copy);
    }

    /** Parses space-separated parameters in ASCII, as {@code parse(text, false)}. */
    public static Parameters parse(String text) {
        return parse(text, false);
    }

    /**
     * Parses space-separated parameters, {@code esmtp-param *(SP esmtp-param)}.
     *
     * @param utf8 whether values may hold UTF-8 (RFC 6531 §3.3)
     * @throws SmtpSyntaxException with {@link Replies#PARAMETER_SYNTAX} for a bad parameter or
     *                             a keyword given twice
     */
    public static Parameters parse(String text, boolean utf8) {
        Objects.requireNonNull(text, "text");
        List<Parameter> result = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            if (text.charAt(i) == ' ') {
                i++;
                continue;
            }
            int end = text.indexOf(' ', i);
            if (end < 0) {
                end = n;
            }
            int eq = text.indexOf('=', i);
            String keyword = text.substring(i, eq < 0 || eq > end ? end : eq);
            if (!Grammar.isKeyword(keyword)) {
                throw bad("not an esmtp-keyword (RFC 5321 §4.1.2)", text);
            }
            Optional<String> value = Optional.empty();
            if (eq >= 0 && eq < end) {
                String v = text.substring(eq + 1, end);
                if (!isValue(v, utf8)) {
                    throw bad("not an esmtp-value (RFC 5321 §4.1.2)", text);
                }
                value = Optional.of(v);
            }
            Parameter p = new Parameter(keyword, value);
            for (Parameter q : result) {
                if (q.keyword().equals(p.keyword())) {
                    throw bad("parameter " + p.keyword() + " given twice", text);
                }
            }
            result.add(p);
            i = end;
        }
        return result.isEmpty() ? EMPTY : new Parameters(List.copyOf(result));
    }

    /** RFC 5321 §4.1.2 esmtp-value: 1*(%d33-60 / %d62-126), and UTF8-non-ascii with utf8. */
    static boolean isValue(String v, boolean utf8) {
        if (v.isEmpty()) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 33 && c <= 126 && c != '=') || (utf8 && c >= 0x80);
            if (!ok) {
                return false;
            }
        }
        return !utf8 || Grammar.isWellFormed(v);
    }

    private static SmtpSyntaxException bad(String what, String text) {
        return new SmtpSyntaxException(Replies.PARAMETER_SYNTAX, what + ": " + Mailbox.quoteForMessage(text));
    }

    /** Returns the parameters in order. */
    public List<Parameter> list() {
        return list;
    }

    /** Returns whether there are none. */
    public boolean isEmpty() {
        return list.isEmpty();
    }

    /** Returns whether the keyword is present, ignoring case. */
    public boolean has(String keyword) {
        return find(keyword) != null;
    }

    /** Returns the value of the keyword, ignoring case; empty if absent or without value. */
    public Optional<String> value(String keyword) {
        Parameter p = find(keyword);
        return p == null ? Optional.empty() : p.value();
    }

    private Parameter find(String keyword) {
        Objects.requireNonNull(keyword, "keyword");
        for (Parameter p : list) {
            if (Grammar.equalsUpper(keyword, 0, keyword.length(), p.keyword())) {
                return p;
            }
        }
        return null;
    }

    /** Returns the value of a parameter that must have one, or null if the keyword is absent. */
    private String required(String keyword) {
        Parameter p = find(keyword);
        if (p == null) {
            return null;
        }
        if (p.value().isEmpty()) {
            throw bad(keyword + " needs a value", toString());
        }
        return p.value().get();
    }

    /** Returns whether a parameter that takes no value is present. */
    private boolean flag(String keyword, String rfc) {
        Parameter p = find(keyword);
        if (p != null && p.value().isPresent()) {
            throw bad(keyword + " takes no value (" + rfc + ")", toString());
        }
        return p != null;
    }

    /** SIZE, the declared message size in octets (RFC 1870 §3, §6). */
    public OptionalLong size() {
        String v = required("SIZE");
        if (v == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(digits(v, "SIZE (RFC 1870 §6)"));
    }

    static long digits(String v, String what) {
        if (v.isEmpty() || v.length() > 19) {
            throw bad(what + " must be 1 to 19 digits", v);
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!Grammar.isDigit(c)) {
                throw bad(what + " must be digits", v);
            }
            n = n * 10 + (c - '0');
            if (n < 0) {
                throw bad(what + " is too large", v);
            }
        }
        return n;
    }

    /** BODY, the body type (RFC 6152 §2, RFC 3030 §3), ignoring case. */
    public Optional<Body> body() {
        String v = required("BODY");
        if (v == null) {
            return Optional.empty();
        }
        for (Body b : Body.values()) {
            if (Grammar.equalsUpper(v, 0, v.length(), b.keyword())) {
                return Optional.of(b);
            }
        }
        throw bad("BODY must be 7BIT, 8BITMIME or BINARYMIME (RFC 6152 §2, RFC 3030 §3)", v);
    }

    /** SMTPUTF8, without value (RFC 6531 §3.4). */
    public boolean smtpUtf8() {
        return flag("SMTPUTF8", "RFC 6531 §3.4");
    }

    /** REQUIRETLS, without value (RFC 8689 §4.1). */
    public boolean requireTls() {
        return flag("REQUIRETLS", "RFC 8689 §4.1");
    }

    /** RET, FULL or HDRS, ignoring case (RFC 3461 §4.3). */
    public Optional<Ret> ret() {
        String v = required("RET");
        if (v == null) {
            return Optional.empty();
        }
        for (Ret r : Ret.values()) {
            if (Grammar.equalsUpper(v, 0, v.length(), r.name())) {
                return Optional.of(r);
            }
        }
        throw bad("RET must be FULL or HDRS (RFC 3461 §4.3)", v);
    }

    /** ENVID, decoded from xtext (RFC 3461 §4.4). */
    public Optional<String> envId() {
        String v = required("ENVID");
        return v == null ? Optional.empty() : Optional.of(Xtext.decode(v));
    }

    /**
     * NOTIFY (RFC 3461 §4.1): NEVER alone, or one or more of SUCCESS, FAILURE and DELAY; an empty
     * set when absent.
     */
    public Set<Notify> dsnNotify() {
        String v = required("NOTIFY");
        if (v == null) {
            return Set.of();
        }
        EnumSet<Notify> set = EnumSet.noneOf(Notify.class);
        int start = 0;
        for (int i = 0; i <= v.length(); i++) {
            if (i == v.length() || v.charAt(i) == ',') {
                Notify found = null;
                for (Notify n : Notify.values()) {
                    if (Grammar.equalsUpper(v, start, i, n.name())) {
                        found = n;
                    }
                }
                if (found == null || !set.add(found)) {
                    throw bad("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1)", v);
                }
                start = i + 1;
            }
        }
        if (set.contains(Notify.NEVER) && set.size() > 1) {
            throw bad("NOTIFY=NEVER must stand alone (RFC 3461 §4.1)", v);
        }
        return Collections.unmodifiableSet(set);
    }

    /** ORCPT, the address decoded from xtext (RFC 3461 §4.2). */
    public Optional<Orcpt> orcpt() {
        String v = required("ORCPT");
        if (v == null) {
            return Optional.empty();
        }
        int semi = v.indexOf(';');
        if (semi <= 0) {
            throw bad("ORCPT must be addr-type;xtext (RFC 3461 §4.2)", v);
        }
        String type = v.substring(0, semi);
        if (!Grammar.isDotString(type, false) || type.indexOf('.') >= 0) {
            throw bad("ORCPT address type must be an atom (RFC 3461 §4.2)", v);
        }
        return Optional.of(new Orcpt(type, Xtext.decode(v.substring(semi + 1))));
    }

    /** AUTH of MAIL, the authorized sender decoded from xtext, or {@code <>} (RFC 4954 §5). */
    public Optional<String> auth() {
        String v = required("AUTH");
        return v == null ? Optional.empty() : Optional.of(Xtext.decode(v));
    }

    /** Returns a builder that starts empty. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder that starts with these parameters. */
    public Builder toBuilder() {
        Builder b = new Builder();
        for (Parameter p : list) {
            b.map.put(p.keyword(), p);
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parameters && list.equals(((Parameters) o).list);
    }

    @Override
    public int hashCode() {
        return list.hashCode();
    }

    /** Returns the wire form, {@code SIZE=1000 BODY=8BITMIME}; empty when there are none. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Parameter p : list) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(p);
        }
        return sb.toString();
    }

    /**
     * Builds {@link Parameters}. Setting a keyword that is already there replaces it in its
     * place; the typed setters write the values the RFCs define.
     */
    public static final class Builder {
        private final Map<String, Parameter> map = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds or replaces a parameter without value. */
        public Builder with(String keyword) {
            return put(Parameter.of(keyword));
        }

        /** Adds or replaces a parameter with a value, given as written on the wire. */
        public Builder with(String keyword, String value) {
            return put(Parameter.of(keyword, value));
        }

        /** Adds or replaces a parameter. */
        public Builder with(Parameter parameter) {
            return put(Objects.requireNonNull(parameter, "parameter"));
        }

        private Builder put(Parameter p) {
            map.put(p.keyword(), p);
            return this;
        }

        /** Removes a keyword, ignoring case. */
        public Builder remove(String keyword) {
            map.remove(Grammar.upper(Objects.requireNonNull(keyword, "keyword")));
            return this;
        }

        /** {@code SIZE=n} (RFC 1870 §6). */
        public Builder size(long octets) {
            if (octets < 0) {
                throw new IllegalArgumentException("SIZE must not be negative: " + octets);
            }
            return with("SIZE", Long.toString(octets));
        }

        /** {@code BODY=7BIT|8BITMIME|BINARYMIME} (RFC 6152 §2, RFC 3030 §3). */
        public Builder body(Body body) {
            return with("BODY", Objects.requireNonNull(body, "body").keyword());
        }

        /** {@code SMTPUTF8} (RFC 6531 §3.4). */
        public Builder smtpUtf8() {
            return with("SMTPUTF8");
        }

        /** {@code RET=FULL|HDRS} (RFC 3461 §4.3). */
        public Builder ret(Ret ret) {
            return with("RET", Objects.requireNonNull(ret, "ret").name());
        }

        /** {@code ENVID=}, xtext-encoded (RFC 3461 §4.4). */
        public Builder envId(String envId) {
            Objects.requireNonNull(envId, "envId");
            if (envId.isEmpty()) {
                throw new IllegalArgumentException("ENVID must not be empty (RFC 3461 §4.4)");
            }
            return with("ENVID", Xtext.encode(envId));
        }

        /** {@code NOTIFY=}: NEVER alone or some of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1). */
        public Builder dsnNotify(Set<Notify> notify) {
            Objects.requireNonNull(notify, "notify");
            if (notify.isEmpty() || (notify.contains(Notify.NEVER) && notify.size() > 1)) {
                throw new IllegalArgumentException("NOTIFY is NEVER alone or some of SUCCESS, FAILURE, DELAY"
                        + " (RFC 3461 §4.1): " + notify);
            }
            StringBuilder sb = new StringBuilder();
            for (Notify n : EnumSet.copyOf(notify)) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(n.name());
            }
            return with("NOTIFY", sb.toString());
        }

        /** {@code ORCPT=type;xtext} (RFC 3461 §4.2). */
        public Builder orcpt(Orcpt orcpt) {
            return with("ORCPT", Objects.requireNonNull(orcpt, "orcpt").toString());
        }

        /** {@code AUTH=}, xtext-encoded; {@code <>} for an unknown sender (RFC 4954 §5). */
        public Builder auth(String mailbox) {
            Objects.requireNonNull(mailbox, "mailbox");
            if (mailbox.isEmpty()) {
                throw new IllegalArgumentException("AUTH must not be empty; use \"<>\" (RFC 4954 §5)");
            }
            return with("AUTH", Xtext.encode(mailbox));
        }

        /** {@code REQUIRETLS} (RFC 8689 §4.1). */
        public Builder requireTls() {
            return with("REQUIRETLS");
        }

        /** Returns the parameters in the order first added. */
        public Parameters build() {
            return map.isEmpty() ? EMPTY : new Parameters(List.copyOf(map.values()));
        }
    }
}
