package dev.smtpkit.client;

import java.util.Objects;
import java.util.Optional;

/**
 * What a client authenticates with (RFC 4954 §4): a password, or an OAuth 2.0 access token.
 * {@code toString()} never shows the secret.
 *
 * <pre>{@code
 * ClientCredentials creds = ClientCredentials.password("alice", "s3cret");
 * ClientCredentials oauth = ClientCredentials.token("alice@example.com", accessToken);
 * }</pre>
 */
public sealed interface ClientCredentials {

    /** The name to authenticate as. */
    String username();

    /** A user name and password, for PLAIN, LOGIN and CRAM-MD5. */
    static Password password(String username, String password) {
        return new Password(Optional.empty(), username, password);
    }

    /** An OAuth 2.0 bearer token (RFC 6750) for the mailbox {@code username}, for XOAUTH2. */
    static Token token(String username, String accessToken) {
        return new Token(username, accessToken);
    }

    /**
     * A password.
     *
     * @param authorizationId the identity to act as, if not the user's own (RFC 4616 §2); PLAIN only
     * @param username        the authentication identity, not empty
     * @param password        the password, not empty
     */
    record Password(Optional<String> authorizationId, String username, String password) implements ClientCredentials {
        /** Checks that no field is empty or holds a NUL, which would break PLAIN's framing (RFC 4616 §2). */
        public Password {
            Objects.requireNonNull(authorizationId, "authorizationId");
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (username.isEmpty() || password.isEmpty()) {
                throw new IllegalArgumentException("username and password must not be empty (RFC 4616 §2)");
            }
            if (username.indexOf('\0') >= 0 || password.indexOf('\0') >= 0
                    || authorizationId.map(a -> a.isEmpty() || a.indexOf('\0') >= 0).orElse(false)) {
                throw new IllegalArgumentException("credentials must not contain NUL, and an authorization id must not be"
                        + " empty (RFC 4616 §2)");
            }
        }

        /** The same credentials, acting as {@code authorizationId} (RFC 4616 §2). */
        public Password actingAs(String authorizationId) {
            return new Password(Optional.of(Objects.requireNonNull(authorizationId, "authorizationId")), username, password);
        }

        @Override
        public String toString() {
            return "Password[" + authorizationId.map(a -> "authorizationId=" + a + ", ").orElse("") + "username=" + username
                    + ", password=<redacted>]";
        }
    }

    /**
     * An access token.
     *
     * @param username    the mailbox the token was issued for
     * @param accessToken the token, without the {@code Bearer} scheme
     */
    record Token(String username, String accessToken) implements ClientCredentials {
        /** Checks that neither field is empty or holds XOAUTH2's ^A separator, and the token has no space. */
        public Token {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(accessToken, "accessToken");
            if (username.isEmpty() || accessToken.isEmpty() || username.indexOf('\u0001') >= 0
                    || accessToken.indexOf('\u0001') >= 0 || accessToken.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("username and token must be non-empty, without ^A, and the token"
                        + " without spaces (RFC 6750 §2.1)");
            }
        }

        @Override
        public String toString() {
            return "Token[username=" + username + ", accessToken=<redacted>]";
        }
    }
}
