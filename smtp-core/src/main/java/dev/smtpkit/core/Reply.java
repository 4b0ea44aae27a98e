package dev.smtpkit.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A server reply (RFC 5321 §4.2): a three-digit code, an optional enhanced status code
 * (RFC 2034, RFC 3463) and one or more lines of text.
 *
 * <p>{@link #lines()} hold the text only, without the code and without the status, so that
 * equal text is equal whatever the status (and the EHLO keywords read the same with or without
 * one); {@link #linesWithStatus()} gives each line as a person reads it, the status in front,
 * and {@link #firstLine()} the first of them with the code. The wire form
 * writes the status on every line, as RFC 2034 §4 asks. When reading, the status is taken from
 * the <em>first</em> line: it is there when that line starts with {@code class.subject.detail}
 * followed by a space or the end of the line, and its class is the code's first digit; the same
 * status is then removed from the start of every later line that has it. So that formatting and
 * parsing stay inverse, a reply without a status cannot have a first line that would read as
 * one: give the status with {@link #of(int, EnhancedStatus, String)} instead.
 *
 * <p>Codes 200 to 599 are accepted: the first digit must be 2 to 5 (§4.2.1), the others are not
 * held to the grammar's 0-5 because a client must act on the first digit of a code it does not
 * know (§4.2.1). Text may hold UTF-8 (RFC 6531 §3.7.4) but never CR or LF.
 *
 * @param code   the reply code, 200 to 599
 * @param status the enhanced status code, whose class is the code's first digit
 * @param lines  the text of each line, at least one, possibly empty
 */
public record Reply(int code, Optional<EnhancedStatus> status, List<String> lines) {

    /** Checks the code, the status class and that no line holds a line break. */
    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code must be 200 to 599 (RFC 5321 §4.2): " + code);
        }
        Objects.requireNonNull(status, "status");
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply has at least one line (RFC 5321 §4.2)");
        }
        for (String line : lines) {
            if (Grammar.hasLineBreak(line)) {
                throw new IllegalArgumentException("reply text must not contain CR or LF: " + line);
            }
        }
        int replyClass = code / 100;
        if (status.isPresent() && status.get().statusClass() != replyClass) {
            throw new IllegalArgumentException("enhanced status " + status.get()
                    + " does not match the class of reply code " + code + " (RFC 3463 §2)");
        }
        if (status.isEmpty()) {
            Optional<EnhancedStatus> looksLike = EnhancedStatus.parsePrefix(lines.get(0));
            if (looksLike.isPresent() && looksLike.get().statusClass() == replyClass) {
                throw new IllegalArgumentException("reply text starts with an enhanced status code;"
                        + " give it as the status: " + lines.get(0));
            }
        }
    }

    /** A one-line reply without enhanced status. */
    public static Reply of(int code, String text) {
        return new Reply(code, Optional.empty(), List.of(Objects.requireNonNull(text, "text")));
    }

    /** A reply without enhanced status, one element per line. */
    public static Reply of(int code, List<String> lines) {
        return new Reply(code, Optional.empty(), lines);
    }

    /** A one-line reply with an enhanced status (RFC 2034 §4). */
    public static Reply of(int code, EnhancedStatus status, String text) {
        return new Reply(code, Optional.of(Objects.requireNonNull(status, "status")),
                List.of(Objects.requireNonNull(text, "text")));
    }

    /** A reply with an enhanced status, written on every line (RFC 2034 §4). */
    public static Reply of(int code, EnhancedStatus status, List<String> lines) {
        return new Reply(code, Optional.of(Objects.requireNonNull(status, "status")), lines);
    }

    /**
     * Parses a complete reply, one or more lines each ended by CRLF; the last CRLF may be left
     * out. A bare LF is also taken as a line end, as {@code ReplyDecoder} does.
     *
     * @throws SmtpSyntaxException carrying {@link Replies#MALFORMED_REPLY} if the text is not a
     *                             reply of RFC 5321 §4.2
     */
    public static Reply parse(String wire) {
        Objects.requireNonNull(wire, "wire");
        String text = wire;
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
        }
        List<String> raw = new ArrayList<>();
        int start = 0;
        while (true) {
            int lf = text.indexOf('\n', start);
            int end = lf < 0 ? text.length() : lf;
            int contentEnd = end > start && text.charAt(end - 1) == '\r' && lf >= 0 ? end - 1 : end;
            raw.add(text.substring(start, contentEnd));
            if (lf < 0) {
                break;
            }
            start = lf + 1;
        }
        return fromLines(raw);
    }

    /** Builds a reply from its raw lines, each without its line end. */
    private static Reply fromLines(List<String> raw) {
        int code = -1;
        List<String> texts = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String line = raw.get(i);
            boolean last = i == raw.size() - 1;
            if (line.length() < 3 || line.indexOf('\r') >= 0) {
                throw malformed("reply line is not a code and text: " + line);
            }
            int lineCode = code(line);
            if (lineCode < 0) {
                throw malformed("reply line does not start with a code of 200 to 599: " + line);
            }
            if (code >= 0 && lineCode != code) {
                throw malformed("reply line has code " + lineCode + " in a reply with code " + code);
            }
            code = lineCode;
            char sep = line.length() == 3 ? ' ' : line.charAt(3);
            if (sep == '-' && last) {
                throw malformed("reply ends with a continuation line: " + line);
            }
            if (sep == ' ' && !last) {
                throw malformed("reply has text after its last line: " + line);
            }
            if (sep != ' ' && sep != '-') {
                throw malformed("reply code is not followed by a space or hyphen: " + line);
            }
            texts.add(line.length() <= 4 ? "" : line.substring(4));
        }
        int replyClass = code / 100;
        Optional<EnhancedStatus> status = EnhancedStatus.parsePrefix(texts.get(0))
                .filter(s -> s.statusClass() == replyClass);
        if (status.isPresent()) {
            String prefix = status.get().toString();
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i);
                if (t.startsWith(prefix) && (t.length() == prefix.length() || t.charAt(prefix.length()) == ' ')) {
                    texts.set(i, t.length() == prefix.length() ? "" : t.substring(prefix.length() + 1));
                }
            }
        }
        return new Reply(code, status, texts);
    }

    private static int code(String line) {
        char a = line.charAt(0);
        char b = line.charAt(1);
        char c = line.charAt(2);
        if (a < '2' || a > '5' || !Grammar.isDigit(b) || !Grammar.isDigit(c)) {
            return -1;
        }
        return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
    }

    private static SmtpSyntaxException malformed(String message) {
        return new SmtpSyntaxException(Replies.MALFORMED_REPLY, message + " (RFC 5321 §4.2)");
    }

    /** Returns the lines joined with {@code "\n"}. */
    public String text() {
        return String.join("\n", lines);
    }

    /**
     * Each line's text with the enhanced status code in front when there is one, as it stands on
     * the wire after the code (RFC 2034 §4): {@code 2.0.0 queued as 1234}. What to show or log
     * when the status matters, since {@link #lines()} leaves it out.
     */
    public List<String> linesWithStatus() {
        if (status.isEmpty()) {
            return lines;
        }
        String prefix = status.get() + " ";
        return lines.stream().map(prefix::concat).toList();
    }

    /** The first line as one reads it: code, enhanced status if any, text: {@code 550 5.1.1 no such user}. */
    public String firstLine() {
        return code + " " + linesWithStatus().get(0);
    }

    /** Returns a reply with the same code and status and the given one-line text. */
    public Reply withText(String text) {
        return new Reply(code, status, List.of(Objects.requireNonNull(text, "text")));
    }

    /** 2yz (RFC 5321 §4.2.1). */
    public boolean isPositiveCompletion() {
        return code / 100 == 2;
    }

    /** 3yz (RFC 5321 §4.2.1). */
    public boolean isPositiveIntermediate() {
        return code / 100 == 3;
    }

    /** 4yz (RFC 5321 §4.2.1). */
    public boolean isTransientFailure() {
        return code / 100 == 4;
    }

    /** 5yz (RFC 5321 §4.2.1). */
    public boolean isPermanentFailure() {
        return code / 100 == 5;
    }

    /** 4yz or 5yz. */
    public boolean isFailure() {
        return code >= 400;
    }

    /** Returns the wire form in UTF-8. */
    public byte[] encode() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Returns the wire form, every line ended by CRLF: {@code 250-2.0.0 a\r\n250 2.0.0 b\r\n}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        String prefix = status.map(EnhancedStatus::toString).orElse(null);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            sb.append(code);
            if (prefix != null) {
                sb.append(i == lines.size() - 1 ? ' ' : '-').append(prefix);
                if (!line.isEmpty()) {
                    sb.append(' ').append(line);
                }
            } else if (i < lines.size() - 1) {
                sb.append('-').append(line);
            } else {
                // The last line always has its space, even with no text: RFC 4954 §4 writes an
                // empty challenge as "334 " and strict SASL clients look for it.
                sb.append(' ').append(line);
            }
            sb.append("\r\n");
        }
        return sb.toString();
    }
}
