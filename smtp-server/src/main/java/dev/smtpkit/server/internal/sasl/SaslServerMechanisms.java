package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.SaslMechanism;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The SASL mechanisms a server offers (RFC 4954 §3), in the order EHLO lists them, with what
 * they need: the {@link Authenticator}, CRAM-MD5's {@link ChallengeSource}, XOAUTH2's scope.
 * Immutable; {@link #newExchange()} makes the per-connection state.
 *
 * <pre>{@code
 * SaslServerMechanisms sasl = SaslServerMechanisms.builder(authenticator).build(); // PLAIN, LOGIN
 * ServerConfig config = ServerConfig.builder().authMechanisms(sasl.names()).build();
 * AuthExchange exchange = sasl.newExchange(); // one per connection
 * }</pre>
 *
 * <p>PLAIN and LOGIN are on by default. CRAM-MD5 is off unless enabled with a challenge source
 * (see {@link SaslMechanism#CRAM_MD5} for why); XOAUTH2 is off unless enabled, since only an
 * application that checks bearer tokens can use it.
 */
public final class SaslServerMechanisms {

    /** PLAIN then LOGIN: every client has one of them, and both are fine over TLS. */
    public static final List<SaslMechanism> DEFAULT_MECHANISMS = List.of(SaslMechanism.PLAIN, SaslMechanism.LOGIN);

    private final Authenticator authenticator;
    private final List<SaslMechanism> mechanisms;
    private final Optional<ChallengeSource> cramMd5Challenges;
    private final Optional<String> xoauth2Scope;

    private SaslServerMechanisms(Builder b) {
        this.authenticator = Objects.requireNonNull(b.authenticator, "authenticator");
        this.mechanisms = List.copyOf(b.mechanisms);
        this.cramMd5Challenges = b.cramMd5Challenges;
        this.xoauth2Scope = b.xoauth2Scope;
        if (mechanisms.isEmpty()) {
            throw new IllegalArgumentException("SaslServerMechanisms.mechanisms is empty; leave AUTH out of the server instead");
        }
        if (mechanisms.contains(SaslMechanism.CRAM_MD5) && cramMd5Challenges.isEmpty()) {
            throw new IllegalArgumentException("SaslServerMechanisms.mechanisms has CRAM_MD5 but no cramMd5Challenges"
                    + " is set; use ChallengeSource.random(hostname) (RFC 2195 §2)");
        }
    }

    /** Starts a configuration with {@link #DEFAULT_MECHANISMS}. */
    public static Builder builder(Authenticator authenticator) {
        return new Builder(Objects.requireNonNull(authenticator, "authenticator"));
    }

    /** The mechanisms offered, in order. */
    public List<SaslMechanism> mechanisms() {
        return mechanisms;
    }

    /** The names for {@code ServerConfig.authMechanisms} and the EHLO AUTH line, in order. */
    public List<String> names() {
        return mechanisms.stream().map(SaslMechanism::mechanismName).toList();
    }

    /** A fresh state machine for one AUTH command, if the name (any case) is offered. */
    public Optional<SaslServerMechanism> start(String name) {
        Objects.requireNonNull(name, "name");
        return SaslMechanism.named(name).filter(mechanisms::contains).map(this::create);
    }

    /** The AUTH state of one connection. */
    public AuthExchange newExchange() {
        return new AuthExchange(this);
    }

    private SaslServerMechanism create(SaslMechanism m) {
        return switch (m) {
            case PLAIN -> new PlainMechanism(authenticator);
            case LOGIN -> new LoginMechanism(authenticator);
            case CRAM_MD5 -> new CramMd5Mechanism(authenticator, cramMd5Challenges.orElseThrow());
            case XOAUTH2 -> new Xoauth2Mechanism(authenticator, xoauth2Scope);
        };
    }

    @Override
    public String toString() {
        return "SaslServerMechanisms" + names();
    }

    /** Collects the settings. */
    public static final class Builder {
        private final Authenticator authenticator;
        private List<SaslMechanism> mechanisms = DEFAULT_MECHANISMS;
        private Optional<ChallengeSource> cramMd5Challenges = Optional.empty();
        private Optional<String> xoauth2Scope = Optional.empty();

        private Builder(Authenticator authenticator) {
            this.authenticator = authenticator;
        }

        /** The mechanisms to offer, strongest first; duplicates are dropped. */
        public Builder mechanisms(SaslMechanism... mechanisms) {
            return mechanisms(List.of(mechanisms));
        }

        /** The mechanisms to offer, strongest first; duplicates are dropped. */
        public Builder mechanisms(List<SaslMechanism> mechanisms) {
            Set<SaslMechanism> unique = new LinkedHashSet<>(Objects.requireNonNull(mechanisms, "mechanisms"));
            this.mechanisms = new ArrayList<>(unique);
            return this;
        }

        /** The challenges CRAM-MD5 sends; required when it is enabled. */
        public Builder cramMd5Challenges(ChallengeSource challenges) {
            this.cramMd5Challenges = Optional.of(Objects.requireNonNull(challenges, "challenges"));
            return this;
        }

        /** The scope named in XOAUTH2's error challenge, such as {@code https://mail.example.org/}; none by default. */
        public Builder xoauth2Scope(String scope) {
            this.xoauth2Scope = Optional.of(Objects.requireNonNull(scope, "scope"));
            return this;
        }

        /** Checks and builds. */
        public SaslServerMechanisms build() {
            return new SaslServerMechanisms(this);
        }
    }
}
