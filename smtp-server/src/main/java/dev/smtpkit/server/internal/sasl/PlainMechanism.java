package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import java.util.Optional;

/**
 * PLAIN (RFC 4616): one message, {@code [authzid] NUL authcid NUL passwd}, in UTF-8. Without an
 * initial response the server first sends an empty challenge (RFC 4954 §4).
 */
final class PlainMechanism extends MechanismState {

    PlainMechanism(Authenticator authenticator) {
        super("PLAIN", authenticator);
    }

    private boolean challenged;

    @Override
    AuthOutcome next(Optional<String> response) {
        if (response.isEmpty()) {
            if (challenged) {
                return malformed();
            }
            challenged = true;
            return AuthOutcome.Challenge.empty();
        }
        Optional<byte[]> decoded = SaslText.base64(response.get());
        if (decoded.isEmpty()) {
            return malformed();
        }
        byte[] m = decoded.get();
        int first = indexOf(m, 0);
        int second = first < 0 ? -1 : indexOf(m, first + 1);
        // RFC 4616 §2: exactly two NULs; authcid and passwd are 1*SAFE, so neither is empty.
        if (second < 0 || indexOf(m, second + 1) >= 0 || second == first + 1 || second == m.length - 1) {
            return malformed();
        }
        Optional<String> authzid = SaslText.utf8(m, 0, first);
        Optional<String> authcid = SaslText.utf8(m, first + 1, second);
        Optional<String> passwd = SaslText.utf8(m, second + 1, m.length);
        if (authzid.isEmpty() || authcid.isEmpty() || passwd.isEmpty()) {
            return malformed();
        }
        return check(new Credentials.Password(authzid.filter(s -> !s.isEmpty()), authcid.get(), passwd.get()));
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
