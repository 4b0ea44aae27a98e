package dev.smtpkit.testkit;

import dev.smtpkit.core.Verb;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A fixed list of faults a {@link MailSink} injects, each at the n-th occurrence of a command:
 * "the third RCPT gets 452 4.5.3", "the first DATA gets 421", "the connection drops at the second
 * MAIL". Deterministic: there are no probabilities, so a test sees the same conversation on every
 * run; the occurrence after a fault (the client's retry) is accepted unless planned otherwise.
 *
 * <pre>{@code
 * FaultPlan plan = FaultPlan.builder()
 *         .on(Verb.RCPT, 3, SinkFault.refuse(Replies.TOO_MANY_RECIPIENTS))
 *         .on(Verb.MAIL, 2, SinkFault.drop())
 *         .build();
 * }</pre>
 *
 * <p>The commands are the three the sink's application side is asked about (go-smtp's
 * {@code Mail}, {@code Rcpt} and {@code Data}): {@link Verb#MAIL}, {@link Verb#RCPT} and
 * {@link Verb#DATA}, where DATA stands for the reply to the end of the message (RFC 5321
 * §4.1.1.4, and BDAT's LAST chunk, RFC 3030), since the 354 is the protocol's. Commands the
 * protocol itself refuses (a 501 for bad syntax, a 503 out of order) never reach the sink and
 * are not counted.
 *
 * <p>Occurrences count from 1 over the sink's whole life, across connections
 * ({@link Scope#SINK}, the default, so that a client's retry on a new connection is the next
 * occurrence), or within each connection ({@link Scope#CONNECTION}). {@link MailSink#clear()}
 * does not reset the counts.
 */
public final class FaultPlan {

    /** Where occurrences are counted. */
    public enum Scope {
        /** Over the sink's whole life, across its connections. */
        SINK,
        /** Within each connection, starting again at 1 on each new one. */
        CONNECTION
    }

    /** The commands a fault can be planned at. */
    public static final Set<Verb> VERBS = Collections.unmodifiableSet(EnumSet.of(Verb.MAIL, Verb.RCPT, Verb.DATA));

    /** No faults. */
    public static final FaultPlan NONE = builder().build();

    private final Map<Verb, Map<Integer, SinkFault>> faults;
    private final Scope scope;

    private FaultPlan(Builder b) {
        Map<Verb, Map<Integer, SinkFault>> copy = new EnumMap<>(Verb.class);
        b.faults.forEach((verb, byOccurrence) -> copy.put(verb, Collections.unmodifiableMap(new TreeMap<>(byOccurrence))));
        this.faults = Collections.unmodifiableMap(copy);
        this.scope = b.scope;
    }

    /** An empty plan counting in {@link Scope#SINK}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The fault planned at the {@code occurrence}-th {@code verb}, counted from 1. */
    public Optional<SinkFault> at(Verb verb, int occurrence) {
        Objects.requireNonNull(verb, "verb");
        return Optional.ofNullable(faults.getOrDefault(verb, Map.of()).get(occurrence));
    }

    /** Where occurrences are counted. */
    public Scope scope() {
        return scope;
    }

    /** Whether no fault is planned. */
    public boolean isEmpty() {
        return faults.isEmpty();
    }

    @Override
    public String toString() {
        return "FaultPlan" + faults + " per " + scope;
    }

    /** Builds a {@link FaultPlan}. */
    public static final class Builder {
        private final Map<Verb, Map<Integer, SinkFault>> faults = new EnumMap<>(Verb.class);
        private Scope scope = Scope.SINK;

        private Builder() {
        }

        /**
         * Plans {@code fault} at the {@code occurrence}-th {@code verb}.
         *
         * @throws IllegalArgumentException if the verb is not one of {@link #VERBS}, the
         *                                  occurrence is below 1, or a fault is planned there already
         */
        public Builder on(Verb verb, int occurrence, SinkFault fault) {
            Objects.requireNonNull(verb, "verb");
            Objects.requireNonNull(fault, "fault");
            if (!VERBS.contains(verb)) {
                throw new IllegalArgumentException("a MailSink fault can be planned at " + VERBS + ", not " + verb);
            }
            if (occurrence < 1) {
                throw new IllegalArgumentException("occurrences count from 1: " + occurrence);
            }
            SinkFault before = faults.computeIfAbsent(verb, v -> new TreeMap<>()).putIfAbsent(occurrence, fault);
            if (before != null) {
                throw new IllegalArgumentException(verb + " #" + occurrence + " already has a fault: " + before);
            }
            return this;
        }

        /** Where occurrences are counted ({@link Scope#SINK}). */
        public Builder scope(Scope scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** The plan. */
        public FaultPlan build() {
            return new FaultPlan(this);
        }
    }
}
