package dev.smtpkit.testkit;

import dev.smtpkit.core.Verb;
import java.util.Objects;

/**
 * Where in a conversation a {@link Fault} strikes: at the server's greeting, or at the n-th
 * command with a given verb on the connection (and at the reply to it).
 */
public sealed interface At permits At.Greeting, At.Occurrence {

    /** The greeting (RFC 5321 §4.2, §3.1). */
    record Greeting() implements At {
        @Override
        public String toString() {
            return "greeting";
        }
    }

    /**
     * The n-th command with this verb on one connection, counting from 1.
     *
     * @param verb       the verb; {@link Verb#UNKNOWN} counts every line with an unknown verb
     * @param occurrence 1 for the first such command
     */
    record Occurrence(Verb verb, int occurrence) implements At {
        /** Checks for null and that the occurrence is positive. */
        public Occurrence {
            Objects.requireNonNull(verb, "verb");
            if (occurrence < 1) {
                throw new IllegalArgumentException("occurrence counts from 1: " + occurrence);
            }
        }

        @Override
        public String toString() {
            return verb + " #" + occurrence;
        }
    }

    /** The greeting. */
    static At greeting() {
        return new Greeting();
    }

    /** The first command with this verb. */
    static Occurrence first(Verb verb) {
        return new Occurrence(verb, 1);
    }

    /** The n-th command with this verb, counting from 1. */
    static Occurrence command(Verb verb, int occurrence) {
        return new Occurrence(verb, occurrence);
    }
}
