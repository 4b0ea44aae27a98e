package dev.smtpkit.cli;

import dev.smtpkit.testkit.explain.Line;
import dev.smtpkit.testkit.internal.LineAssembler;
import dev.smtpkit.testkit.explain.Line.Side;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Puts the TCP segments of a capture back together into SMTP conversations: each connection's
 * two byte streams in sequence-number order (out-of-order segments sorted, retransmissions and
 * overlaps dropped), cut into lines, and the lines of both sides merged in the order they were
 * captured. A connection is SMTP, on whatever port, when the side that accepted it (or, without
 * the handshake in the capture, either side) starts with a 220 greeting (RFC 5321 §3.1). After a
 * 220 reply to STARTTLS the rest is TLS, and the conversation stops there.
 */
final class TcpSessions {

    private static final long HALF_SEQUENCE_SPACE = 1L << 31;
    private static final long SEQUENCE_SPACE = 1L << 32;

    /** One SMTP conversation from the capture. */
    record Session(String client, String server, List<Line> lines) {
        String name() {
            return client + " -> " + server;
        }
    }

    /** One direction of a connection: its segments and, when the SYN was captured, its first sequence number. */
    private static final class Direction {
        final String source;
        final List<Pcap.Segment> segments = new ArrayList<>();
        Long isn;

        Direction(String source) {
            this.source = source;
        }
    }

    private static final class Connection {
        final Map<String, Direction> directions = new LinkedHashMap<>();
        final long start;
        String client;
        boolean hasPayload;

        Connection(long start) {
            this.start = start;
        }

        Direction direction(String source) {
            return directions.computeIfAbsent(source, Direction::new);
        }
    }

    private TcpSessions() {
    }

    static List<Session> smtp(List<Pcap.Segment> segments) {
        Map<String, Connection> open = new LinkedHashMap<>();
        List<Connection> all = new ArrayList<>();
        for (Pcap.Segment s : segments) {
            String key = s.source().compareTo(s.destination()) < 0
                    ? s.source() + " " + s.destination() : s.destination() + " " + s.source();
            Connection c = open.get(key);
            boolean opening = s.syn() && !s.ack();
            if (c == null || (opening && c.hasPayload)) {
                // A new connection, or the same ports used again after the last one ended.
                c = new Connection(s.nanos());
                open.put(key, c);
                all.add(c);
            }
            Direction d = c.direction(s.source());
            if (s.syn()) {
                d.isn = (s.seq() + 1) % SEQUENCE_SPACE;
                if (opening) {
                    c.client = s.source();
                } else if (c.client == null) {
                    c.client = s.destination();
                }
            }
            if (s.payload().length > 0) {
                d.segments.add(s);
                c.hasPayload = true;
            }
        }
        List<Session> out = new ArrayList<>();
        for (Connection c : all) {
            session(c).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<Session> session(Connection c) {
        List<Direction> ds = new ArrayList<>(c.directions.values());
        Direction server = null;
        Direction client = null;
        for (Direction d : ds) {
            boolean greets = startsWithGreeting(d);
            boolean isClient = d.source.equals(c.client);
            if (greets && !isClient && server == null) {
                server = d;
            }
        }
        if (server == null) {
            return Optional.empty();
        }
        for (Direction d : ds) {
            if (d != server) {
                client = d;
            }
        }
        List<Line> serverLines = lines(server, Side.SERVER, c.start);
        List<Line> clientLines = client == null ? List.of() : lines(client, Side.CLIENT, c.start);
        String clientName = client != null ? client.source : c.client != null ? c.client : "(client)";
        return Optional.of(new Session(clientName, server.source, untilTls(merge(serverLines, clientLines))));
    }

    private static boolean startsWithGreeting(Direction d) {
        List<byte[]> chunks = new ArrayList<>();
        reassemble(d, (time, bytes) -> chunks.add(bytes));
        StringBuilder sb = new StringBuilder();
        for (byte[] b : chunks) {
            sb.append(new String(b, StandardCharsets.ISO_8859_1));
            if (sb.length() >= 4) {
                break;
            }
        }
        return sb.length() >= 4 && sb.substring(0, 3).equals("220") && (sb.charAt(3) == ' ' || sb.charAt(3) == '-'
                || sb.charAt(3) == '\r' || sb.charAt(3) == '\n');
    }

    private interface ChunkSink {
        void take(long nanos, byte[] bytes);
    }

    /** Hands on the direction's bytes in sequence order, each chunk with its capture time. */
    private static void reassemble(Direction d, ChunkSink sink) {
        if (d.segments.isEmpty()) {
            return;
        }
        long base = d.isn != null ? d.isn : d.segments.get(0).seq();
        record Placed(long offset, Pcap.Segment segment) {
        }
        List<Placed> placed = new ArrayList<>();
        for (Pcap.Segment s : d.segments) {
            long offset = Math.floorMod(s.seq() - base, SEQUENCE_SPACE);
            if (offset < HALF_SEQUENCE_SPACE) {
                placed.add(new Placed(offset, s));
            }
        }
        placed.sort(Comparator.comparingLong(Placed::offset));
        long position = 0;
        for (Placed p : placed) {
            byte[] payload = p.segment().payload();
            long end = p.offset() + payload.length;
            if (end <= position) {
                continue;
            }
            // A gap (a segment the capture missed) is skipped: what follows is still shown.
            long from = Math.max(p.offset(), position);
            byte[] chunk = java.util.Arrays.copyOfRange(payload, (int) (from - p.offset()), payload.length);
            sink.take(p.segment().nanos(), chunk);
            position = end;
        }
    }

    private static List<Line> lines(Direction d, Side side, long start) {
        LineAssembler assembler = new LineAssembler(side);
        List<Line> out = new ArrayList<>();
        long[] last = {start};
        reassemble(d, (nanos, bytes) -> {
            // Bytes are read in sequence order; a segment that came early waits for those before it.
            last[0] = Math.max(last[0], nanos);
            long when = last[0];
            out.addAll(assembler.feed(bytes, 0, bytes.length, Optional.of(Duration.ofNanos(when - start))));
        });
        assembler.finish(Optional.of(Duration.ofNanos(last[0] - start))).ifPresent(out::add);
        return out;
    }

    /** Both sides' lines in capture order; a server line first when both were captured at once. */
    private static List<Line> merge(List<Line> server, List<Line> client) {
        List<Line> out = new ArrayList<>(server.size() + client.size());
        int s = 0;
        int c = 0;
        while (s < server.size() || c < client.size()) {
            boolean takeServer = c >= client.size() || (s < server.size()
                    && server.get(s).at().orElseThrow().compareTo(client.get(c).at().orElseThrow()) <= 0);
            out.add(takeServer ? server.get(s++) : client.get(c++));
        }
        return out;
    }

    /** Cuts the conversation after a 220 reply to STARTTLS (RFC 3207 §4.2): the rest is TLS records. */
    private static List<Line> untilTls(List<Line> lines) {
        boolean startTls = false;
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            String text = l.text();
            if (l.side() == Side.CLIENT) {
                startTls |= text.equalsIgnoreCase("STARTTLS");
            } else if (text.length() == 3 || (text.length() > 3 && text.charAt(3) != '-')) {
                if (startTls && text.startsWith("220")) {
                    return List.copyOf(lines.subList(0, i + 1));
                }
                startTls = false;
            }
        }
        return lines;
    }
}
