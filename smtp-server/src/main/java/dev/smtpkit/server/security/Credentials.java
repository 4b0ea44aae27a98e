package dev.smtpkit.server.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a client proved in a SASL exchange (RFC 4422), handed to the {@link Authenticator}. One
 * record per kind of proof; {@code toString()} never shows a password, digest or token, so that a
 * value that reaches a log line leaks nothing.
 */
public sealed interface Credentials {

    /** The name the client authenticates as. */
    String username();

    /**
     * A name and password in the clear: PLAIN (RFC 4616 §2) and LOGIN
     * (draft-murchison-sasl-login §2). Safe only over TLS.
     *
     * @param authorizationId the identity to act as, when the client asked for one other than
     *                        its own (RFC 4616 §2, authzid); the authenticator decides whether
     *                        {@code username} may act as it
     * @param username        the authentication identity (authcid), not empty
     * @param password        the password, not empty
     */
    record Password(Optional<String> authorizationId, String username, String password) implements Credentials {
        public Password {
            Objects.requireNonNull(authorizationId, "authorizationId");
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Password[authorizationId=" + authorizationId.orElse("") + ", username=" + username + ", password=<redacted>]";
        }
    }

    /**
     * A CRAM-MD5 answer (RFC 2195 §2): the HMAC-MD5 (RFC 2104) of the server's challenge keyed
     * with the shared secret. The authenticator looks up the user's password and calls
     * {@link #matches(String)}, or compares {@link #digest()} with a value it computed itself.
     *
     * @param username  the user name from the response
     * @param challenge the challenge the server sent, such as {@code <1896.697170952@host>}
     * @param digest    32 lower-case hex digits
     */
    record ChallengeResponse(String username, String challenge, String digest) implements Credentials {
        public ChallengeResponse {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(challenge, "challenge");
            Objects.requireNonNull(digest, "digest");
        }

        /** Whether the digest is the HMAC-MD5 of the challenge under this password (UTF-8), compared in constant time. */
        public boolean matches(String password) {
            Objects.requireNonNull(password, "password");
            return matches(password.getBytes(StandardCharsets.UTF_8));
        }

        /** Whether the digest is the HMAC-MD5 of the challenge under this key, compared in constant time. */
        public boolean matches(byte[] key) {
            Objects.requireNonNull(key, "key");
            String expected = hmacMd5Hex(key, challenge);
            return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), digest.getBytes(StandardCharsets.US_ASCII));
        }

        /** The RFC 2195 digest of a challenge: HMAC-MD5 keyed with the secret, as lower-case hex. */
        static String hmacMd5Hex(byte[] key, String challenge) {
            try {
                Mac mac = Mac.getInstance("HmacMD5");
                // An empty key is legal in HMAC (RFC 2104 §2) but SecretKeySpec refuses one.
                mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacMD5"));
                return HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("HmacMD5 is required of every Java runtime", e);
            }
        }

        @Override
        public String toString() {
            return "ChallengeResponse[username=" + username + ", challenge=" + challenge + ", digest=<redacted>]";
        }
    }

    /**
     * An OAuth 2.0 bearer token (RFC 6750) sent with XOAUTH2, the SASL format of Google and
     * Microsoft that predates OAUTHBEARER (RFC 7628).
     *
     * @param username the mailbox the token is for
     * @param token    the access token, without the {@code Bearer} scheme
     */
    record Bearer(String username, String token) implements Credentials {
        public Bearer {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Bearer[username=" + username + ", token=<redacted>]";
        }
    }
}
