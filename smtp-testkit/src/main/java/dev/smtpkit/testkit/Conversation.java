package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpSyntaxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * </ul>
 *
 * <p>{@link #write()} (also {@link #toString()}) gives the script back with all comments first,
 * so {@code parse(c.write()).equals(c)} for every conversation. Equality is over the steps and
 * the comments; the {@link Notation}, the source name and the source line numbers are
 * presentation and do not take part.
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
     * message data as on the wire, each without its CRLF.
     *
     * @param lines at least one line, none holding CR or LF
     */
    public record ClientWrite(List<String> lines) implements Step {
        /** Checks there is a line and that no line holds a line break. */
        public ClientWrite {
            lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
            if (lines.isEmpty()) {
                throw new IllegalArgumentException("a client write has at least one line");
            }
            for (String line : lines) {
                requireNoLineBreak(line, "client line");
            }
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
                out.add(line.isEmpty() ? notation.clientPrefix() : notation.clientPrefix() + " " + line);
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

    private static final String STRING_SOURCE = "<string>";
    private static final String EXPECT = "expect:";

    private final List<Step> steps;
    private final List<String> comments;
    private final Notation notation;
    private final Optional<String> source;
    /** For each step, the source line of each of its lines; 0 where unknown. */
    private final List<int[]> sourceLines;

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
    }

    /** Returns an empty builder in {@link Notation#CLIENT_SERVER} notation. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this conversation's steps, comments and notation. */
    public Builder toBuilder() {
        Builder b = new Builder().notation(notation);
        comments.forEach(b::comment);
        steps.forEach(b::step);
        return b;
    }

    /**
     * Reads a script from text.
     *
     * @throws ConversationSyntaxException naming the line that cannot be read
     */
    public static Conversation parse(String script) {
        return parse(script, STRING_SOURCE);
    }

    /**
     * Reads a script file in UTF-8; reports and mismatches name the file and its lines.
     *
     * @throws ConversationSyntaxException naming the file and line that cannot be read
     * @throws UncheckedIOException        if the file cannot be read
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
            boolean client = line.startsWith(notation.clientPrefix());
            boolean server = line.startsWith(notation.serverPrefix());
            if (!client && !server) {
                throw new ConversationSyntaxException(sourceName, number, rfc821
                        ? "a script with R: lines (RFC 821 notation) has only S: (client), R: (server)"
                                + " and # lines: " + line
                        : "a script line starts with C: (client), S: (server) or #: " + line);
            }
            String text = stripOneSpace(line.substring(2));
            if (client) {
                if (!pending.isEmpty()) {
                    throw new ConversationSyntaxException(sourceName, number,
                            "client line inside a multi-line reply that has not ended: " + pending.get(0));
                }
                b.clientAt(text, number);
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
            throw new ConversationSyntaxException(sourceName, pendingStart,
                    "the script ends inside a multi-line reply (RFC 5321 §4.2.1): " + pending.get(0));
        }
        return b.build();
    }

    private static Reply parseReply(List<String> lines, String source, int line) {
        try {
            return Reply.parse(String.join("\r\n", lines));
        } catch (SmtpSyntaxException | IllegalArgumentException e) {
            throw new ConversationSyntaxException(source, line, "not a reply: " + e.getMessage());
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
        return b.build();
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
        if (!comments.isEmpty() && !steps.isEmpty()) {
            sb.append('\n');
        }
        boolean anyReply = steps.stream().anyMatch(s -> !s.fromClient());
        Notation n = anyReply ? notation : Notation.CLIENT_SERVER;
        for (Step step : steps) {
            for (String line : step.scriptLines(n)) {
                sb.append(line).append('\n');
            }
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
        private Notation notation = Notation.CLIENT_SERVER;
        private String source;

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

        /** Returns whether no step has been added. */
        public boolean isEmpty() {
            return steps.isEmpty();
        }

        void clientAt(String line, int sourceLine) {
            requireNoLineBreak(line, "client line");
            int last = steps.size() - 1;
            if (last >= 0 && steps.get(last) instanceof ClientWrite w) {
                List<String> joined = new ArrayList<>(w.lines());
                joined.add(line);
                steps.set(last, new ClientWrite(joined));
                sourceLines.get(last).add(sourceLine);
            } else {
                steps.add(new ClientWrite(List.of(line)));
                sourceLines.add(new ArrayList<>(List.of(sourceLine)));
            }
        }

        void replyAt(Reply reply, int sourceLine) {
            steps.add(new ServerReply(reply));
            sourceLines.add(new ArrayList<>(List.of(sourceLine)));
        }

        /** Returns the conversation. */
        public Conversation build() {
            return new Conversation(this);
        }
    }
}
