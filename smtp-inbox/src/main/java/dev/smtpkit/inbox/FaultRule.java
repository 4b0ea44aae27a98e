package dev.smtpkit.inbox;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One fault the catcher injects, as Mailpit's "chaos" does and beyond it: at a stage of the
 * session, answer with a reply (4xx or 5xx) or drop the connection, always, at the n-th
 * occurrence only, or with a probability.
 *
 * <p>Written {@code STAGE:ACTION[:WHEN]}: {@code rcpt:451 4.3.0 Try again later:nth=3},
 * {@code eod:drop:p=0.2}, {@code mail:550 5.7.1 Not today}. The stages are {@code connect},
 * {@code helo}, {@code auth}, {@code mail}, {@code rcpt}, {@code data} (the DATA command) and
 * {@code eod} (the end of the data, RFC 5321 §4.1.1.4, or BDAT LAST, RFC 3030); each
 * {@link Stage} says which actions it takes.
 *
 * @param reply empty for a drop
 * @param nth   the occurrence it applies to, counted from 1 over the catcher's life; 0 for every one
 */
public record FaultRule(Stage stage, Optional<Reply> reply, int nth, double probability) {

    /** Where in a session a fault applies, and what it can do there. */
    public enum Stage {
        /** The greeting: a 554 or 421 instead of the 220 (RFC 5321 §3.1), or a drop. */
        CONNECT("the connection, before the greeting", "554 or 421"),
        /** HELO, EHLO or LHLO. */
        HELO("HELO, EHLO or LHLO", "4xx or 5xx"),
        /**
         * AUTH (RFC 4954): a drop at the AUTH command, or a reply instead of the credential check,
         * which ends the exchange (454 4.7.0 "try later" or 535 5.7.8 "bad credentials", §6). A
         * reply needs AUTH offered ({@code catch --auth}); each AUTH command counts once.
         */
        AUTH("AUTH, the reply that ends the exchange", "4xx or 5xx"),
        /** MAIL FROM. */
        MAIL("MAIL FROM", "4xx or 5xx"),
        /** Each RCPT TO. */
        RCPT("RCPT TO", "4xx or 5xx"),
        /**
         * The DATA command, or a transaction's first BDAT: a reply instead of the 354, before the
         * client sends any content (for BDAT its chunk is still read, RFC 3030 §2); the
         * transaction stays open, so the client may try DATA again or RSET.
         */
        DATA("the DATA or BDAT command", "4xx or 5xx"),
        /** The end of the data (RFC 5321 §4.1.1.4) or BDAT LAST (RFC 3030): the message is read, then refused. */
        EOD("the end of the data", "4xx or 5xx");

        private final String where;
        private final String replies;

        Stage(String where, String replies) {
            this.where = where;
            this.replies = replies;
        }

        /** What the stage is, in a few words. */
        public String where() {
            return where;
        }

        /** The replies a fault may give here, such as "4xx or 5xx"; at every stage it can also drop the connection. */
        public String replies() {
            return replies;
        }

        /** The stage as a rule writes it: {@code rcpt}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Checks the rule can be carried out. */
    public FaultRule {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(reply, "reply");
        if (reply.isPresent() && !reply.get().isFailure()) {
            throw new IllegalArgumentException("a fault replies 4xx or 5xx (RFC 5321 §4.2.1), not " + reply.get().code());
        }
        if (stage == Stage.CONNECT && reply.isPresent() && reply.get().code() != 421 && reply.get().code() != 554) {
            throw new IllegalArgumentException("a connection is refused with 554 or 421 (RFC 5321 §3.1), not " + reply.get().code());
        }
        if (nth < 0) {
            throw new IllegalArgumentException("nth counts from 1 (0 for every occurrence): " + nth);
        }
        if (!(probability > 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be above 0 and at most 1: " + probability);
        }
    }

    /**
     * Parses {@code STAGE:ACTION[:WHEN]}; ACTION is {@code drop} or a reply such as
     * {@code 451 4.3.0 Try again later}; WHEN is {@code always} (the default), {@code nth=N} or
     * {@code p=P} with P above 0 and at most 1.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static FaultRule parse(String text) {
        Objects.requireNonNull(text, "text");
        int first = text.indexOf(':');
        if (first < 0) {
            throw new IllegalArgumentException("a fault is STAGE:ACTION[:WHEN], as rcpt:451 4.3.0 Try later:nth=3: " + text);
        }
        Stage stage;
        try {
            stage = Stage.valueOf(text.substring(0, first).strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown stage '" + text.substring(0, first)
                    + "': connect, helo, auth, mail, rcpt, data or eod");
        }
        String rest = text.substring(first + 1);
        int nth = 0;
        double p = 1;
        int last = rest.lastIndexOf(':');
        if (last >= 0) {
            String when = rest.substring(last + 1).strip().toLowerCase(Locale.ROOT);
            boolean isWhen = true;
            if (when.equals("always")) {
                nth = 0;
            } else if (when.startsWith("nth=")) {
                nth = number(when.substring(4), "nth");
            } else if (when.startsWith("p=")) {
                try {
                    p = Double.parseDouble(when.substring(2));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("p must be a number above 0 and at most 1: " + when);
                }
            } else {
                isWhen = false;
            }
            if (isWhen) {
                rest = rest.substring(0, last);
            }
        }
        String action = rest.strip();
        Optional<Reply> reply;
        if (action.equalsIgnoreCase("drop")) {
            reply = Optional.empty();
        } else {
            try {
                reply = Optional.of(Reply.parse(action.length() == 3 ? action + " Fault injected by smtpkit catch" : action));
            } catch (SmtpException | IllegalArgumentException e) {
                throw new IllegalArgumentException("the action is 'drop' or a reply such as '451 4.3.0 Try later': " + action);
            }
        }
        if (nth > 0 && p < 1) {
            throw new IllegalArgumentException("give nth or p, not both: " + text);
        }
        return new FaultRule(stage, reply, nth, p);
    }

    private static int number(String s, String what) {
        try {
            int n = Integer.parseInt(s.strip());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a whole number from 1: " + s);
        }
    }

    /** The rule written as {@link #parse} reads it. */
    @Override
    public String toString() {
        String action = reply.map(r -> r.toString().strip()).orElse("drop");
        String when = nth > 0 ? "nth=" + nth : probability < 1 ? "p=" + probability : "always";
        return stage.label() + ":" + action + ":" + when;
    }
}
