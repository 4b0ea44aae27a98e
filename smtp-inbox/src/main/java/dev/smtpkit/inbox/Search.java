package dev.smtpkit.inbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A search in the words Mailpit's search takes: terms that must all match, case-insensitively,
 * each a word or a "quoted phrase", optionally after {@code from:}, {@code to:} (To, Cc and the
 * envelope recipients), {@code cc:}, {@code subject:}, {@code message-id:} or
 * {@code has:attachment}, and negated with a leading {@code -} or {@code !}. A bare term matches
 * the subject, the addresses, the envelope and the start of the body text.
 */
final class Search implements Predicate<MessageSummary> {

    private record Term(String field, String text, boolean negated) {
    }

    private final List<Term> terms;

    private Search(List<Term> terms) {
        this.terms = terms;
    }

    /** Parses a query; an empty one matches every message. */
    static Search parse(String query) {
        List<Term> terms = new ArrayList<>();
        for (String token : tokens(query == null ? "" : query)) {
            boolean negated = token.length() > 1 && (token.startsWith("-") || token.startsWith("!"));
            if (negated) {
                token = token.substring(1);
            }
            String field = "";
            int colon = token.indexOf(':');
            if (colon > 0) {
                String name = token.substring(0, colon).toLowerCase(Locale.ROOT);
                if (List.of("from", "to", "cc", "subject", "message-id", "has").contains(name)) {
                    field = name;
                    token = token.substring(colon + 1);
                }
            }
            token = unquote(token).toLowerCase(Locale.ROOT);
            if (!token.isEmpty()) {
                terms.add(new Term(field, token, negated));
            }
        }
        return new Search(List.copyOf(terms));
    }

    /** Splits on white space outside double quotes; quotes stay on the token, to be removed after the field. */
    private static List<String> tokens(String query) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : query.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                current.append(c);
            } else if (Character.isWhitespace(c) && !quoted) {
                if (current.length() > 0) {
                    out.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (current.length() > 0) {
            out.add(current.toString());
        }
        return out;
    }

    private static String unquote(String s) {
        return s.replace("\"", "");
    }

    @Override
    public boolean test(MessageSummary m) {
        for (Term t : terms) {
            if (matches(t, m) == t.negated()) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(Term t, MessageSummary m) {
        return switch (t.field()) {
            case "from" -> contains(t, addresses(List.of(m.from())), m.sender());
            case "to" -> contains(t, addresses(m.to()), addresses(m.cc()), addresses(m.bcc()), String.join(" ", m.recipients()));
            case "cc" -> contains(t, addresses(m.cc()));
            case "subject" -> contains(t, m.subject());
            case "message-id" -> contains(t, m.messageId());
            case "has" -> t.text().equals("attachment") ? m.attachments() > 0 : false;
            // The search text is kept in lower case: lowering 2,000 characters a message on each query would dominate.
            default -> m.searchText().contains(t.text()) || contains(t, m.subject(), addresses(List.of(m.from())),
                    addresses(m.to()), addresses(m.cc()), m.sender(), String.join(" ", m.recipients()));
        };
    }

    private static String addresses(List<Address> list) {
        return list.stream().map(a -> a.name() + " " + a.address()).collect(Collectors.joining(" "));
    }

    private static boolean contains(Term t, String... fields) {
        return Stream.of(fields).anyMatch(f -> f.toLowerCase(Locale.ROOT).contains(t.text()));
    }
}
