package dev.smtpkit.testkit;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpSyntaxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One SMTP conversation as an immutable value: the steps in order, each either a write by the
 * client (one or more lines, sent together) or one reply by the server (RFC 5321 §4.2, possibly
 * multi-line), plus the script's comments.
 *
 * <h2>Script format</h2>
 * The format is the one RFCs and mailing lists use, as in RFC 5321 Appendix D:
 * <pre>
 * # expect: one message to one recipient
 * S: 220 mx.example.org ESMTP
 * C: EHLO relay.example.com
 * S: 250-mx.example.org
 * S: 250 PIPELINING
 * C: MAIL FROM:&lt;a@example.com&gt;
 * C: RCPT TO:&lt;b@example.org&gt;
 * C: DATA
 * S: 250 OK
 * S: 250 OK
 * S: 354 go ahead
 * C: Subject: hi
 * C:
 * C: body
 * C: .
 * S: 250 OK
 * </pre>
 * <ul>
 *   <li>{@code C: } is a line the client sends and {@code S: } a line the server sends. A script
 *       with any {@code R: } line is in RFC 821 notation instead, where {@code S: } is the
 *       <em>sender</em> (client) and {@code R: } the <em>receiver</em> (server).</li>
 *   <li>Consecutive client lines are one step: one write, pipelined as RFC 2920 allows.</li>
 *   <li>Consecutive server lines are split into replies where a line's code is followed by a
 *       space or nothing (RFC 5321 §4.2.1); each reply is one step.</li>
 *   <li>Message data after a 354 reply is written as client lines exactly as on the wire, so
 *       already dot-stuffed (RFC 5321 §4.5.2), ending with {@code C: .}.</li>
 *   <li>Blank lines mean nothing. Lines starting with {@code #} are comments and are kept;
 *       those starting with {@code # expect:} say what the conversation must show and are also
 *       listed by {@link #expectations()}.</li>
 *   <li>One space after the colon is part of the prefix: {@code "C:  x"} sends {@code " x"} and
 *       {@code "C:"} sends an empty line.</li>
 *   <li>{@code C= } (or {@code S= } in RFC 821 notation) is a client line written with escapes
 *       ({@link Printable}: backslash, {@code \r}, {@code \n}, {@code \t}, {@code \xHH} for
 *       one octet), for what a {@code C: } line cannot hold: a bare LF or CR, a control
 *       character, octets that are not UTF-8. Its line end is written out, such as {@code \n}
 *       for a bare LF; only when the line holds no CR and no LF at all is CRLF implied.</li>
 *   <li>{@code @ 1.250} is the time of the line after it, in seconds since the recording began;
 *       {@code ! text} is a note at that point of the conversation, such as the proxy's
 *       {@code ! tls: ...} where a session went encrypted. A note ends a client write.</li>
 * </ul>
 *
 * <p>In the model, a client line without CR or LF is sent with CRLF after it; a line that holds
 * CR or LF is exactly the octets to send. Octets that are not UTF-8 are held as the surrogates
 * U+DC80 to U+DCFF ({@link Printable#decode(byte[], int, int)}); {@link ClientWrite#octets()}
 * gives the octets a player sends.
 *
 * <p>{@link #write()} (also {@link #toString()}) gives the script back with all comments first,
 * so {@code parse(c.write()).equals(c)} for every conversation, and {@code write()} of what
 * {@code parse} read keeps its times and notes. Equality is over the steps and the comments; the
 * {@link Notation}, the source name and line numbers, the times and the notes are presentation
 * and do not take part.
 */
public final class Conversation {

    /** Which letters a script uses for the two sides. */
    public enum Notation {
        /** {@code C:} for the client, {@code S:} for the server (RFC 5321 Appendix D); the default. */
        CLIENT_SERVER("C:", "S:"),
        /** {@code S:} for the sender (client), {@code R:} for the receiver (server) (RFC 821 Appendix F). */
        SENDER_RECEIVER("S:", "R:");

        private final String client;
        private final String server;

        Notation(String client, String server) {
            this.client = client;
            this.server = server;
        }

        /** Returns the prefix of a client line, such as {@code "C:"}. */
        public String clientPrefix() {
            return client;
        }

        /** Returns the prefix of a server line, such as {@code "S:"}. */
        public String serverPrefix() {
            return server;
        }
    }

    /** One step of a conversation: a client write or a server reply. */
    public sealed interface Step permits ClientWrite, ServerReply {
        /** Returns whether the client takes this step. */
        boolean fromClient();

        /** Returns the step as script lines in the given notation, without line ends. */
        List<String> scriptLines(Notation notation);
    }

    /**
     * Lines the client sends in one write: a command, several pipelined commands (RFC 2920), or
     * message data as on the wire. A line without CR or LF goes out with CRLF after it; a line
     * that holds CR or LF is exactly the octets sent, such as {@code "body\n"} for a bare LF.
     *
     * @param lines at least one line; a line that is text and one CRLF is kept without the CRLF
     */
    public record ClientWrite(List<String> lines) implements Step {
        /** Checks there is a line, and keeps each line in its one canonical form. */
        public ClientWrite {
            Objects.requireNonNull(lines, "lines");
            if (lines.isEmpty()) {
                throw new IllegalArgumentException("a client write has at least one line");
            }
            lines = lines.stream().map(Conversation::canonicalLine).toList();
        }

        /** Returns the octets the client sends (RFC 5321 §2.3.8: CRLF after each line that has no line end of its own). */
        public byte[] octets() {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (String line : lines) {
                out.writeBytes(lineOctets(line));
            }
            return out.toByteArray();
        }

        /** A write of the given lines. */
        public static ClientWrite of(String... lines) {
            return new ClientWrite(List.of(lines));
        }

        @Override
        public boolean fromClient() {
            return true;
        }

        @Override
        public List<String> scriptLines(Notation notation) {
            List<String> out = new ArrayList<>(lines.size());
            for (String line : lines) {
                out.add(clientScriptLine(line, notation));
            }
            return out;
        }
    }

    /**
     * One reply of the server (RFC 5321 §4.2).
     *
     * @param reply the reply
     */
    public record ServerReply(Reply reply) implements Step {
        /** Checks for null. */
        public ServerReply {
            Objects.requireNonNull(reply, "reply");
        }

        @Override
        public boolean fromClient() {
            return false;
        }

        @Override
        public List<String> scriptLines(Notation notation) {
            List<String> out = new ArrayList<>();
            for (String wire : replyLines(reply)) {
                out.add(notation.serverPrefix() + " " + wire);
            }
            return out;
        }
    }

    /**
     * A note at a point of the conversation: the proxy's record of a session going encrypted,
     * a peer closing, octets it could not read as SMTP.
     *
     * @param step the index of the step the note comes before; {@code steps().size()} for the end
     * @param text the note; any characters, since a script holds it escaped
     */
    public record Note(int step, String text) {
        /** Checks for null and a negative step. */
        public Note {
            Objects.requireNonNull(text, "text");
            if (step < 0) {
                throw new IllegalArgumentException("step must not be negative: " + step);
            }
        }
    }

    private static final String STRING_SOURCE = "<string>";
    private static final String EXPECT = "expect:";
    private static final String TIME = "@";
    private static final String NOTE = "!";
    /** A line's time is not known. */
    private static final long NO_TIME = -1;

    private final List<Step> steps;
    private final List<String> comments;
    private final Notation notation;
    private final Optional<String> source;
    /** For each step, the source line of each of its lines; 0 where unknown. */
    private final List<int[]> sourceLines;
    /** For each step, the time of each of its lines in milliseconds, or {@link #NO_TIME}. */
    private final List<long[]> times;
    private final List<Note> notes;

    private Conversation(Builder b) {
        this.steps = List.copyOf(b.steps);
        this.comments = List.copyOf(b.comments);
        this.notation = b.notation;
        this.source = Optional.ofNullable(b.source);
        List<int[]> copies = new ArrayList<>(b.sourceLines.size());
        for (List<Integer> lines : b.sourceLines) {
            copies.add(lines.stream().mapToInt(Integer::intValue).toArray());
        }
        this.sourceLines = List.copyOf(copies);
        List<long[]> timeCopies = new ArrayList<>(b.times.size());
        for (List<Long> lines : b.times) {
            timeCopies.add(lines.stream().mapToLong(Long::longValue).toArray());
        }
        this.times = List.copyOf(timeCopies);
        this.notes = List.copyOf(b.notes);
    }

    /** Returns an empty builder in {@link Notation#CLIENT_SERVER} notation. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this conversation's steps, comments, notes and notation. */
    public Builder toBuilder() {
        Builder b = new Builder().notation(notation);
        comments.forEach(b::comment);
        int note = 0;
        for (int i = 0; i < steps.size(); i++) {
            for (; note < notes.size() && notes.get(note).step() == i; note++) {
                b.note(notes.get(note).text());
            }
            b.step(steps.get(i));
        }
        for (; note < notes.size(); note++) {
            b.note(notes.get(note).text());
        }
        return b;
    }

    /**
     * Reads a script from text.
     *
     * @throws IllegalArgumentException naming the line that cannot be read, as in
     *                                  {@code <string>:3: not a reply: ...}
     */
    public static Conversation parse(String script) {
        return parse(script, STRING_SOURCE);
    }

    /**
     * Reads a script file in UTF-8; reports and mismatches name the file and its lines.
     *
     * @throws IllegalArgumentException naming the file and line that cannot be read, as in
     *                                  {@code typical.txt:3: not a reply: ...}
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static Conversation read(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read conversation " + file, e);
        }
    }

    private static Conversation parse(String script, String sourceName) {
        Objects.requireNonNull(script, "script");
        String[] raw = script.split("\r\n|\r|\n", -1);
        boolean rfc821 = Arrays.stream(raw).anyMatch(l -> l.startsWith("R:"));
        Notation notation = rfc821 ? Notation.SENDER_RECEIVER : Notation.CLIENT_SERVER;
        Builder b = new Builder().notation(notation);
        b.source = sourceName;
        List<String> pending = new ArrayList<>();
        int pendingStart = 0;
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            int number = i + 1;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                b.comment(stripOneSpace(line.substring(1)));
                continue;
            }
            String escapedClient = notation.clientPrefix().charAt(0) + "=";
            boolean client = line.startsWith(notation.clientPrefix());
            boolean escaped = line.startsWith(escapedClient);
            boolean server = line.startsWith(notation.serverPrefix());
            boolean annotation = line.startsWith(TIME) || line.startsWith(NOTE);
            if (!client && !server && !escaped && !annotation) {
                throw syntaxError(sourceName, number, rfc821
                        ? "a script with R: lines (RFC 821 notation) has only S: or S= (client), R: (server),"
                                + " @, ! and # lines: " + line
                        : "a script line starts with C: or C= (client), S: (server), @ (time), ! (note) or #: " + line);
            }
            if ((client || escaped || annotation) && !pending.isEmpty()) {
                throw syntaxError(sourceName, number,
                        (annotation ? "time or note" : "client line") + " inside a multi-line reply that has not ended: "
                                + pending.get(0));
            }
            if (annotation) {
                annotate(b, stripOneSpace(line.substring(1)), line.startsWith(TIME), sourceName, number);
                continue;
            }
            String text = stripOneSpace(line.substring(2));
            if (client || escaped) {
                if (escaped) {
                    try {
                        text = Printable.unescape(text);
                    } catch (IllegalArgumentException e) {
                        throw syntaxError(sourceName, number, escapedClient + " line: " + e.getMessage());
                    }
                }
                b.clientAt(canonicalLine(text), number);
                continue;
            }
            if (pending.isEmpty()) {
                pendingStart = number;
            }
            pending.add(text);
            if (text.length() < 4 || text.charAt(3) != '-') {
                b.replyAt(parseReply(pending, sourceName, pendingStart), pendingStart);
                pending.clear();
            }
        }
        if (!pending.isEmpty()) {
            throw syntaxError(sourceName, pendingStart,
                    "the script ends inside a multi-line reply (RFC 5321 §4.2.1): " + pending.get(0));
        }
        return b.build();
    }

    private static void annotate(Builder b, String text, boolean time, String source, int line) {
        if (!time) {
            try {
                b.note(Printable.unescape(text));
            } catch (IllegalArgumentException e) {
                throw syntaxError(source, line, "note: " + e.getMessage());
            }
            return;
        }
        if (!text.matches("[0-9]{1,12}(\\.[0-9]{1,3})?")) {
            throw syntaxError(source, line,
                    "a time line is @ and seconds since the recording began, to the millisecond, such as @ 1.250: " + text);
        }
        int dot = text.indexOf('.');
        long millis = dot < 0 ? Long.parseLong(text) * 1000
                : Long.parseLong(text.substring(0, dot)) * 1000
                        + Long.parseLong((text.substring(dot + 1) + "00").substring(0, 3));
        b.time(Duration.ofMillis(millis));
    }

    /** Returns the script line of a client line: {@code C: text}, or {@code C= } with escapes. */
    static String clientScriptLine(String line, Notation notation) {
        if (line.indexOf('\r') < 0 && line.indexOf('\n') < 0 && !Printable.hasControl(line)) {
            return line.isEmpty() ? notation.clientPrefix() : notation.clientPrefix() + " " + line;
        }
        return notation.clientPrefix().charAt(0) + "= " + Printable.escape(line);
    }

    /** Returns the script line of a time: {@code @ 1.250}. */
    static String timeLine(Duration time) {
        long millis = time.toMillis();
        return String.format(java.util.Locale.ROOT, "%s %d.%03d", TIME, millis / 1000, millis % 1000);
    }

    /** Returns the script line of a note: {@code ! text}, escaped. */
    static String noteLine(String text) {
        return NOTE + " " + Printable.escape(text);
    }

    /**
     * Returns a line in its one form: text and one CRLF, with no other CR or LF, is the text alone,
     * as a line without a line end means "and CRLF".
     */
    static String canonicalLine(String line) {
        Objects.requireNonNull(line, "client line");
        if (line.endsWith("\r\n")) {
            String text = line.substring(0, line.length() - 2);
            if (text.indexOf('\r') < 0 && text.indexOf('\n') < 0) {
                return text;
            }
        }
        return line;
    }

    /** Returns the octets of one client line: its text and CRLF, or exactly its octets if it holds CR or LF. */
    static byte[] lineOctets(String line) {
        boolean exact = line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0;
        return Printable.encode(exact ? line : line + "\r\n");
    }

    /** Returns the client line that the octets of one line, with their line end, are: the inverse of {@link #lineOctets(String)}. */
    static String line(byte[] octets, int offset, int length) {
        return canonicalLine(Printable.decode(octets, offset, length));
    }

    /**
     * A script that cannot be read: the message begins with the source and the 1-based line
     * ({@code 0} for the end of the text), so that its author can fix it without a debugger.
     */
    private static IllegalArgumentException syntaxError(String source, int line, String problem) {
        return new IllegalArgumentException(source + ":" + line + ": " + problem);
    }

    private static Reply parseReply(List<String> lines, String source, int line) {
        try {
            return Reply.parse(String.join("\r\n", lines));
        } catch (SmtpSyntaxException | IllegalArgumentException e) {
            throw syntaxError(source, line, "not a reply: " + e.getMessage());
        }
    }

    private static String stripOneSpace(String s) {
        return s.startsWith(" ") ? s.substring(1) : s;
    }

    static List<String> replyLines(Reply reply) {
        String wire = reply.toString();
        return List.of(wire.substring(0, wire.length() - 2).split("\r\n", -1));
    }

    private static void requireNoLineBreak(String text, String what) {
        Objects.requireNonNull(text, what);
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(what + " must not contain CR or LF: "
                    + text.replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    /** Returns the steps in order. */
    public List<Step> steps() {
        return steps;
    }

    /** Returns the comments in order, each without its {@code #} and one following space. */
    public List<String> comments() {
        return comments;
    }

    /** Returns the text of each {@code # expect:} comment, trimmed. */
    public List<String> expectations() {
        List<String> out = new ArrayList<>();
        for (String c : comments) {
            if (c.startsWith(EXPECT)) {
                out.add(c.substring(EXPECT.length()).trim());
            }
        }
        return List.copyOf(out);
    }

    /** Returns the notation {@link #write()} uses. */
    public Notation notation() {
        return notation;
    }

    /** Returns the same conversation written in another notation. */
    public Conversation withNotation(Notation notation) {
        Builder b = toBuilder().notation(Objects.requireNonNull(notation, "notation"));
        b.source = source.orElse(null);
        b.sourceLines.clear();
        for (int[] lines : sourceLines) {
            b.sourceLines.add(Arrays.stream(lines).boxed().collect(java.util.stream.Collectors.toList()));
        }
        b.times.clear();
        for (long[] lines : times) {
            b.times.add(Arrays.stream(lines).boxed().collect(java.util.stream.Collectors.toList()));
        }
        return b.build();
    }

    /**
     * Returns the time of a step's line, since the recording began, when it is known.
     *
     * @param step  the 0-based index into {@link #steps()}
     * @param index the 0-based line within a client write; 0 for a reply
     */
    public Optional<Duration> time(int step, int index) {
        if (step < 0 || step >= times.size() || index < 0 || index >= times.get(step).length) {
            return Optional.empty();
        }
        long millis = times.get(step)[index];
        return millis == NO_TIME ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
    }

    /** Returns the notes in order. */
    public List<Note> notes() {
        return notes;
    }

    /** Returns the file name this conversation was read from, if it was read from a file. */
    public Optional<String> source() {
        return source;
    }

    /**
     * Returns the 1-based line of the source script that holds a step's line, when the
     * conversation was parsed; for a reply, its first line.
     *
     * @param step  the 0-based index into {@link #steps()}
     * @param index the 0-based line within a client write; 0 for a reply
     */
    public OptionalInt sourceLine(int step, int index) {
        if (step < 0 || step >= sourceLines.size() || index < 0 || index >= sourceLines.get(step).length) {
            return OptionalInt.empty();
        }
        int line = sourceLines.get(step)[index];
        return line > 0 ? OptionalInt.of(line) : OptionalInt.empty();
    }

    /** Returns every reply of the server, in order. */
    public List<Reply> replies() {
        return steps.stream().filter(s -> s instanceof ServerReply)
                .map(s -> ((ServerReply) s).reply()).toList();
    }

    /** Returns every line the client sends, in order. */
    public List<String> clientLines() {
        return steps.stream().filter(s -> s instanceof ClientWrite)
                .flatMap(s -> ((ClientWrite) s).lines().stream()).toList();
    }

    /**
     * Returns the script: the comments, a blank line, then the steps. A conversation in RFC 821
     * notation without any reply is written in {@link Notation#CLIENT_SERVER} notation, because
     * without an {@code R:} line its {@code S:} lines would read back as server lines.
     */
    public String write() {
        StringBuilder sb = new StringBuilder();
        for (String c : comments) {
            sb.append(c.isEmpty() ? "#" : "# " + c).append('\n');
        }
        if (!comments.isEmpty() && (!steps.isEmpty() || !notes.isEmpty())) {
            sb.append('\n');
        }
        boolean anyReply = steps.stream().anyMatch(s -> !s.fromClient());
        Notation n = anyReply ? notation : Notation.CLIENT_SERVER;
        int note = 0;
        for (int i = 0; i < steps.size(); i++) {
            for (; note < notes.size() && notes.get(note).step() == i; note++) {
                sb.append(noteLine(notes.get(note).text())).append('\n');
            }
            List<String> lines = steps.get(i).scriptLines(n);
            for (int k = 0; k < lines.size(); k++) {
                // a reply's time is that of its first line
                Optional<Duration> time = k == 0 || steps.get(i).fromClient() ? time(i, k) : Optional.empty();
                time.ifPresent(t -> sb.append(timeLine(t)).append('\n'));
                sb.append(lines.get(k)).append('\n');
            }
        }
        for (; note < notes.size(); note++) {
            sb.append(noteLine(notes.get(note).text())).append('\n');
        }
        return sb.toString();
    }

    /** Writes the script to a file in UTF-8. */
    public void write(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            Files.writeString(file, write(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write conversation " + file, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Conversation other && steps.equals(other.steps) && comments.equals(other.comments);
    }

    @Override
    public int hashCode() {
        return 31 * steps.hashCode() + comments.hashCode();
    }

    /** Returns the script, as {@link #write()}. */
    @Override
    public String toString() {
        return write();
    }

    /**
     * Builds a conversation step by step. Consecutive client lines are one write however they
     * are added, since the script format cannot tell two adjacent writes apart.
     */
    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();
        private final List<String> comments = new ArrayList<>();
        private final List<List<Integer>> sourceLines = new ArrayList<>();
        private final List<List<Long>> times = new ArrayList<>();
        private final List<Note> notes = new ArrayList<>();
        private Notation notation = Notation.CLIENT_SERVER;
        private String source;
        private long nextTime = NO_TIME;
        /** A note came after the last step: the next client line starts a new write. */
        private boolean noted;

        private Builder() {
        }

        /** Adds a comment, without its {@code #}; {@code comment("expect: ...")} adds an expectation. */
        public Builder comment(String text) {
            requireNoLineBreak(text, "comment");
            comments.add(text);
            return this;
        }

        /** Sets the notation {@link Conversation#write()} uses. */
        public Builder notation(Notation notation) {
            this.notation = Objects.requireNonNull(notation, "notation");
            return this;
        }

        /** Adds client lines, joining them to the previous step if it is a client write. */
        public Builder client(String... lines) {
            return client(List.of(Objects.requireNonNull(lines, "lines")));
        }

        /** Adds client lines, joining them to the previous step if it is a client write. */
        public Builder client(List<String> lines) {
            for (String line : new ClientWrite(lines).lines()) {
                clientAt(line, 0);
            }
            return this;
        }

        /**
         * Adds one or more replies given as wire lines without CRLF, such as
         * {@code server("250-mx.example.org", "250 PIPELINING")}.
         *
         * @throws IllegalArgumentException if the lines are not whole replies of RFC 5321 §4.2
         */
        public Builder server(String... lines) {
            Objects.requireNonNull(lines, "lines");
            List<String> pending = new ArrayList<>();
            for (String line : lines) {
                requireNoLineBreak(line, "reply line");
                pending.add(line);
                if (line.length() < 4 || line.charAt(3) != '-') {
                    replyAt(parseReply(pending, "builder", 0), 0);
                    pending.clear();
                }
            }
            if (!pending.isEmpty()) {
                throw new IllegalArgumentException("reply ends with a continuation line (RFC 5321 §4.2.1): "
                        + pending.get(pending.size() - 1));
            }
            return this;
        }

        /** Adds replies, each one step. */
        public Builder server(Reply... replies) {
            for (Reply reply : Objects.requireNonNull(replies, "replies")) {
                replyAt(Objects.requireNonNull(reply, "reply"), 0);
            }
            return this;
        }

        /** Adds a step; a client write is joined to a client write before it. */
        public Builder step(Step step) {
            Objects.requireNonNull(step, "step");
            if (step instanceof ClientWrite w) {
                return client(w.lines());
            }
            return server(((ServerReply) step).reply());
        }

        /** Adds every step of another conversation; its comments are not added. */
        public Builder steps(Conversation other) {
            Objects.requireNonNull(other, "other").steps().forEach(this::step);
            return this;
        }

        /**
         * Sets the time of the next line added, since the recording began, to the millisecond.
         *
         * @throws IllegalArgumentException if the time is negative
         */
        public Builder time(Duration sinceStart) {
            Objects.requireNonNull(sinceStart, "sinceStart");
            if (sinceStart.isNegative()) {
                throw new IllegalArgumentException("a time since the start must not be negative: " + sinceStart);
            }
            nextTime = sinceStart.toMillis();
            return this;
        }

        /** Adds a note at this point; the next client line starts a new write. */
        public Builder note(String text) {
            notes.add(new Note(steps.size(), text));
            noted = true;
            return this;
        }

        /** Returns whether no step has been added. */
        public boolean isEmpty() {
            return steps.isEmpty();
        }

        void clientAt(String line, int sourceLine) {
            Objects.requireNonNull(line, "client line");
            int last = steps.size() - 1;
            if (last >= 0 && !noted && steps.get(last) instanceof ClientWrite w) {
                List<String> joined = new ArrayList<>(w.lines());
                joined.add(line);
                steps.set(last, new ClientWrite(joined));
                sourceLines.get(last).add(sourceLine);
                times.get(last).add(takeTime());
            } else {
                steps.add(new ClientWrite(List.of(line)));
                sourceLines.add(new ArrayList<>(List.of(sourceLine)));
                times.add(new ArrayList<>(List.of(takeTime())));
            }
            noted = false;
        }

        void replyAt(Reply reply, int sourceLine) {
            steps.add(new ServerReply(reply));
            sourceLines.add(new ArrayList<>(List.of(sourceLine)));
            times.add(new ArrayList<>(List.of(takeTime())));
            noted = false;
        }

        private long takeTime() {
            long t = nextTime;
            nextTime = NO_TIME;
            return t;
        }

        /** Returns the conversation. */
        public Conversation build() {
            return new Conversation(this);
        }
    }
}
