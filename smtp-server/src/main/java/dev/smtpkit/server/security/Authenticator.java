package dev.smtpkit.server.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * The application's credential check for SMTP AUTH (RFC 4954 §4): given what the client proved,
 * the identity to record for the session, or empty to refuse with 535 5.7.8 (RFC 4954 §6).
 *
 * <pre>{@code
 * Authenticator check = c -> c instanceof Credentials.Password p && users.verify(p.username(), p.password())
 *         ? Optional.of(p.username()) : Optional.empty();
 * }</pre>
 *
 * <p>Which kinds arrive depends on the mechanisms enabled: {@link Credentials.Password} for PLAIN
 * and LOGIN, {@link Credentials.ChallengeResponse} for CRAM-MD5, {@link Credentials.Bearer} for
 * XOAUTH2; refuse a kind you do not handle. For PLAIN with an authorization identity, decide
 * whether the user may act as it and return the identity the session should act as.
 *
 * <p>To answer with something other than 535, for example 454 4.7.0 when the user store is
 * down (RFC 4954 §6), throw a {@link dev.smtpkit.core.SmtpException} carrying that 4xx or 5xx
 * reply. Any other exception passes through to the caller of the mechanism.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * Checks credentials.
     *
     * @return the authenticated (or authorized) identity, not empty; empty to refuse
     */
    Optional<String> authenticate(Credentials credentials);

    /**
     * Accounts held in memory, user name to password, for tests and development tools: PLAIN
     * and LOGIN compare the password (in constant time), CRAM-MD5 (RFC 2195) computes the digest
     * from it; XOAUTH2 tokens are refused, a password is not one. The identity is the user name;
     * a PLAIN authorization identity other than the user's own is refused, as there is no rule
     * that would let one user act as another.
     *
     * @param passwords user name to password; copied
     */
    static Authenticator passwords(Map<String, String> passwords) {
        Map<String, String> accounts = Map.copyOf(passwords);
        return credentials -> {
            String expected = accounts.get(credentials.username());
            boolean ok;
            if (expected == null) {
                ok = false;
            } else if (credentials instanceof Credentials.Password p) {
                ok = p.authorizationId().map(p.username()::equals).orElse(true)
                        && MessageDigest.isEqual(p.password().getBytes(StandardCharsets.UTF_8),
                                expected.getBytes(StandardCharsets.UTF_8));
            } else if (credentials instanceof Credentials.ChallengeResponse c) {
                ok = c.matches(expected);
            } else {
                ok = false;
            }
            return ok ? Optional.of(credentials.username()) : Optional.empty();
        };
    }
}
