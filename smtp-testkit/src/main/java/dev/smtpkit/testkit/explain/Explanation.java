package dev.smtpkit.testkit.explain;

import dev.smtpkit.testkit.Conversation;
import dev.smtpkit.testkit.explain.Finding.Severity;
import dev.smtpkit.testkit.explain.Line.Side;
import dev.smtpkit.testkit.internal.LineAssembler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an SMTP conversation means: its lines with the {@link Finding findings} in them, such as
 * a connection cache's RSET probe, a HELO without a domain, or a proxy answering DATA for the
 * server, and a rendering with each finding beside the line it concerns. The findings are listed
 * by id in the README's finding table. Immutable.
 *
 * <pre>{@code
 * Explanation e = Explanation.of(Conversation.read(Path.of("session.txt")));
 * e.findings().forEach(System.out::println);
 * System.out.print(e.render(Explanation.Style.PLAIN));
 * }</pre>
 *
 * <p>For a conversation still going on (a proxy showing it live), {@link #live()} takes one line
 * at a time, or the raw bytes of either side, and returns each finding as soon as the lines it
 * rests on have been seen; the work per line is constant, so feeding a long session costs no
 * more than explaining it once. A {@link Live} is for one thread.
 */
public final class Explanation {

    /** How {@link #render(Style)} marks severities. */
    public enum Style {
        /** Plain text, for files, pipes and test reports. */
        PLAIN,
        /** ANSI colours, for a terminal. */
        ANSI
    }

    private static final String RESET = "\u001b[0m";
    private static final String DIM = "\u001b[2m";
    private static final Map<Severity, String> COLOUR = new EnumMap<>(Map.of(
            Severity.INFO, "\u001b[36m", Severity.WARNING, "\u001b[33m", Severity.ERROR, "\u001b[31;1m"));
    private static final String REDACTED = "(redacted)";

    private final List<Line> lines;
    private final List<Finding> findings;
    /** The findings by the line they are shown beside, so rendering is one pass. */
    private final Map<Integer, List<Finding>> byLine;
    private final BitSet secret;

    Explanation(List<Line> lines, List<Finding> findings, BitSet secret) {
        this.lines = List.copyOf(lines);
        List<Finding> sorted = new ArrayList<>(findings);
        sorted.sort(Comparator.comparingInt(Finding::line));
        this.findings = List.copyOf(sorted);
        Map<Integer, List<Finding>> index = new HashMap<>();
        for (Finding f : this.findings) {
            index.computeIfAbsent(f.line(), k -> new ArrayList<>()).add(f);
        }
        index.replaceAll((k, v) -> List.copyOf(v));
        this.byLine = Map.copyOf(index);
        this.secret = (BitSet) secret.clone();
    }

    /**
     * Explains a whole connection, from its greeting to its close: the end of the lines is the
     * end of the connection, so a missing QUIT is reported.
     */
    public static Explanation of(List<Line> lines) {
        return of(lines, Middleboxes.builtIn());
    }

    static Explanation of(List<Line> lines, Middleboxes middleboxes) {
        Objects.requireNonNull(lines, "lines");
        Live live = new Live(middleboxes);
        for (Line line : lines) {
            live.add(Objects.requireNonNull(line, "line"));
        }
        live.end();
        return live.explanation();
    }

    /**
     * Explains a conversation in the script format as a whole connection; every line ended in
     * CRLF ({@link Line#all(Conversation)}).
     */
    public static Explanation of(Conversation conversation) {
        return of(Line.all(conversation));
    }

    /** Starts explaining a conversation that is still going on. */
    public static Live live() {
        return new Live(Middleboxes.builtIn());
    }

    /** Returns the lines, in order; finding line numbers are 1-based indexes into it. */
    public List<Line> lines() {
        return lines;
    }

    /** Returns the findings, ordered by the line they are shown beside. */
    public List<Finding> findings() {
        return findings;
    }

    /** Returns the findings about the 1-based line, in order. */
    public List<Finding> findingsAt(int line) {
        return byLine.getOrDefault(line, List.of());
    }

    /** Returns the findings with the given id, such as {@code rset-probe}. */
    public List<Finding> findings(String id) {
        Objects.requireNonNull(id, "id");
        return findings.stream().filter(f -> f.id().equals(id)).toList();
    }

    /** Returns the highest severity found, if anything was found. */
    public Optional<Severity> worst() {
        return findings.stream().map(Finding::severity).max(Comparator.naturalOrder());
    }

    /**
     * Returns the text of a line as it should be shown: control characters escaped, and AUTH
     * secrets (an AUTH initial response, a response to a 334 challenge) replaced, since a
     * transcript is shown and logged and must not carry credentials.
     */
    public String display(int line) {
        Line l = lines.get(line - 1);
        if (!secret.get(line)) {
            return escape(l.text());
        }
        String text = l.text();
        int sp = text.indexOf(' ');
        int sp2 = sp < 0 ? -1 : text.indexOf(' ', sp + 1);
        return sp2 > 0 && Analysis.firstWord(text).equalsIgnoreCase("AUTH")
                ? escape(text.substring(0, sp2)) + " " + REDACTED : REDACTED;
    }

    /**
     * Returns the conversation as numbered {@code C:}/{@code S:} lines, each finding on its own
     * line right after the line it concerns, then a one-line summary.
     */
    public String render(Style style) {
        Objects.requireNonNull(style, "style");
        boolean ansi = style == Style.ANSI;
        int width = String.valueOf(Math.max(1, lines.size())).length();
        StringBuilder sb = new StringBuilder();
        for (int n = 1; n <= lines.size(); n++) {
            Line l = lines.get(n - 1);
            String number = String.format("%" + width + "d ", n);
            sb.append(ansi ? DIM + number + RESET : number);
            l.at().ifPresent(at -> sb.append(String.format("%9s ", seconds(at))));
            sb.append(l.side() == Side.CLIENT ? "C: " : "S: ").append(display(n));
            if (l.ending() != Line.Ending.CRLF) {
                sb.append(l.ending() == Line.Ending.LF ? "  [LF]" : "  [no line end]");
            }
            sb.append('\n');
            for (Finding f : findingsAt(n)) {
                String pad = " ".repeat(width + 1);
                String head = f.severity().label() + " " + f.id();
                sb.append(pad).append("^ ").append(ansi ? COLOUR.get(f.severity()) + head + RESET : head)
                        .append(": ").append(f.message()).append(" (").append(f.reference());
                if (f.lines().size() > 1) {
                    sb.append("; lines ");
                    for (int i = 0; i < f.lines().size(); i++) {
                        sb.append(i == 0 ? "" : ", ").append(f.lines().get(i));
                    }
                }
                sb.append(")\n");
            }
        }
        sb.append(summary()).append('\n');
        return sb.toString();
    }

    /** Returns {@code "3 findings: 1 error, 0 warnings, 2 info"} or {@code "no findings"}. */
    public String summary() {
        if (findings.isEmpty()) {
            return "no findings";
        }
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        for (Finding f : findings) {
            counts.merge(f.severity(), 1, Integer::sum);
        }
        int errors = counts.getOrDefault(Severity.ERROR, 0);
        int warnings = counts.getOrDefault(Severity.WARNING, 0);
        return findings.size() + (findings.size() == 1 ? " finding: " : " findings: ") + errors
                + (errors == 1 ? " error, " : " errors, ") + warnings + (warnings == 1 ? " warning, " : " warnings, ")
                + counts.getOrDefault(Severity.INFO, 0) + " info";
    }

    @Override
    public String toString() {
        return render(Style.PLAIN);
    }

    private static String seconds(Duration d) {
        return String.format("+%d.%03ds", d.getSeconds(), d.toMillisPart());
    }

    /** Escapes control characters as {@code \r}, {@code \t} or {@code \xNN}, and the backslash itself. */
    static String escape(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String esc = c == '\\' ? "\\\\" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                    : c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : null;
            if (esc != null && sb == null) {
                sb = new StringBuilder(text.substring(0, i));
            }
            if (sb != null) {
                sb.append(esc != null ? esc : String.valueOf(c));
            }
        }
        return sb == null ? text : sb.toString();
    }

    /**
     * A conversation explained as it goes: {@link #add(Line)} each line in the order seen, or
     * {@link #bytes} as they came, and {@link #end()} when the connection closes.
     */
    public static final class Live {
        private final Analysis analysis;
        private final LineAssembler client = new LineAssembler(Side.CLIENT);
        private final LineAssembler server = new LineAssembler(Side.SERVER);

        private Live(Middleboxes middleboxes) {
            this.analysis = new Analysis(middleboxes);
        }

        /**
         * Takes bytes one side sent, as a relay or a capture sees them, cuts them into lines
         * with their real endings, and returns the findings the completed lines bring. Feed
         * both sides in the order their bytes were seen.
         *
         * @throws IllegalStateException after {@link #end()}
         */
        public List<Finding> bytes(Side side, byte[] bytes, int offset, int length, Optional<Duration> at) {
            Objects.requireNonNull(side, "side");
            List<Finding> out = new ArrayList<>();
            for (Line line : (side == Side.CLIENT ? client : server).feed(bytes, offset, length, at)) {
                out.addAll(add(line));
            }
            return out;
        }

        /**
         * Takes the next line and returns the findings it completes; a finding may concern
         * earlier lines too (an RSET probe is known only when MAIL follows).
         *
         * @throws IllegalStateException after {@link #end()}
         */
        public List<Finding> add(Line line) {
            return analysis.add(Objects.requireNonNull(line, "line"));
        }

        /**
         * Marks the close of the connection and returns the findings that completes, such as a
         * missing QUIT; a line that bytes left without its end is taken first.
         */
        public List<Finding> end() {
            List<Finding> out = new ArrayList<>();
            for (LineAssembler a : List.of(client, server)) {
                a.finish(Optional.empty()).ifPresent(l -> out.addAll(analysis.add(l)));
            }
            out.addAll(analysis.end());
            return out;
        }

        /** Returns the lines so far with every finding so far. */
        public Explanation explanation() {
            BitSet secret = new BitSet();
            for (int n = 1; n <= analysis.lines().size(); n++) {
                if (analysis.isSecret(n)) {
                    secret.set(n);
                }
            }
            return new Explanation(analysis.lines(), analysis.findings(), secret);
        }
    }
}
