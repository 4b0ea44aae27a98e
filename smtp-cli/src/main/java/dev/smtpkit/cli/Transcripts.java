package dev.smtpkit.cli;

import dev.smtpkit.testkit.Conversation;
import dev.smtpkit.testkit.explain.Line;
import dev.smtpkit.testkit.explain.Line.Side;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the conversations in what {@code smtpkit explain} is given, whichever it is: a libpcap
 * capture, the wire transcript {@code smtpkit catch -v} or {@code sink -v} logs (one conversation
 * per session id), the output of {@code smtpkit proxy} without {@code --record} (one script per
 * {@code # connection N}), or one script in the {@code C:}/{@code S:} format.
 */
final class Transcripts {

    /** One conversation and where it came from. */
    record Source(String name, List<Line> lines) {
    }

    /** A transcript line as slf4j-simple writes the server's: {@code 12:00:01.250 [DEBUG] id /addr C: text}. */
    private static final Pattern LOGGED = Pattern.compile(
            "^(?:(\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?) )?\\[DEBUG\\] (\\S+) (\\S+) ([CS]):(?: (.*))?$");
    private static final Pattern CONNECTION = Pattern.compile("^# connection (\\d+)\\s*$");

    private Transcripts() {
    }

    /**
     * Returns the conversations in the bytes.
     *
     * @throws CliFailure (usage) naming what cannot be read
     */
    static List<Source> read(byte[] bytes, String name) {
        if (Pcap.looksLikeCapture(bytes)) {
            List<Pcap.Segment> segments;
            try {
                segments = Pcap.segments(bytes);
            } catch (IllegalArgumentException e) {
                throw CliFailure.usage(name + ": " + e.getMessage());
            }
            List<Source> out = new ArrayList<>();
            for (TcpSessions.Session s : TcpSessions.smtp(segments)) {
                out.add(new Source(s.name(), s.lines()));
            }
            if (out.isEmpty()) {
                throw CliFailure.failed(name + ": no SMTP conversation in the capture (" + segments.size()
                        + " TCP segments; a conversation starts with a 220 greeting)");
            }
            return out;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<String> lines = List.of(text.split("\r?\n", -1));
        if (lines.stream().anyMatch(l -> LOGGED.matcher(l).matches())) {
            return logged(lines);
        }
        return scripts(lines, name);
    }

    private static List<Source> logged(List<String> lines) {
        Map<String, List<Line>> sessions = new LinkedHashMap<>();
        Map<String, LocalTime> starts = new LinkedHashMap<>();
        for (String l : lines) {
            Matcher m = LOGGED.matcher(l);
            if (!m.matches()) {
                continue;
            }
            String id = m.group(2) + " " + m.group(3);
            Side side = m.group(4).equals("C") ? Side.CLIENT : Side.SERVER;
            Line line = Line.of(side, m.group(5) == null ? "" : m.group(5), Line.Ending.CRLF);
            Optional<LocalTime> time = time(m.group(1));
            if (time.isPresent()) {
                LocalTime start = starts.computeIfAbsent(id, k -> time.get());
                line = line.at(Duration.between(start, time.get()));
            }
            sessions.computeIfAbsent(id, k -> new ArrayList<>()).add(line);
        }
        List<Source> out = new ArrayList<>();
        sessions.forEach((id, ls) -> out.add(new Source("session " + id, ls)));
        return out;
    }

    private static Optional<LocalTime> time(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalTime.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static List<Source> scripts(List<String> lines, String name) {
        List<Source> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        String label = name;
        boolean split = false;
        for (String l : lines) {
            Matcher m = CONNECTION.matcher(l);
            if (m.matches()) {
                if (split || !current.toString().isBlank()) {
                    add(out, current.toString(), label);
                }
                split = true;
                current.setLength(0);
                label = name + ", connection " + m.group(1);
                continue;
            }
            current.append(l).append('\n');
        }
        add(out, current.toString(), label);
        return out;
    }

    private static void add(List<Source> out, String script, String label) {
        Conversation c;
        try {
            c = Conversation.parse(script);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(label + ": not a script, a recording, a transcript or a pcap capture: " + e.getMessage());
        }
        if (!c.steps().isEmpty()) {
            out.add(new Source(label, Line.all(c)));
        }
    }
}
