package dev.smtpkit.server.internal.sasl;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Where CRAM-MD5 challenges come from (RFC 2195 §2): each is a unique msg-id such as
 * {@code <1896.697170952@postoffice.reston.mci.net>}, a random number and a timestamp at the
 * server's name. Injected so that tests can fix both.
 *
 * <pre>{@code
 * ChallengeSource live = ChallengeSource.random("mx.example.org");
 * ChallengeSource fixed = ChallengeSource.of("postoffice.reston.mci.net", () -> 1896L, clock);
 * }</pre>
 */
@FunctionalInterface
public interface ChallengeSource {

    /** Returns the next challenge, angle brackets included. */
    String next();

    /** Challenges from a {@link SecureRandom} and the system clock, at {@code hostname}. */
    static ChallengeSource random(String hostname) {
        return of(hostname, new SecureRandom(), Clock.systemUTC());
    }

    /**
     * Challenges {@code <random.millis@hostname>}, the random part an unsigned 63-bit number so
     * that it cannot be guessed from earlier ones when {@code random} is secure.
     */
    static ChallengeSource of(String hostname, RandomGenerator random, Clock clock) {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(clock, "clock");
        if (hostname.isEmpty() || !hostname.chars().allMatch(c -> c > ' ' && c < 127 && c != '<' && c != '>' && c != '@')) {
            throw new IllegalArgumentException("a CRAM-MD5 challenge host is a printable ASCII name (RFC 2195 §2): '" + hostname + "'");
        }
        return () -> "<" + (random.nextLong() & Long.MAX_VALUE) + "." + clock.millis() + "@" + hostname + ">";
    }
}
