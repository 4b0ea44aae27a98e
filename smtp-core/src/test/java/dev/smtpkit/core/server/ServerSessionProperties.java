package dev.smtpkit.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of {@link ServerSession} over random conversations, fed in random pieces: one reply
 * per command in order (RFC 2920 §3.1), the same replies and events whatever the split, RSET from
 * anywhere (RFC 5321 §4.1.1.5), no end of message without CRLF.CRLF (§4.1.1.4), none of the SMTP
 * smuggling family (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766), and bounded memory.
 */
class ServerSessionProperties {

    // ---------------------------------------------------------------- conversations

    /** What the client sends, one command with what belongs to it; text is one octet per char. */
    sealed interface Unit {
        String wire();
    }

    /** A command line without CRLF; never DATA or BDAT, whose octets that follow it are framed differently. */
    record Line(String text) implements Unit {
        @Override
        public String wire() {
            return text + "\r\n";
        }

        @Override
        public String toString() {
            return visible(text);
        }
    }

    /**
     * DATA, then body lines and the end of data. The body lines start with '#' or are empty or
     * "..", so when DATA is refused each of them is an unknown command (RFC 2920 §3.1).
     */
    record Data(List<String> body) implements Unit {
        @Override
        public String wire() {
            StringBuilder sb = new StringBuilder("DATA\r\n");
            body.forEach(l -> sb.append(l).append("\r\n"));
            return sb.append(".\r\n").toString();
        }

        @Override
        public String toString() {
            return "DATA" + body.stream().map(ServerSessionProperties::visible).toList();
        }
    }

    /** BDAT with its chunk, which the session reads whatever it answers (RFC 3030 §2). */
    record Bdat(String chunk, boolean last) implements Unit {
        @Override
        public String wire() {
            return "BDAT " + chunk.length() + (last ? " LAST" : "") + "\r\n" + chunk;
        }

        @Override
        public String toString() {
            return "BDAT " + chunk.length() + (last ? " LAST " : " ") + visible(chunk);
        }
    }

