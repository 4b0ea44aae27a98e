package dev.smtpkit.testkit.junit;

import dev.smtpkit.testkit.CapturedSession;
import dev.smtpkit.testkit.explain.Explainer;
import dev.smtpkit.testkit.explain.Explanation;
import dev.smtpkit.testkit.explain.Line;
import java.util.List;
import java.util.Objects;

/**
 * The sessions a {@link MailSinkExtension}'s sink saw during a failed test, each explained
 * finding by finding, attached to the failure as a suppressed exception so that the test report
 * shows what the client under test actually said. It has no stack trace: it is a report, not an
 * error of its own.
 */
public final class ExplainedTranscripts extends RuntimeException {

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
            Explainer.Live live = Explainer.live();
            for (Line line : Explainer.lines(s.transcript())) {
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
