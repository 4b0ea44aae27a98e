package dev.smtpkit.core;

import java.util.Optional;

/**
 * The hand-written scanner behind {@link Command#parse(String, ParseMode, boolean)}: one pass, no
 * regular expressions, because it runs for every command of every connection.
 */
final class CommandParser {

    private CommandParser() {
    }

    static Command parse(String line, ParseMode mode, boolean utf8) {
        if (Grammar.hasLineBreak(line)) {
            throw new SmtpSyntaxException(Replies.SYNTAX_ERROR,
                    "command line contains CR or LF (RFC 5321 §2.3.8)");
        }
        boolean lenient = mode == ParseMode.LENIENT;
        String verbatim = line;
        if (lenient) {
            // RFC 5321 §4.1.1: receivers SHOULD tolerate trailing white space.
            line = withoutTrailingWhiteSpace(line);
        }
        int sp = line.indexOf(' ');
        int wordEnd = sp < 0 ? line.length() : sp;
        switch (Verb.lookup(line, 0, wordEnd)) {
            case HELO:
                return new Command.Helo(helo(line, wordEnd, lenient, utf8, Replies.HELO_REQUIRES_DOMAIN));
            case EHLO:
                return new Command.Ehlo(helo(line, wordEnd, lenient, utf8, Replies.EHLO_REQUIRES_DOMAIN));
            case LHLO:
                return new Command.Lhlo(helo(line, wordEnd, lenient, utf8, Replies.EHLO_REQUIRES_DOMAIN));
            case MAIL:
                return mail(line, wordEnd, mode, utf8);
            case RCPT:
                return rcpt(line, wordEnd, mode, utf8);
            case DATA:
                noArgument(line, wordEnd, lenient);
                return new Command.Data();
            case BDAT:
                return bdat(line, wordEnd, lenient);
            case RSET:
                noArgument(line, wordEnd, lenient);
                return new Command.Rset();
            case NOOP:
                return new Command.Noop(text(line, wordEnd, lenient, utf8, true));
            case QUIT:
                noArgument(line, wordEnd, lenient);
                return new Command.Quit();
            case VRFY:
                return new Command.Vrfy(text(line, wordEnd, lenient, utf8, false));
            case EXPN:
                return new Command.Expn(text(line, wordEnd, lenient, utf8, false));
            case HELP:
                return new Command.Help(text(line, wordEnd, lenient, utf8, true));
            case STARTTLS:
                noArgument(line, wordEnd, lenient);
                return new Command.StartTls();
            case AUTH:
                return auth(line, wordEnd, lenient);
            default:
                return new Command.Unknown(verbatim);
        }
    }

    private static String withoutTrailingWhiteSpace(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        return line.substring(0, end);
    }

    private static SmtpSyntaxException bad(Reply reply, String what, String line) {
        return new SmtpSyntaxException(reply, what + ": " + Mailbox.quoteForMessage(line));
    }

    /**
     * Returns the argument after the verb, "" if none. STRICT wants exactly one space before it
     * and none after; LENIENT strips spaces on both sides.
     */
    private static String argument(String line, int wordEnd, boolean lenient, Reply reply) {
        if (wordEnd == line.length()) {
            return "";
        }
        if (lenient) {
            int from = wordEnd;
            int to = line.length();
            while (from < to && line.charAt(from) == ' ') {
                from++;
            }
            while (to > from && line.charAt(to - 1) == ' ') {
                to--;
            }
            return line.substring(from, to);
        }
        String arg = line.substring(wordEnd + 1);
        if (arg.isEmpty() || arg.charAt(0) == ' ' || arg.charAt(arg.length() - 1) == ' ') {
            throw bad(reply, "one space between verb and argument and none at the end (RFC 5321 §4.1.1)", line);
        }
        return arg;
    }

    private static String helo(String line, int wordEnd, boolean lenient, boolean utf8, Reply reply) {
        String arg = argument(line, wordEnd, lenient, reply);
        if (arg.isEmpty()) {
            if (lenient) {
                return "";
            }
            throw bad(reply, "HELO, EHLO and LHLO need a domain (RFC 5321 §4.1.1.1)", line);
        }
        if (!utf8 && !Grammar.isAscii(arg)) {
            throw bad(reply, "non-ASCII domain without SMTPUTF8 (RFC 6531 §3.3)", line);
        }
        if (!isHeloDomain(arg)) {
            throw bad(reply, "not a domain or address literal (RFC 5321 §4.1.1.1)", line);
        }
        return arg;
    }

