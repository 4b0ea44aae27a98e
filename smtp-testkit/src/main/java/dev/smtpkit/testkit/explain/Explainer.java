package dev.smtpkit.testkit.explain;

import dev.smtpkit.core.Reply;
import dev.smtpkit.testkit.Conversation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Says what an SMTP conversation means: given its lines, in the order they were seen, it returns
 * {@link Finding findings} such as a connection cache's RSET probe, a HELO without a domain, or
 * a proxy answering DATA for the server. The checks are listed in {@link Check} and in the
 * README's finding table.
 *
 * <pre>{@code
 * Explanation e = Explainer.explain(Conversation.read(Path.of("session.txt")));
 * e.findings().forEach(System.out::println);
 * System.out.print(e.render(Explanation.Style.PLAIN));
 * }</pre>
 *
 * <p>For a conversation still going on (a proxy showing it live), {@link #live()} takes one line
 * at a time, or the raw bytes of either side, and returns each finding as soon as the lines it
 * rests on have been seen; the work per line is constant, so feeding a long session costs no
 * more than explaining it once.
 *
 * <p>Stateless and thread-safe; a {@link Live} is for one thread.
 */
public final class Explainer {

    private Explainer() {
    }

    /**
     * Explains a whole connection, from its greeting to its close: the end of the lines is the
     * end of the connection, so a missing QUIT is reported.
     */
    public static Explanation explain(List<Line> lines) {
        return explain(lines, Middleboxes.builtIn());
    }

    static Explanation explain(List<Line> lines, Middleboxes middleboxes) {
        Objects.requireNonNull(lines, "lines");
        Live live = new Live(middleboxes);
        for (Line line : lines) {
            live.add(Objects.requireNonNull(line, "line"));
        }
        live.end();
        return live.explanation();
    }

    /** Explains a conversation in the script format, as a whole connection; every line ended in CRLF. */
    public static Explanation explain(Conversation conversation) {
        return explain(lines(conversation));
    }

    /**
     * Returns a conversation's lines: each client line, and each line of each reply, with CRLF
     * endings, since a script does not record how lines really ended.
     */
    public static List<Line> lines(Conversation conversation) {
        Objects.requireNonNull(conversation, "conversation");
        List<Line> out = new ArrayList<>();
        for (Conversation.Step step : conversation.steps()) {
            if (step instanceof Conversation.ClientWrite w) {
                w.lines().forEach(l -> out.add(Line.client(l)));
            } else {
                Reply reply = ((Conversation.ServerReply) step).reply();
                String wire = reply.toString();
                for (String l : wire.substring(0, wire.length() - 2).split("\r\n", -1)) {
                    out.add(Line.server(l));
                }
            }
        }
        return List.copyOf(out);
    }

    /** Starts explaining a conversation that is still going on. */
    public static Live live() {
        return new Live(Middleboxes.builtIn());
    }

    /**
     * A conversation explained as it goes: {@link #add(Line)} each line in the order seen, and
     * {@link #end()} when the connection closes.
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
        public List<Finding> bytes(Side side, byte[] bytes, int offset, int length, java.util.Optional<java.time.Duration> at) {
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
                a.finish(java.util.Optional.empty()).ifPresent(l -> out.addAll(analysis.add(l)));
            }
            out.addAll(analysis.end());
            return out;
        }

        /** Returns the lines so far with every finding so far. */
        public Explanation explanation() {
            java.util.BitSet secret = new java.util.BitSet();
            for (int n = 1; n <= analysis.lines().size(); n++) {
                if (analysis.isSecret(n)) {
                    secret.set(n);
                }
            }
            return new Explanation(analysis.lines(), analysis.findings(), secret);
        }
    }
}
