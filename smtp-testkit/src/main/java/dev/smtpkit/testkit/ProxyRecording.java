package dev.smtpkit.testkit;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One connection relayed by an {@link SmtpProxy}, in script form from both ends. Without faults
 * the two views are equal; a fault shows as the first step where they differ. Either view can be
 * replayed: the client view with a {@link ScriptedServer} in place of the real server, the server
 * view with a {@link ScriptedClient} in place of the real client.
 *
 * @param connection the 1-based connection on the proxy
 * @param clientView what the client sent and what it was answered
 * @param serverView what the server was sent and what it answered
 */
public record ProxyRecording(int connection, Conversation clientView, Conversation serverView) {

    /** Checks for nulls. */
    public ProxyRecording {
        Objects.requireNonNull(clientView, "clientView");
        Objects.requireNonNull(serverView, "serverView");
    }

    /** Returns whether the client and the server saw different conversations. */
    public boolean differs() {
        return !clientView.equals(serverView);
    }

    /**
     * Describes the first step where the views differ, both sides in script form, such as
     * <pre>
     * step 8:
     *   client saw: C: DATA
     *   server saw: C: NOOP
     * </pre>
     */
    public Optional<String> firstDifference() {
        List<Conversation.Step> c = clientView.steps();
        List<Conversation.Step> s = serverView.steps();
        int n = Math.max(c.size(), s.size());
        for (int i = 0; i < n; i++) {
            Optional<Conversation.Step> a = i < c.size() ? Optional.of(c.get(i)) : Optional.empty();
            Optional<Conversation.Step> b = i < s.size() ? Optional.of(s.get(i)) : Optional.empty();
            if (!a.equals(b)) {
                return Optional.of("step " + (i + 1) + ":\n  client saw: " + describe(a) + "\n  server saw: " + describe(b));
            }
        }
        return Optional.empty();
    }

    private static String describe(Optional<Conversation.Step> step) {
        return step.map(s -> String.join("\n              ", s.scriptLines(Conversation.Notation.CLIENT_SERVER)))
                .orElse("(nothing: the conversation had ended)");
    }
}
