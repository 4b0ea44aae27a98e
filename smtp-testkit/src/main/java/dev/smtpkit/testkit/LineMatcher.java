package dev.smtpkit.testkit;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.SmtpSyntaxException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Holds one connection's client lines to the script under a {@link Matching}: keeps what a
 * lenient comparison must remember from line to line (whether message data is in its header,
 * whether the last header field is one that varies, the MIME boundaries seen). One per
 * connection; not thread-safe.
 */
final class LineMatcher {

    /** The comment a script turns placeholders on with. */
    static final String OPT_IN = "placeholders: on";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z-]+)}}");
    private static final Map<String, String> PATTERNS = Map.of(
            "any", ".*?",
            "domain", "(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[^\\]\\s]+])",
            "address", "[^\\s<>@]+@[^\\s<>@]+",
            "message-id", "<[^<>\\s@]+@[^<>\\s]+>",
            "date", "(?:[A-Z][a-z]{2}, )?\\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d(?::\\d\\d)? [+-]\\d{4}(?: \\(.*\\))?",
            "number", "\\d+",
            "boundary", "[0-9A-Za-z'()+_,./:=?-]{1,70}");
    /** Header fields (RFC 5322 §3.6, RFC 5321 §4.4, RFC 6376, RFC 8617) that a client or relay sets anew for each message. */
    private static final Set<String> VARYING = Set.of("date", "message-id", "received", "return-path", "resent-date",
            "resent-message-id", "dkim-signature", "arc-seal", "arc-message-signature", "arc-authentication-results",
            "authentication-results", "x-received", "x-google-dkim-signature", "x-gm-message-state");
    private static final Pattern BOUNDARY = Pattern.compile("(?i)(boundary=)(\"?)([^\";\\s]+)(\"?)");

    private final Matching matching;
    private final Map<String, String> boundaries = new HashMap<>();
    private boolean inData;
    private boolean inHeader;
    private boolean varyingField;

    LineMatcher(Matching matching, Conversation script) {
        this.matching = matching == Matching.EXACT && optsIn(script) ? Matching.PLACEHOLDERS : matching;
    }

    static boolean optsIn(Conversation script) {
        return script.comments().stream().anyMatch(c -> c.trim().equalsIgnoreCase(OPT_IN));
    }

    /** Returns whether the line the client sent is the one the plan expects. */
    boolean matches(ServerPlan.Event expected, String actual) {
        ServerPlan.Kind kind = expected.kind();
        boolean data = kind == ServerPlan.Kind.DATA;
        if (data && !inData) {
            inHeader = true;
            varyingField = false;
        }
        inData = data;
        String line = expected.line();
        if (matching == Matching.LENIENT) {
            switch (kind) {
                case COMMAND -> {
                    Optional<Boolean> same = sameRequest(line, actual);
                    if (same.isPresent()) {
                        return same.get() || placeholders(line, actual);
                    }
                }
                case AUTH_RESPONSE -> {
                    return true;
                }
                case DATA -> {
                    return dataLine(line, actual);
                }
                default -> {
                    // DATA_END is "." on both sides; a REPLY is never compared here.
                }
            }
        }
        return ServerPlan.matches(expected, actual) || placeholders(line, actual);
    }

    private boolean placeholders(String expected, String actual) {
        if (matching == Matching.EXACT || !PLACEHOLDER.matcher(expected).find()) {
            return false;
        }
        return pattern(expected).matcher(actual).matches();
    }

    static Pattern pattern(String expected) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(expected);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(expected.substring(at, m.start())));
            String p = PATTERNS.get(m.group(1));
            regex.append(p != null ? p : Pattern.quote(m.group()));
            at = m.end();
        }
        regex.append(Pattern.quote(expected.substring(at)));
        return Pattern.compile(regex.toString());
    }

    /** For commands whose request a lenient comparison knows: whether both ask for the same; empty for the rest. */
    private static Optional<Boolean> sameRequest(String expected, String actual) {
        Command e;
        Command a;
        try {
            e = Command.parse(expected, ParseMode.LENIENT, true);
            a = Command.parse(actual, ParseMode.LENIENT, true);
        } catch (SmtpSyntaxException | IllegalArgumentException ex) {
            return Optional.empty();
        }
        if (e.verb() != a.verb()) {
            return Optional.of(false);
        }
        if (e instanceof Command.Helo || e instanceof Command.Ehlo || e instanceof Command.Lhlo) {
            return Optional.of(true);
        }
        if (e instanceof Command.Mail em && a instanceof Command.Mail am) {
            return Optional.of(em.from().equals(am.from()) && keywords(em.parameters()).equals(keywords(am.parameters())));
        }
        if (e instanceof Command.Rcpt er && a instanceof Command.Rcpt ar) {
            return Optional.of(er.to().equals(ar.to()) && keywords(er.parameters()).equals(keywords(ar.parameters())));
        }
        if (e instanceof Command.Auth ea && a instanceof Command.Auth aa) {
            return Optional.of(ea.mechanism().equals(aa.mechanism()));
        }
        return Optional.empty();
    }

    private static List<String> keywords(Parameters p) {
        return p.list().stream().map(x -> x.keyword().toUpperCase(Locale.ROOT)).sorted().toList();
    }

    private boolean dataLine(String expected, String actual) {
        if (inHeader && expected.isEmpty()) {
            inHeader = false;
        }
        if (inHeader) {
            boolean continuation = !expected.isEmpty() && (expected.charAt(0) == ' ' || expected.charAt(0) == '\t');
            if (continuation && varyingField) {
                return !actual.isEmpty() && (actual.charAt(0) == ' ' || actual.charAt(0) == '\t');
            }
            if (!continuation) {
                String name = fieldName(expected);
                varyingField = VARYING.contains(name.toLowerCase(Locale.ROOT));
                if (varyingField) {
                    return fieldName(actual).equalsIgnoreCase(name);
                }
            }
        }
        learnBoundary(expected, actual);
        String mapped = expected;
        for (Map.Entry<String, String> b : boundaries.entrySet()) {
            mapped = mapped.replace(b.getKey(), b.getValue());
        }
        return mapped.equals(actual) || placeholders(mapped, actual);
    }

    /** RFC 2046 §5.1.1: a boundary the client picks anew; the script's stands for this run's from here on. */
    private void learnBoundary(String expected, String actual) {
        Matcher e = BOUNDARY.matcher(expected);
        Matcher a = BOUNDARY.matcher(actual);
        if (e.find() && a.find() && !e.group(3).equals(a.group(3))) {
            boundaries.put(e.group(3), a.group(3));
        }
    }

    private static String fieldName(String line) {
        int colon = line.indexOf(':');
        return colon < 0 ? "" : line.substring(0, colon);
    }
}