    static boolean isHeloDomain(String domain) {
        return (Grammar.isAddressLiteral(domain) || Grammar.isDomain(domain, true))
                && Grammar.utf8Length(domain) <= Mailbox.MAX_DOMAIN;
    }

    static void checkHeloDomain(String domain) {
        java.util.Objects.requireNonNull(domain, "domain");
        if (!domain.isEmpty() && !isHeloDomain(domain)) {
            throw new IllegalArgumentException("not a domain or address literal (RFC 5321 §4.1.1.1): "
                    + Mailbox.quoteForMessage(domain));
        }
    }

    private static void noArgument(String line, int wordEnd, boolean lenient) {
        if (!argument(line, wordEnd, lenient, Replies.PARAMETER_SYNTAX).isEmpty()) {
            throw bad(Replies.PARAMETER_SYNTAX, "this command takes no argument (RFC 5321 §4.1.1)", line);
        }
    }

    /** The free text of NOOP, HELP, VRFY and EXPN. */
    private static String text(String line, int wordEnd, boolean lenient, boolean utf8, boolean allowEmpty) {
        String arg = argument(line, wordEnd, lenient, Replies.PARAMETER_SYNTAX);
        if (!utf8 && !Grammar.isAscii(arg)) {
            throw bad(Replies.PARAMETER_SYNTAX, "non-ASCII argument without SMTPUTF8 (RFC 6531 §3.3)", line);
        }
        if (!isArgument(arg, allowEmpty)) {
            throw bad(Replies.PARAMETER_SYNTAX, "bad argument (RFC 5321 §4.1.1)", line);
        }
        return arg;
    }

    static boolean isArgument(String arg, boolean allowEmpty) {
        if (arg.isEmpty()) {
            return allowEmpty;
        }
        return !Grammar.hasControl(arg) && Grammar.isWellFormed(arg)
                && arg.charAt(0) != ' ' && arg.charAt(arg.length() - 1) != ' ';
    }

    static void checkArgument(String arg, boolean allowEmpty) {
        java.util.Objects.requireNonNull(arg, "argument");
        if (!isArgument(arg, allowEmpty)) {
            throw new IllegalArgumentException((arg.isEmpty() ? "argument is required"
                    : "argument has a control character or a leading or trailing space")
                    + " (RFC 5321 §4.1.1): " + Mailbox.quoteForMessage(arg));
        }
    }

    /** Splits an argument on spaces: single spaces only when strict. */
    private static String[] words(String arg, boolean lenient, String line) {
        if (arg.isEmpty()) {
            return new String[0];
        }
        if (!lenient && arg.contains("  ")) {
            throw bad(Replies.PARAMETER_SYNTAX, "one space between arguments (RFC 5321 §4.1.1)", line);
        }
        return arg.split(" +");
    }

    private static Command bdat(String line, int wordEnd, boolean lenient) {
        String[] w = words(argument(line, wordEnd, lenient, Replies.PARAMETER_SYNTAX), lenient, line);
        if (w.length < 1 || w.length > 2) {
            throw bad(Replies.PARAMETER_SYNTAX, "Syntax: BDAT size [LAST] (RFC 3030 §2)", line);
        }
        long size = Parameters.digits(w[0], "BDAT size (RFC 3030 §2)");
        boolean last = false;
        if (w.length == 2) {
            if (!Grammar.equalsUpper(w[1], 0, w[1].length(), "LAST")) {
                throw bad(Replies.PARAMETER_SYNTAX, "Syntax: BDAT size [LAST] (RFC 3030 §2)", line);
            }
            last = true;
        }
        return new Command.Bdat(size, last);
    }

