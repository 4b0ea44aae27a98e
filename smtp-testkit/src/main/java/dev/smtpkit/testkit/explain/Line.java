package dev.smtpkit.testkit.explain;

import dev.smtpkit.core.Reply;
import dev.smtpkit.testkit.Conversation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of an SMTP conversation as it went over the wire, the unit an {@link Explanation} reads:
 * who sent it, its text without the
 * line ending, the line ending it actually had, and, where the source knows it, when it was
 * seen relative to the start of the connection.
 *
 * <p>A line ends at LF (RFC 5321 §2.3.8 requires CRLF). A CR that is not followed by LF stays in
 * the text, so that a bare CR can be reported; so does any other octet, decoded as UTF-8.
 *
 * @param side   who sent it
 * @param text   the line without its ending; may hold a bare CR, never an LF
 * @param ending how the line ended on the wire
 * @param octets the length of the text on the wire, in octets, without the ending
 * @param at     when it was seen, from the start of the connection, if known
 */
public record Line(Side side, String text, Ending ending, int octets, Optional<Duration> at) {

    /** Which end of an SMTP connection sent a line. */
    public enum Side {
        /** The SMTP client (RFC 5321 §2.3.1: the sender of commands). */
        CLIENT,
        /** The SMTP server (the sender of replies). */
        SERVER
    }

    /** How a line ended on the wire. */
    public enum Ending {
        /** CR LF, as RFC 5321 §2.3.8 requires. */
        CRLF,
        /** A bare LF, without the CR before it. */
        LF,
        /** No ending: the connection closed in the middle of the line. */
        NONE
    }

    /** Checks for nulls, that the text holds no LF and that the octet count is not negative. */
    public Line {
        Objects.requireNonNull(side, "side");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(ending, "ending");
        Objects.requireNonNull(at, "at");
        if (text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a line holds no LF; split the text at each LF");
        }
        if (octets < 0) {
            throw new IllegalArgumentException("octets must not be negative: " + octets);
        }
    }

    /** A client line that ended with CRLF, with no timing. */
    public static Line client(String text) {
        return of(Side.CLIENT, text, Ending.CRLF);
    }

    /** A server line that ended with CRLF, with no timing. */
    public static Line server(String text) {
        return of(Side.SERVER, text, Ending.CRLF);
    }

    /** A line with the given ending, its octets counted in UTF-8, with no timing. */
    public static Line of(Side side, String text, Ending ending) {
        Objects.requireNonNull(text, "text");
        return new Line(side, text, ending, text.getBytes(StandardCharsets.UTF_8).length, Optional.empty());
    }

    /**
     * Returns a conversation's lines: each client line, and each line of each reply, with CRLF
     * endings, since a script does not record how lines really ended.
     */
    public static List<Line> all(Conversation conversation) {
        Objects.requireNonNull(conversation, "conversation");
        List<Line> out = new ArrayList<>();
        for (Conversation.Step step : conversation.steps()) {
            if (step instanceof Conversation.ClientWrite w) {
                w.lines().forEach(l -> out.add(client(l)));
            } else {
                Reply reply = ((Conversation.ServerReply) step).reply();
                String wire = reply.toString();
                for (String l : wire.substring(0, wire.length() - 2).split("\r\n", -1)) {
                    out.add(server(l));
                }
            }
        }
        return List.copyOf(out);
    }

    /** Returns this line seen at the given time from the start of the connection. */
    public Line at(Duration when) {
        return new Line(side, text, ending, octets, Optional.of(Objects.requireNonNull(when, "when")));
    }

    /** Returns whether the text holds a CR that is not part of a line ending. */
    public boolean hasBareCr() {
        return text.indexOf('\r') >= 0;
    }
}