    static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\x%02X", (int) c));
        }
        return sb.length() > 80 ? sb.substring(0, 80) + "...(" + s.length() + ")" : sb.toString();
    }

    /** Octets with no CRLF in them: NUL, 8-bit, bare CR and bare LF included. */
    static Arbitrary<String> octets(int max) {
        return Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(max)
                .filter(s -> !s.contains("\r\n") && !s.endsWith("\r"));
    }

    static Arbitrary<Unit> validLine() {
        return Arbitraries.of(
                "EHLO client.example", "HELO client.example", "LHLO client.example",
                "MAIL FROM:<a@example.com>", "MAIL FROM:<> SIZE=100", "MAIL FROM:<a@example.com> BODY=8BITMIME",
                "RCPT TO:<ok@example.net>", "RCPT TO:<bad@example.net>", "RCPT TO:<Postmaster>",
                "RSET", "NOOP", "NOOP hello", "VRFY someone", "EXPN list", "HELP", "STARTTLS",
                "AUTH PLAIN AHVzZXIAc2VjcmV0", "AUTH LOGIN", "QUIT",
                "mail from:<a@example.com>", "RCPT TO: <ok@example.net>", "DATA x", "BDAT", "BDAT 1 FIRST",
                "BDAT 99999999999999999999").map(Line::new);
    }

    static Arbitrary<Unit> garbageLine() {
        Arbitrary<String> prefix = Arbitraries.of("", "MAIL FROM:", "RCPT TO:", "EHLO ", "NOOP ", "VRFY ", "X-", "\u0000", "\u00ff");
        return Combinators.combine(prefix, octets(40)).as((p, o) -> new Line(p + o));
    }

    static Arbitrary<Unit> longLine() {
        Arbitrary<Integer> length = Arbitraries.integers().between(500, 3000);
        Arbitrary<String> verb = Arbitraries.of("NOOP ", "AUTH PLAIN ", "MAIL FROM:<", "");
        return Combinators.combine(verb, length).as((v, n) -> new Line(v + "A".repeat(n)));
    }

    static Arbitrary<String> bodyLine() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, octets(30).map(s -> "#" + s)),
                Tuple.of(1, Arbitraries.just("")),
                Tuple.of(1, Arbitraries.just("..")),
                Tuple.of(1, Arbitraries.integers().between(900, 1100).map(n -> "#" + "b".repeat(n))));
    }

    static Arbitrary<Unit> data() {
        return bodyLine().list().ofMaxSize(6).map(Data::new);
    }

    static Arbitrary<Unit> bdat() {
        Arbitrary<String> chunk = Arbitraries.oneOf(octets(20),
                Arbitraries.of("", "\r\n.\r\n", "QUIT\r\n", "x\r\n.\r\nMAIL FROM:<evil@x.example>\r\n"));
        return Combinators.combine(chunk, Arbitraries.of(true, false)).as(Bdat::new);
    }

    @Provide
    Arbitrary<List<Unit>> conversation() {
        Arbitrary<Unit> unit = Arbitraries.frequencyOf(
                Tuple.of(10, validLine()),
                Tuple.of(3, garbageLine()),
                Tuple.of(1, longLine()),
                Tuple.of(3, data()),
                Tuple.of(3, bdat()));
        // Most conversations start well, so that transactions and messages are reached often.
        Arbitrary<List<Unit>> opening = Arbitraries.of(
                List.<Unit>of(),
                List.<Unit>of(new Line("EHLO client.example")),
                List.<Unit>of(new Line("EHLO client.example"), new Line("MAIL FROM:<a@example.com>"),
                        new Line("RCPT TO:<ok@example.net>")));
        return Combinators.combine(opening, unit.list().ofMaxSize(25)).as((o, rest) -> {
            List<Unit> all = new ArrayList<>(o);
            all.addAll(rest);
            return all;
        });
    }

    @Provide
    Arbitrary<ServerConfig> config() {
        Arbitrary<Boolean> bare = Arbitraries.of(true, false);
        Arbitrary<Long> size = Arbitraries.of(0L, 60L, 10_240_000L);
        Arbitrary<Integer> bad = Arbitraries.of(3, 20);
        return Combinators.combine(bare, size, bad).as((b, s, n) -> ServerConfig.builder().hostname("mx.example.org")
                .rejectBareLineEndings(b).authMechanisms(List.of("PLAIN")).allowAuthWithoutTls(true)
                .limits(Limits.builder().maxMessageSize(s).maxBadCommands(n).build()).build());
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.frequencyOf(
                        Tuple.of(4, Arbitraries.integers().between(1, 4)),
                        Tuple.of(2, Arbitraries.integers().between(5, 64)),
                        Tuple.of(1, Arbitraries.integers().between(65, 5000)))
                .list().ofMinSize(1).ofMaxSize(10);
    }

    static String wire(List<Unit> units) {
        StringBuilder sb = new StringBuilder();
        units.forEach(u -> sb.append(u.wire()));
        return sb.toString();
    }

    /** The application: it refuses recipients named "bad" and accepts everything else. */
    static Driver driver(ServerConfig config) {
        return new Driver(config, d -> d instanceof ServerEvent.RcptTo r
                && r.recipient().toString().startsWith("<bad") ? Replies.NO_SUCH_USER : null);
    }

    /** Feeds the octets in pieces of the given sizes (cycled), running the session after each. */
    static void feed(Driver d, byte[] octets, List<Integer> sizes) {
        int i = 0;
        for (int from = 0; from < octets.length; ) {
            int n = Math.min(sizes.get(i++ % sizes.size()), octets.length - from);
            d.send(java.util.Arrays.copyOfRange(octets, from, from + n));
            from += n;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What the client saw at the moment each reply was queued. */
    record Seen(Reply reply, ServerState state, boolean transactionOpen) {
    }

    static List<Seen> watch(Driver d) {
        List<Seen> seen = new ArrayList<>();
        d.session.observer(new ServerSession.Observer() {
            @Override
            public void sent(Reply reply) {
                seen.add(new Seen(reply, d.session.state(), d.session.envelope().isPresent()));
            }
        });
        return seen;
    }

    // ---------------------------------------------------------------- one reply per command

    @Property
    void everyCommandGetsExactlyOneReplyInOrder(@ForAll("conversation") List<Unit> units,
                                                @ForAll("config") ServerConfig config,
                                                @ForAll("splits") List<Integer> splits) {
        Driver d = driver(config);
        List<Seen> seen = watch(d);

        feed(d, bytes(wire(units)), splits);
        d.endOfInput();

        assertThat(d.session.state()).isEqualTo(ServerState.CLOSED);
        assertRepliesMatch(units, seen);
        assertMessagesEndOnce(d.events);
    }

    /**
     * Pairs replies with what was sent: one reply per command line; after 354 one more for the
     * data; after a refused DATA its body lines are commands. A 421 (too many errors) ends the
     * session, and so does 221: nothing after it is answered.
     */
    static void assertRepliesMatch(List<Unit> units, List<Seen> seen) {
        Deque<Unit> queue = new ArrayDeque<>(units);
        int r = 0;
        while (!queue.isEmpty()) {
            Unit u = queue.poll();
            assertThat(r).as("a reply for %s", u).isLessThan(seen.size());
            Seen s = seen.get(r++);
            int code = s.reply().code();
            if (code == 421) {
                assertThat(s.reply()).isEqualTo(Replies.TOO_MANY_ERRORS);
                return;
            }
            if (u instanceof Data data) {
                if (code == 354) {
                    assertThat(r).as("a reply for the data of %s", u).isLessThan(seen.size());
                    int end = seen.get(r++).reply().code();
                    assertThat(end).as("the reply at the end of data").isIn(250, 550, 552);
                } else {
                    assertThat(code).as("DATA refused").isIn(503, 554, 500, 501);
                    List<Unit> asCommands = new ArrayList<>();
                    data.body().forEach(l -> asCommands.add(new Line(l)));
                    asCommands.add(new Line("."));
                    for (int i = asCommands.size() - 1; i >= 0; i--) {
                        queue.addFirst(asCommands.get(i));
                    }
                }
                continue;
            }
            if (u instanceof Line line) {
                switch (line.text()) {
                    case "RSET" -> {
                        assertThat(code).as("RSET").isEqualTo(250);
                        assertThat(s.transactionOpen()).as("transaction after RSET").isFalse();
                        assertThat(s.state()).isIn(ServerState.CONNECTED, ServerState.READY);
                    }
                    case "NOOP", "NOOP hello" -> assertThat(code).as("NOOP").isEqualTo(250);
                    case "QUIT" -> {
                        assertThat(code).as("QUIT").isEqualTo(221);
                        assertThat(seen).as("nothing after QUIT").hasSize(r);
                        return;
                    }
                    default -> assertThat(code).as("reply to %s", line).isNotEqualTo(354);
                }
            }
        }
        if (r < seen.size()) {
            // The last command was the one too many: its own reply, then 421.
            assertThat(seen.subList(r, seen.size())).extracting(Seen::reply).containsExactly(Replies.TOO_MANY_ERRORS);
        }
    }

    /** Every MessageStart is followed by exactly one MessageEnd or MessageAborted, before anything else starts. */
    static void assertMessagesEndOnce(List<ServerEvent> events) {
        boolean open = false;
        for (ServerEvent e : events) {
            if (e instanceof ServerEvent.MessageStart) {
                assertThat(open).as("a message starts while another is open: %s", events).isFalse();
                open = true;
            } else if (e instanceof ServerEvent.MessageEnd || e instanceof ServerEvent.MessageAborted) {
                assertThat(open).as("%s without an open message: %s", e, events).isTrue();
                open = false;
            } else if (e instanceof ServerEvent.MessageData) {
                assertThat(open).as("data without an open message").isTrue();
            }
        }
        assertThat(open).as("a message left open at the end").isFalse();
    }

    // ---------------------------------------------------------------- any split, same result

    @Property
    void anySplitGivesTheSameRepliesAndEvents(@ForAll("conversation") List<Unit> units,
                                             @ForAll("config") ServerConfig config,
                                             @ForAll("splits") List<Integer> splits) {
        byte[] octets = bytes(wire(units));
        Driver whole = driver(config);
        whole.send(octets).endOfInput();
        Driver pieces = driver(config);
        feed(pieces, octets, splits);
        pieces.endOfInput();

        assertThat(pieces.replies).isEqualTo(whole.replies);
        assertThat(normalized(pieces.events)).isEqualTo(normalized(whole.events));
    }

    /** The events with adjacent MessageData joined, since how content is cut into events depends on the input's pieces. */
    static List<Object> normalized(List<ServerEvent> events) {
        List<Object> out = new ArrayList<>();
        ByteArrayOutputStream content = null;
        for (ServerEvent e : events) {
            if (e instanceof ServerEvent.MessageData d) {
                if (content == null) {
                    content = new ByteArrayOutputStream();
                }
                ByteBuffer b = d.content().duplicate();
                byte[] a = new byte[b.remaining()];
                b.get(a);
                content.writeBytes(a);
                continue;
            }
            if (content != null) {
                out.add("MessageData[" + new String(content.toByteArray(), StandardCharsets.ISO_8859_1) + "]");
                content = null;
            }
            out.add(e);
        }
        if (content != null) {
            out.add("MessageData[" + new String(content.toByteArray(), StandardCharsets.ISO_8859_1) + "]");
        }
        return out;
    }

    // ---------------------------------------------------------------- end of data

    static final String INTO_DATA = "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<ok@example.net>\r\nDATA\r\n";

    @Provide
    Arbitrary<String> unterminatedBody() {
        Arbitrary<String> piece = Arbitraries.frequencyOf(
                Tuple.of(4, octets(8)),
                Tuple.of(3, Arbitraries.of("\r", "\n", ".", "\r\n", "\r\n.", ".\r", "\n.\n", "\r.\r\n", "\r\n.\n", "\r\n.\r",
                        "\n.\r\n", "\r\r\n", "..\r\n", "QUIT\r\n")));
        return piece.list().ofMaxSize(30).map(l -> String.join("", l))
                .filter(s -> !s.contains("\r\n.\r\n") && !s.startsWith(".\r\n"));
    }

    @Property
    void noMessageEndWithoutCrlfDotCrlf(@ForAll("unterminatedBody") String body,
                                        @ForAll boolean policy,
                                        @ForAll("splits") List<Integer> splits) {
        Driver d = driver(ServerConfig.builder().rejectBareLineEndings(policy).build());
        feed(d, bytes(INTO_DATA + body), splits);
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).isEmpty();
        assertThat(d.session.state()).isEqualTo(ServerState.DATA);

        d.endOfInput();

        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).isEmpty();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(1);
        assertThat(d.eventsOf(ServerEvent.Closed.class)).extracting(ServerEvent.Closed::reason)
                .containsExactly(CloseReason.END_OF_INPUT);
        assertMessagesEndOnce(d.events);
    }

    // ---------------------------------------------------------------- SMTP smuggling

    static final List<String> SMUGGLING_ENDS = List.of("\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r", "\r\n.\n", "\r.\n");

    static final String SMUGGLED = "MAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\n";

    @Property
    void smugglingNeverEndsDataEarly(@ForAll("smugglingEnd") String fakeEnd,
                                    @ForAll boolean policy,
                                    @ForAll boolean realTerminator,
                                    @ForAll("splits") List<Integer> splits) {
        Driver d = driver(ServerConfig.builder().rejectBareLineEndings(policy).build());
        String input = INTO_DATA + "Subject: one\r\n\r\nx" + fakeEnd + SMUGGLED + (realTerminator ? "\r\n.\r\n" : "")
                + "QUIT\r\n";
        feed(d, bytes(input), splits);
        d.endOfInput();

        long dataCommands = d.replies.stream().filter(r -> r.code() == 354).count();
        assertThat(dataCommands).as("only the first DATA is a command").isEqualTo(1);
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).hasSizeLessThanOrEqualTo(1);
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).extracting(m -> m.sender().toString())
                .containsExactly("<a@example.com>");
        if (policy) {
            assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).isEmpty();
            assertThat(d.codes()).contains(550);
        } else {
            assertThat(d.messages).hasSize(1);
            assertThat(new String(d.messages.get(0), StandardCharsets.ISO_8859_1)).contains("MAIL FROM:<evil@x>");
        }
        assertMessagesEndOnce(d.events);
    }

    @Provide
    Arbitrary<String> smugglingEnd() {
        return Arbitraries.of(SMUGGLING_ENDS);
    }

    // ---------------------------------------------------------------- bounded memory

    @Property(tries = 20)
    void aLongCommandLineIsConsumedNotBuffered(@ForAll("longLinePrefix") String prefix,
                                               @ForAll @IntRange(min = 256, max = 65536) int piece) {
        Driver d = driver(ServerConfig.DEFAULTS).send("EHLO client.example\r\n");
        byte[] chunk = bytes(prefix + "x".repeat(piece));
        long fed = 0;
        while (fed < 1_000_000) {
            d.send(chunk);
            fed += chunk.length;
            chunk = bytes("x".repeat(piece));
            assertThat(d.session.bufferedInput()).as("after %d octets", fed).isLessThanOrEqualTo(4);
        }
        d.send("\r\nNOOP\r\n");
        assertThat(d.codes()).endsWith(500, 250);
        assertThat(d.replies.get(d.replies.size() - 2)).isEqualTo(Replies.LINE_TOO_LONG);
    }

    @Provide
    Arbitrary<String> longLinePrefix() {
        return Arbitraries.of("", "NOOP ", "AUTH PLAIN ", "MAIL FROM:<");
    }

    @Property(tries = 50)
    void dataFarPastTheSizeLimitIsNotDelivered(@ForAll("splits") List<Integer> splits,
                                               @ForAll @IntRange(min = 1, max = 2000) int limit) {
        Driver d = driver(ServerConfig.builder().limits(Limits.builder().maxMessageSize(limit).build()).build());
        StringBuilder body = new StringBuilder();
        while (body.length() < 200_000) {
            body.append("line ").append(body.length()).append(" of a message much larger than allowed\r\n");
        }
        feed(d, bytes(INTO_DATA + body + ".\r\nNOOP\r\n"), splits);

        long delivered = d.eventsOf(ServerEvent.MessageData.class).stream().mapToLong(e -> e.content().remaining()).sum();
        assertThat(delivered).isLessThanOrEqualTo(limit);
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).isEmpty();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).extracting(ServerEvent.MessageAborted::reason)
                .containsExactly(Replies.MESSAGE_TOO_BIG);
        assertThat(d.codes()).endsWith(354, 552, 250);
        assertThat(d.session.bufferedInput()).isZero();
    }
}
