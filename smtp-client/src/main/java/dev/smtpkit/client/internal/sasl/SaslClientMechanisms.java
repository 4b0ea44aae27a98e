package dev.smtpkit.client.internal.sasl;

import dev.smtpkit.client.ClientCredentials;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Chooses the SASL mechanism for the credentials at hand from those a server advertises in its
 * EHLO AUTH line (RFC 4954 §3), and makes it.
 *
 * <pre>{@code
 * SaslClientMechanisms sasl = SaslClientMechanisms.of(ClientCredentials.password("alice", pw));
 * Optional<SaslClientMechanism> m = sasl.choose(List.of("LOGIN", "PLAIN", "CRAM-MD5")); // PLAIN
 * }</pre>
 *
 * <p>The order of preference:
 * <ul>
 * <li>with a {@link ClientCredentials.Token}, XOAUTH2 and nothing else, since a token is not a
 *     password;</li>
 * <li>with a {@link ClientCredentials.Password}, CRAM-MD5 first only when
 *     {@link #preferCramMd5(boolean) preferred}, then PLAIN, then LOGIN. Over TLS, which a client should insist on
 *     before AUTH (RFC 8314 §3), PLAIN is as safe as any of them and lets the server keep salted
 *     hashes; it comes before LOGIN because it takes one round trip, is standardised
 *     (RFC 4616) and carries an authorization identity.</li>
 * </ul>
 * The server's own order is not followed: RFC 4954 gives it no meaning.
 */
public final class SaslClientMechanisms {

    private final ClientCredentials credentials;
    private final boolean preferCramMd5;

    private SaslClientMechanisms(ClientCredentials credentials, boolean preferCramMd5) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.preferCramMd5 = preferCramMd5;
    }

    /** Mechanisms for these credentials, with CRAM-MD5 never used. */
    public static SaslClientMechanisms of(ClientCredentials credentials) {
        return new SaslClientMechanisms(credentials, false);
    }

    /**
     * The same, with CRAM-MD5 (RFC 2195) used before PLAIN and LOGIN when the server offers it,
     * or never. It keeps the password off the wire, but over TLS that gains nothing over PLAIN,
     * its MD5 is weak, and it makes the server store a password equivalent; so it is for an old
     * server reached without TLS.
     */
    public SaslClientMechanisms preferCramMd5(boolean prefer) {
        return new SaslClientMechanisms(credentials, prefer);
    }

    /** The names this client would use, most preferred first. */
    public List<String> preference() {
        if (credentials instanceof ClientCredentials.Token) {
            return List.of("XOAUTH2");
        }
        List<String> names = new ArrayList<>();
        if (preferCramMd5) {
            names.add("CRAM-MD5");
        }
        names.add("PLAIN");
        names.add("LOGIN");
        return List.copyOf(names);
    }

    /** The most preferred mechanism the server advertises (names compared in any case), or empty when none is shared. */
    public Optional<SaslClientMechanism> choose(Collection<String> advertised) {
        Objects.requireNonNull(advertised, "advertised");
        Set<String> offered = advertised.stream().map(n -> n.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
        return preference().stream().filter(offered::contains).findFirst().flatMap(this::create);
    }

    /**
     * Makes the named mechanism for these credentials, whatever the preference, or empty when it
     * does not fit them (XOAUTH2 without a token, PLAIN without a password, CRAM-MD5 unless preferred).
     */
    public Optional<SaslClientMechanism> create(String name) {
        Objects.requireNonNull(name, "name");
        String upper = name.toUpperCase(Locale.ROOT);
        if (credentials instanceof ClientCredentials.Token t) {
            return upper.equals("XOAUTH2") ? Optional.of(new ClientMechanisms.Xoauth2(t)) : Optional.empty();
        }
        ClientCredentials.Password p = (ClientCredentials.Password) credentials;
        return switch (upper) {
            case "PLAIN" -> Optional.of(new ClientMechanisms.Plain(p));
            case "LOGIN" -> Optional.of(new ClientMechanisms.Login(p));
            case "CRAM-MD5" -> preferCramMd5 ? Optional.of(new ClientMechanisms.CramMd5(p)) : Optional.empty();
            default -> Optional.empty();
        };
    }

    @Override
    public String toString() {
        return "SaslClientMechanisms[" + credentials + ", preferCramMd5=" + preferCramMd5 + "]";
    }
}
