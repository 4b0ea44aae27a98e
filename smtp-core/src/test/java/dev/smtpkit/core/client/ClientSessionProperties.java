package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.core.server.ServerExtension;
import dev.smtpkit.core.server.ServerSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
 * ClientSession against ServerSession, wired in memory with both directions split at random
 * points: every envelope and body gets through intact. And the client's events do not depend
 * on how the server's bytes are split.
 */
class ClientSessionProperties {

    /** How the two sessions are configured. */
    enum Mode {
        DATA_ONE_AT_A_TIME, DATA_PIPELINED, BDAT, LMTP_DATA, LMTP_BDAT;

        boolean lmtp() {
            return this == LMTP_DATA || this == LMTP_BDAT;
        }

        boolean bdat() {
            return this == BDAT || this == LMTP_BDAT;
        }
    }

    // ---------------------------------------------------------------- generators

    static Arbitrary<Mailbox> mailbox() {
        Arbitrary<String> local = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789_-+").ofMinLength(1).ofMaxLength(12)),
                Tuple.of(1, Arbitraries.strings().withChars("abc\u00e9\u00fc\u65e5").ofMinLength(1).ofMaxLength(6)));
        Arbitrary<String> domain = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789")
                .ofMinLength(1).ofMaxLength(8).list().ofMinSize(1).ofMaxSize(3).map(l -> String.join(".", l));
        return Combinators.combine(local, domain).as(Mailbox::of);
    }

    @Provide
    Arbitrary<Envelope> envelopes() {
        Arbitrary<ReversePath> sender = Arbitraries.frequencyOf(
                Tuple.of(9, mailbox().map(ReversePath::of)), Tuple.of(1, Arbitraries.just(ReversePath.NULL)));
        Arbitrary<List<ForwardPath>> recipients = mailbox().map(ForwardPath::of).list().ofMinSize(1).ofMaxSize(20);
        return Combinators.combine(sender, recipients).as((s, r) -> Envelope.of(s, r)
                .withMailParameters(Parameters.builder().body(Parameters.Body.EIGHT_BIT_MIME).build()));
    }

    /** Any octets, rich in CR, LF, dots and the sequences around the end of data. */
    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(8);
        Arbitrary<byte[]> special = Arbitraries.of("\r", "\n", ".", "\r\n", "\r\n.\r\n", ".\r\n", "\r\n..", "\n.\n", "\r.\r")
                .map(s -> s.getBytes(StandardCharsets.ISO_8859_1));
        return Arbitraries.frequencyOf(Tuple.of(3, any), Tuple.of(3, special)).list().ofMaxSize(40).map(ClientSessionProperties::concat);
    }

    /** Content whose every line ends in CRLF, with dots where they matter. */
    @Provide
    Arbitrary<byte[]> crlfBodies() {
        Arbitrary<String> line = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20)),
                Tuple.of(1, Arbitraries.of(".", "..", ".x", "")));
        return line.list().ofMaxSize(15).map(l -> concat(l.stream()
                .map(s -> (s + "\r\n").getBytes(StandardCharsets.ISO_8859_1)).toList()));
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 64).list().ofMinSize(1).ofMaxSize(10);
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** The content as NORMALIZE_TO_CRLF means it: every bare CR and bare LF a CRLF. */
    static byte[] normalize(byte[] x) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < x.length; i++) {
            if (x[i] == '\r' || x[i] == '\n') {
                out.write('\r');
                out.write('\n');
                if (x[i] == '\r' && i + 1 < x.length && x[i + 1] == '\n') {
                    i++;
                }
            } else {
                out.write(x[i]);
            }
        }
        return out.toByteArray();
    }

    /** What the server must receive: DATA content always ends with a line end (RFC 5321 §4.1.1.4). */
    static byte[] expected(byte[] content, Mode mode) {
        if (mode.bdat() || content.length == 0 || (content.length >= 2 && content[content.length - 2] == '\r'
                && content[content.length - 1] == '\n')) {
            return content;
        }
        return concat(List.of(content, new byte[] {'\r', '\n'}));
    }

    // ---------------------------------------------------------------- client and server in memory

    /** Cycles through the split sizes. */
    static final class Splits {
        private final List<Integer> sizes;
        private int next;

        Splits(List<Integer> sizes) {
            this.sizes = sizes;
        }

        int next() {
            return sizes.get(next++ % sizes.size());
        }
    }

    record Delivery(List<byte[]> messages, List<Envelope> serverEnvelopes, List<TransactionResult> results,
                    ClientEvent.Closed closed) {
    }

    static Delivery deliver(Envelope envelope, byte[] body, Mode mode, boolean normalizeLineEndings, int chunkSize,
                            List<Integer> splitSizes) {
        ServerConfig.Builder sc = ServerConfig.builder().hostname("mx.example.org")
                .mode(mode.lmtp() ? ProtocolMode.LMTP : ProtocolMode.SMTP);
        if (mode == Mode.DATA_ONE_AT_A_TIME) {
            sc.extension(ServerExtension.PIPELINING, false);
        }
        if (!mode.bdat()) {
            sc.extension(ServerExtension.CHUNKING, false);
        }
        ServerSession server = new ServerSession(sc.build());
        ClientSession client = new ClientSession(ClientConfig.builder("client.example.com")
                .mode(mode.lmtp() ? ProtocolMode.LMTP : ProtocolMode.SMTP)
                .normalizeLineEndings(normalizeLineEndings).bdatChunkSize(chunkSize).build());
        Splits splits = new Splits(splitSizes);
        ByteArrayOutputStream toServer = new ByteArrayOutputStream();
        ByteArrayOutputStream toClient = new ByteArrayOutputStream();
        byte[][] pendingToServer = {new byte[0]};
        byte[][] pendingToClient = {new byte[0]};
        List<byte[]> messages = new ArrayList<>();
        List<Envelope> serverEnvelopes = new ArrayList<>();
        List<TransactionResult> results = new ArrayList<>();
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        ClientEvent.Closed closed = null;
        for (int round = 0; round < 1_000_000 && closed == null; round++) {
            for (ServerEvent e = server.nextEvent(); !(e instanceof ServerEvent.NeedInput); e = server.nextEvent()) {
                if (e instanceof ServerEvent.MessageStart) {
                    message.reset();
                } else if (e instanceof ServerEvent.MessageData d) {
                    ByteBuffer b = d.content();
                    byte[] copy = new byte[b.remaining()];
                    b.get(copy);
                    message.writeBytes(copy);
                } else if (e instanceof ServerEvent.MessageEnd end) {
                    messages.add(message.toByteArray());
                    serverEnvelopes.add(end.envelope());
                }
                if (e instanceof ServerEvent.Decision) {
                    server.accept();
                }
                if (e instanceof ServerEvent.AwaitingDecision) {
                    throw new AssertionError("a decision was left pending: " + e);
                }
            }
            pendingToClient[0] = concat(List.of(pendingToClient[0], server.takeOutput()));
            pendingToClient[0] = feed(pendingToClient[0], splits.next(), b -> client.receive(ByteBuffer.wrap(b)));
            for (ClientEvent e = client.nextEvent(); !(e instanceof ClientEvent.NeedInput); e = client.nextEvent()) {
                if (e instanceof ClientEvent.Ready) {
                    client.send(envelope);
                } else if (e instanceof ClientEvent.ReadyForContent) {
                    int at = 0;
                    while (at < body.length) {
                        int n = Math.min(splits.next(), body.length - at);
                        client.writeData(ByteBuffer.wrap(body, at, n));
                        at += n;
                        // a transport bounds memory by writing what each piece produced
                        toServer.writeBytes(client.takeOutput());
                    }
                    client.endData();
                } else if (e instanceof ClientEvent.TransactionCompleted t) {
                    results.add(t.result());
                    client.quit();
                } else if (e instanceof ClientEvent.Closed c) {
                    closed = c;
                }
            }
            toServer.writeBytes(client.takeOutput());
            pendingToServer[0] = concat(List.of(pendingToServer[0], toServer.toByteArray()));
            toServer.reset();
            pendingToServer[0] = feed(pendingToServer[0], splits.next(), b -> server.receive(ByteBuffer.wrap(b)));
        }
        assertThat(closed).as("the session ended").isNotNull();
        return new Delivery(messages, serverEnvelopes, results, closed);
    }

    /** Feeds up to {@code n} octets, returning the rest. */
    private static byte[] feed(byte[] pending, int n, java.util.function.Consumer<byte[]> to) {
        int k = Math.min(n, pending.length);
        if (k > 0) {
            to.accept(Arrays.copyOf(pending, k));
        }
        return Arrays.copyOfRange(pending, k, pending.length);
    }

    static void checkDelivered(Delivery d, Envelope envelope, byte[] expected, Mode mode) {
        assertThat(d.closed().cause()).isEqualTo(ClientEvent.CloseCause.QUIT);
        assertThat(d.messages()).hasSize(1);
        assertThat(d.messages().get(0)).isEqualTo(expected);
        assertThat(d.serverEnvelopes().get(0).sender()).isEqualTo(envelope.sender());
        assertThat(d.serverEnvelopes().get(0).forwardPaths()).isEqualTo(envelope.forwardPaths());
        assertThat(d.results()).hasSize(1);
        TransactionResult r = d.results().get(0);
        assertThat(r.recipients()).allMatch(TransactionResult.RecipientResult::isDelivered);
        assertThat(r.dataReplies()).hasSize(mode.lmtp() ? envelope.recipients().size() : 1);
    }

    @Property
    void anyBodyArrivesNormalised(@ForAll("envelopes") Envelope envelope, @ForAll("bodies") byte[] body,
                                  @ForAll Mode mode, @ForAll @IntRange(min = 1, max = 40) int chunkSize,
                                  @ForAll("splits") List<Integer> splits) {
        Delivery d = deliver(envelope, body, mode, true, chunkSize, splits);
        checkDelivered(d, envelope, expected(normalize(body), mode), mode);
    }

    @Property
    void crlfContentArrivesByteForByte(@ForAll("envelopes") Envelope envelope, @ForAll("crlfBodies") byte[] body,
                                       @ForAll Mode mode, @ForAll @IntRange(min = 1, max = 40) int chunkSize,
                                       @ForAll("splits") List<Integer> splits) {
        Delivery d = deliver(envelope, body, mode, false, chunkSize, splits);
        checkDelivered(d, envelope, body, mode);
    }

    // ---------------------------------------------------------------- reply splits

    /** A server's side of one transaction, the replies chosen per recipient. */
    record Script(boolean pipelining, List<Integer> rcptCodes, boolean multiline) {
        boolean anyAccepted() {
            return rcptCodes.contains(250);
        }

        String text() {
            StringBuilder s = new StringBuilder("220 mx.example.org ESMTP\r\n");
            s.append(multiline ? "250-mx.example.org\r\n250-8BITMIME\r\n" : "250-mx.example.org\r\n");
            s.append(pipelining ? "250 PIPELINING\r\n" : "250 SIZE 100000\r\n");
            s.append("250 2.1.0 sender ok\r\n");
            for (int code : rcptCodes) {
                s.append(multiline && code != 250 ? code + "-first line\r\n" + code + " second line\r\n" : code + " rcpt\r\n");
            }
            if (anyAccepted()) {
                s.append("354 go ahead\r\n250 2.0.0 queued\r\n");
            } else {
                s.append(pipelining ? "554 5.5.1 no valid recipients\r\n" : "").append("250 2.0.0 reset\r\n");
            }
            return s.append("221 2.0.0 bye\r\n").toString();
        }
    }

    @Provide
    Arbitrary<Script> scripts() {
        return Combinators.combine(Arbitraries.of(true, false),
                Arbitraries.of(250, 250, 450, 550, 452).list().ofMinSize(1).ofMaxSize(20),
                Arbitraries.of(true, false)).as(Script::new);
    }

    /** Runs a caller that sends one message and quits, feeding the script in the given pieces. */
    static List<String> eventsFor(Script script, List<Integer> sizes) {
        ClientSession session = new ClientSession(ClientConfig.builder("client.example.com").build());
        byte[] all = script.text().getBytes(StandardCharsets.US_ASCII);
        List<String> seen = new ArrayList<>();
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        Splits splits = new Splits(sizes);
        CausalFeed feed = new CausalFeed(all);
        while (feed.hasMore()) {
            int n = splits.next();
            assertThat(feed.deliver(session, n, false)).as("the script answers only commands sent").isPositive();
            for (ClientEvent e = session.nextEvent(); !(e instanceof ClientEvent.NeedInput); e = session.nextEvent()) {
                seen.add(e.toString());
                if (e instanceof ClientEvent.Ready) {
                    List<Mailbox> to = new ArrayList<>();
                    for (int i = 0; i < script.rcptCodes().size(); i++) {
                        to.add(Mailbox.of("r" + i, "example.org"));
                    }
                    session.send(Envelope.of(Mailbox.of("s", "example.com"), to.toArray(Mailbox[]::new)));
                } else if (e instanceof ClientEvent.ReadyForContent) {
                    session.writeData(ByteBuffer.wrap("Subject: x\r\n\r\n.\r\n".getBytes(StandardCharsets.US_ASCII)));
                    session.endData();
                } else if (e instanceof ClientEvent.TransactionCompleted) {
                    session.quit();
                }
            }
            written.writeBytes(session.takeOutput());
        }
        seen.add(written.toString(StandardCharsets.US_ASCII));
        return seen;
    }

    @Property
    void replySplitsDoNotChangeTheEvents(@ForAll("scripts") Script script, @ForAll("splits") List<Integer> splits) {
        List<String> whole = eventsFor(script, List.of(Integer.MAX_VALUE));
        assertThat(whole.get(whole.size() - 2)).startsWith("Closed[cause=QUIT");
        assertThat(whole).anyMatch(s -> s.startsWith("TransactionCompleted"));
        assertThat(eventsFor(script, splits)).isEqualTo(whole);
    }
}
