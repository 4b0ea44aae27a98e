package dev.smtpkit.testkit.junit;

import dev.smtpkit.testkit.CapturedSession;
import dev.smtpkit.testkit.explain.Explanation;
import dev.smtpkit.testkit.explain.Line;
import java.util.List;
import java.util.Objects;

/**
 * The sessions a {@link MailSinkExtension}'s sink saw during a failed test, each explained
 * finding by finding, attached to the failure as a suppressed exception so that the test report
 * shows what the client under test actually said. It has no stack trace: it is a report, not an
 * error of its own. Not public: a report is read, never caught, and its class name in the report
 * says where it comes from.
 */
final class ExplainedTranscripts extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ExplainedTranscripts(String report) {
        super(report, null, false, false);
    }

    /**
     * Explains each session: a session still open is explained as far as it went, so that a
     * missing QUIT is reported only for a connection that has closed.
     */
    static String report(List<CapturedSession> sessions) {
        Objects.requireNonNull(sessions, "sessions");
        StringBuilder sb = new StringBuilder("what the mail sink saw (").append(sessions.size())
                .append(sessions.size() == 1 ? " session)" : " sessions)");
        for (CapturedSession s : sessions) {
            Explanation.Live live = Explanation.live();
            for (Line line : Line.all(s.transcript())) {
                live.add(line);
            }
            if (!s.isOpen()) {
                live.end();
            }
            Explanation e = live.explanation();
            sb.append("\n\nsession ").append(s.id()).append(" from ").append(s.clientAddress())
                    .append(s.isOpen() ? " (still open)" : "").append(":\n").append(e.render(Explanation.Style.PLAIN));
        }
        return sb.toString();
    }
}
