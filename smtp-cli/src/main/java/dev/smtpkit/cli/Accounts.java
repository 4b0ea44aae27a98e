package dev.smtpkit.cli;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The test accounts given with {@code --auth USER:PASSWORD}, checked in memory by
 * {@link Authenticator#passwords}: PLAIN and LOGIN (RFC 4616, draft-murchison-sasl-login) by
 * comparing the password, CRAM-MD5 (RFC 2195) by computing the digest from it.
 */
final class Accounts implements Authenticator {

    private final Map<String, String> passwords;
    private final Authenticator check;

    private Accounts(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords);
        this.check = Authenticator.passwords(passwords);
    }

    /**
     * Reads each {@code USER:PASSWORD}; the password may contain colons, the user may not.
     *
     * @throws IllegalArgumentException naming the entry that is not one, or a user given twice
     */
    static Accounts parse(List<String> entries) {
        Map<String, String> passwords = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("expected USER:PASSWORD, got '" + redacted(entry) + "'");
            }
            String user = entry.substring(0, colon);
            if (passwords.putIfAbsent(user, entry.substring(colon + 1)) != null) {
                throw new IllegalArgumentException("user '" + user + "' is given twice");
            }
        }
        return new Accounts(passwords);
    }

    /** The user names, for the start line; never the passwords. */
    List<String> users() {
        return passwords.keySet().stream().sorted().toList();
    }

    @Override
    public Optional<String> authenticate(Credentials credentials) {
        return check.authenticate(credentials);
    }

    /** An entry as it may be shown in an error: the user part only. */
    private static String redacted(String entry) {
        int colon = entry.indexOf(':');
        return colon < 0 ? entry : entry.substring(0, colon + 1) + "...";
    }

    @Override
    public String toString() {
        return "Accounts" + users();
    }
}
