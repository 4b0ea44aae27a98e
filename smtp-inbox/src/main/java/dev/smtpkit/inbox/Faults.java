package dev.smtpkit.inbox;

import dev.smtpkit.core.Reply;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The catcher's fault rules, changeable while it runs (from the command line at start, from the
 * REST API later). Occurrences of each stage are counted over the catcher's life, so "the third
 * RCPT" is the third the catcher saw, across connections; replacing the rules starts the counts
 * again.
 */
public final class Faults {

    /** What to do at one occurrence of a stage. */
    sealed interface Decision {
        record Proceed() implements Decision {
        }

        record Answer(Reply reply) implements Decision {
        }

        record Drop() implements Decision {
        }
    }

    static final Decision PROCEED = new Decision.Proceed();

    /** Read without the lock on every command, so a catcher without faults never contends for it. */
    private volatile List<FaultRule> rules = List.of();
    private final Map<FaultRule.Stage, Integer> seen = new EnumMap<>(FaultRule.Stage.class);

    /** The rules in force. */
    public List<FaultRule> rules() {
        return rules;
    }

    /** Replaces the rules and starts counting occurrences again. */
    public synchronized void set(List<FaultRule> newRules) {
        rules = List.copyOf(Objects.requireNonNull(newRules, "newRules"));
        seen.clear();
    }

    /** Counts one occurrence of {@code stage} and returns what the first rule that applies says. */
    Decision at(FaultRule.Stage stage) {
        if (rules.isEmpty()) {
            // Counting restarts when rules are set, so occurrences need not be counted without any.
            return PROCEED;
        }
        synchronized (this) {
            return decide(stage);
        }
    }

    private Decision decide(FaultRule.Stage stage) {
        int occurrence = seen.merge(stage, 1, Integer::sum);
        for (FaultRule rule : rules) {
            if (rule.stage() != stage) {
                continue;
            }
            boolean applies = rule.nth() > 0 ? rule.nth() == occurrence
                    : rule.probability() >= 1 || ThreadLocalRandom.current().nextDouble() < rule.probability();
            if (applies) {
                Optional<Reply> reply = rule.reply();
                return reply.<Decision>map(Decision.Answer::new).orElseGet(Decision.Drop::new);
            }
        }
        return PROCEED;
    }
}
