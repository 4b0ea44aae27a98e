package dev.smtpkit.client.internal.sasl;

import dev.smtpkit.client.ClientCredentials;
import dev.smtpkit.client.internal.sasl.SaslClientException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The four client mechanisms, each a small state machine. None keeps a secret in its toString(). */
final class ClientMechanisms {

    private ClientMechanisms() {
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String name, String challenge) {
        try {
            byte[] bytes = Base64.getDecoder().decode(challenge);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw new SaslClientException(Reason.MALFORMED_CHALLENGE, name + " challenge is not base64 UTF-8 (RFC 4954 §4)");
        }
    }

    static SaslClientException unexpected(String name) {
        return new SaslClientException(Reason.UNEXPECTED_CHALLENGE, name + " has no answer to a further challenge");
    }

    /** PLAIN (RFC 4616 §2): {@code [authzid] NUL authcid NUL passwd}, sent at once. */
    static final class Plain implements SaslClientMechanism {
        private final ClientCredentials.Password credentials;
        private boolean answered;

        Plain(ClientCredentials.Password credentials) {
            this.credentials = credentials;
        }

        @Override
        public String name() {
            return "PLAIN";
        }

        @Override
        public Optional<String> initialResponse() {
            return Optional.of(message());
        }

        @Override
        public String respond(String challenge) {
            // The server sends an empty challenge when the AUTH command had no initial response.
            if (answered || !challenge.isEmpty()) {
                throw unexpected(name());
            }
            answered = true;
            return message();
        }

        private String message() {
            return b64(credentials.authorizationId().orElse("") + "\0" + credentials.username() + "\0" + credentials.password());
        }

        @Override
        public String toString() {
            return "PLAIN[" + credentials.username() + "]";
        }
    }

    /** LOGIN (draft-murchison-sasl-login §2): the user name, then the password, each asked for. */
    static final class Login implements SaslClientMechanism {
        private final ClientCredentials.Password credentials;
        private int answers;

        Login(ClientCredentials.Password credentials) {
            this.credentials = credentials;
        }

        @Override
        public String name() {
            return "LOGIN";
        }

        @Override
        public Optional<String> initialResponse() {
            return Optional.empty();
        }

        @Override
        public String respond(String challenge) {
            String prompt = decode(name(), challenge).toLowerCase(Locale.ROOT);
            if (answers >= 2) {
                throw unexpected(name());
            }
            // Servers word the prompts differently ("Username:", "User Name"); read them when
            // they say which, and otherwise go by order.
            boolean wantsPassword = prompt.startsWith("password") || (!prompt.startsWith("user") && answers == 1);
            answers++;
            return b64(wantsPassword ? credentials.password() : credentials.username());
        }

        @Override
        public String toString() {
            return "LOGIN[" + credentials.username() + "]";
        }
    }

    /** CRAM-MD5 (RFC 2195 §2): the user name, a space, and the hex HMAC-MD5 of the challenge. */
    static final class CramMd5 implements SaslClientMechanism {
        private final ClientCredentials.Password credentials;
        private boolean answered;

        CramMd5(ClientCredentials.Password credentials) {
            this.credentials = credentials;
        }

        @Override
        public String name() {
            return "CRAM-MD5";
        }

        @Override
        public Optional<String> initialResponse() {
            return Optional.empty();
        }

        @Override
        public String respond(String challenge) {
            if (answered) {
                throw unexpected(name());
            }
            String text = decode(name(), challenge);
            if (text.isEmpty()) {
                throw new SaslClientException(Reason.MALFORMED_CHALLENGE, "CRAM-MD5 challenge is empty (RFC 2195 §2)");
            }
            answered = true;
            return b64(credentials.username() + " " + hmacMd5Hex(credentials.password(), text));
        }

        static String hmacMd5Hex(String key, String challenge) {
            try {
                Mac mac = Mac.getInstance("HmacMD5");
                mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacMD5"));
                return HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("HmacMD5 is required of every Java runtime", e);
            }
        }

        @Override
        public String toString() {
            return "CRAM-MD5[" + credentials.username() + "]";
        }
    }

    /**
     * XOAUTH2: {@code user=NAME ^A auth=Bearer TOKEN ^A ^A}. A refused token comes back as a
     * 334 with a JSON error, answered with an empty line, after which the server sends 535.
     */
    static final class Xoauth2 implements SaslClientMechanism {
        private final ClientCredentials.Token credentials;
        private boolean answeredEmpty;
        private Optional<String> serverError = Optional.empty();

        Xoauth2(ClientCredentials.Token credentials) {
            this.credentials = credentials;
        }

        @Override
        public String name() {
            return "XOAUTH2";
        }

        @Override
        public Optional<String> initialResponse() {
            return Optional.of(message());
        }

        @Override
        public String respond(String challenge) {
            if (challenge.isEmpty()) {
                if (answeredEmpty || serverError.isPresent()) {
                    throw unexpected(name());
                }
                answeredEmpty = true;
                return message();
            }
            if (serverError.isPresent()) {
                throw unexpected(name());
            }
            serverError = Optional.of(decode(name(), challenge));
            return "";
        }

        /** The JSON error the server sent for a refused token, if it did. */
        @Override
        public Optional<String> serverError() {
            return serverError;
        }

        private String message() {
            return b64("user=" + credentials.username() + "\u0001auth=Bearer " + credentials.accessToken() + "\u0001\u0001");
        }

        @Override
        public String toString() {
            return "XOAUTH2[" + credentials.username() + serverError.map(e -> ", error=" + e).orElse("") + "]";
        }
    }
}
