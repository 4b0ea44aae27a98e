package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.core.Replies;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * XOAUTH2, the bearer-token mechanism of Google and Microsoft: one client message
 * {@code user=NAME ^A auth=Bearer TOKEN ^A ^A}. A refused token is answered first with a 334
 * challenge holding a JSON error (the shape of RFC 7628 §3.2.2), to which the client sends an
 * empty response, and only then with 535 5.7.8.
 */
final class Xoauth2Mechanism extends MechanismState {

    private static final char SEPARATOR = '\u0001';

    private final String errorJson;
    private boolean challenged;
    private boolean refusing;

    Xoauth2Mechanism(Authenticator authenticator, Optional<String> scope) {
        super("XOAUTH2", authenticator);
        this.errorJson = "{\"status\":\"401\",\"schemes\":\"bearer\""
                + scope.map(s -> ",\"scope\":\"" + jsonEscape(s) + "\"").orElse("") + "}";
    }

    @Override
    AuthOutcome next(Optional<String> response) {
        if (refusing) {
            // Whatever the client sends after the error challenge ends the exchange.
            return new AuthOutcome.Failure(Replies.AUTH_FAILED);
        }
        if (response.isEmpty()) {
            if (challenged) {
                return malformed();
            }
            challenged = true;
            return AuthOutcome.Challenge.empty();
        }
        Optional<String> text = SaslText.base64Utf8(response.get());
        if (text.isEmpty()) {
            return malformed();
        }
        Optional<Credentials.Bearer> bearer = parse(text.get());
        return bearer.isEmpty() ? malformed() : check(bearer.get());
    }

    @Override
    AuthOutcome refused() {
        refusing = true;
        return AuthOutcome.Challenge.of(errorJson);
    }

    /** {@code key=value} pairs, each ended by ^A, the last followed by one more ^A. */
    static Optional<Credentials.Bearer> parse(String message) {
        if (!message.endsWith("" + SEPARATOR + SEPARATOR)) {
            return Optional.empty();
        }
        Map<String, String> pairs = new HashMap<>();
        String body = message.substring(0, message.length() - 2);
        for (String pair : body.split(String.valueOf(SEPARATOR), -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || pairs.put(pair.substring(0, eq).toLowerCase(Locale.ROOT), pair.substring(eq + 1)) != null) {
                return Optional.empty();
            }
        }
        String user = pairs.get("user");
        String auth = pairs.get("auth");
        if (user == null || user.isEmpty() || auth == null) {
            return Optional.empty();
        }
        int sp = auth.indexOf(' ');
        if (sp < 0 || !auth.substring(0, sp).equalsIgnoreCase("Bearer")) {
            return Optional.empty();
        }
        String token = auth.substring(sp + 1);
        if (token.isEmpty() || token.indexOf(' ') >= 0) {
            return Optional.empty();
        }
        return Optional.of(new Credentials.Bearer(user, token));
    }

    private static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