    private static Command auth(String line, int wordEnd, boolean lenient) {
        String[] w = words(argument(line, wordEnd, lenient, Replies.PARAMETER_SYNTAX), lenient, line);
        if (w.length < 1 || w.length > 2 || !isMechanism(w[0])) {
            throw bad(Replies.PARAMETER_SYNTAX, "Syntax: AUTH mechanism [initial-response] (RFC 4954 §4)", line);
        }
        Optional<String> response = Optional.empty();
        if (w.length == 2) {
            // RFC 4954 §4: "=" stands for an empty initial response
            if (w[1].equals("=")) {
                response = Optional.of("");
            } else if (isBase64(w[1])) {
                response = Optional.of(w[1]);
            } else {
                throw bad(Replies.PARAMETER_SYNTAX, "initial response is not base64 (RFC 4954 §4)", line);
            }
        }
        return new Command.Auth(w[0], response);
    }

    /** RFC 4422 §3.1 sasl-mech: 1*20 of upper-case letters, digits, "-" and "_"; case is folded. */
    static boolean isMechanism(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Grammar.isLetDig(c) && c != '-' && c != '_') {
                return false;
            }
        }
        return true;
    }

    /** Base64 (RFC 4648 §4) alphabet with at most two "=" at the end, at least one data character. */
    static boolean isBase64(String s) {
        int end = s.length();
        int pad = 0;
        while (end > 0 && s.charAt(end - 1) == '=' && pad < 2) {
            end--;
            pad++;
        }
        if (end == 0) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (!Grammar.isLetDig(c) && c != '+' && c != '/') {
                return false;
            }
        }
        return true;
    }

    /** Moves past "SP FROM:" or "SP TO:" and returns where the path starts. */
    private static int keyword(String line, int wordEnd, boolean lenient, String keyword, String syntax) {
        int pos = wordEnd;
        int n = line.length();
        if (lenient) {
            while (pos < n && line.charAt(pos) == ' ') {
                pos++;
            }
        } else if (pos < n && line.charAt(pos) == ' ') {
            pos++;
        }
        int end = pos + keyword.length();
        if (pos == wordEnd || end > n || !Grammar.equalsUpper(line, pos, end, keyword)) {
            throw bad(Replies.PARAMETER_SYNTAX, syntax, line);
        }
        if (lenient) {
            while (end < n && line.charAt(end) == ' ') {
                end++;
            }
        }
        return end;
    }

    private static Command mail(String line, int wordEnd, ParseMode mode, boolean utf8) {
        boolean lenient = mode == ParseMode.LENIENT;
        int pos = keyword(line, wordEnd, lenient, "FROM:", "Syntax: MAIL FROM:<address> (RFC 5321 §4.1.1.2)");
        PathScanner scanner = new PathScanner(line, utf8, Replies.BAD_SENDER_ADDRESS_SYNTAX);
        ReversePath from = ReversePath.read(scanner, pos, mode);
        return new Command.Mail(from, parameters(line, scanner, lenient, utf8));
    }

    private static Command rcpt(String line, int wordEnd, ParseMode mode, boolean utf8) {
        boolean lenient = mode == ParseMode.LENIENT;
        int pos = keyword(line, wordEnd, lenient, "TO:", "Syntax: RCPT TO:<address> (RFC 5321 §4.1.1.3)");
        PathScanner scanner = new PathScanner(line, utf8, Replies.BAD_ADDRESS_SYNTAX);
        ForwardPath to = ForwardPath.read(scanner, pos, mode);
        return new Command.Rcpt(to, parameters(line, scanner, lenient, utf8));
    }

    /** Reads the parameters after a path: SP-separated (RFC 5321 §4.1.2 Mail-parameters). */
    private static Parameters parameters(String line, PathScanner scanner, boolean lenient, boolean utf8) {
        int pos = scanner.pos;
        if (pos == line.length()) {
            return Parameters.EMPTY;
        }
        if (line.charAt(pos) != ' ') {
            throw scanner.error("unexpected text after the path");
        }
        String rest = line.substring(pos + 1);
        if (!lenient && (rest.isEmpty() || rest.charAt(0) == ' ' || rest.charAt(rest.length() - 1) == ' '
                || rest.contains("  "))) {
            throw bad(Replies.PARAMETER_SYNTAX, "one space before each parameter and none at the end"
                    + " (RFC 5321 §4.1.2)", line);
        }
        return Parameters.parse(rest, utf8);
    }
}
