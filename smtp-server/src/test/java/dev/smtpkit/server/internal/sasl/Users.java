package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A test credential store that remembers every credential it was shown. */
final class Users implements Authenticator {

    static final String SECRET = "s3cr3t-Pa55w0rd";
    static final String TOKEN = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";

    final Map<String, String> passwords = Map.of("tim", "tanstaaftanstaaf", "alice", SECRET, "Kurt", "xipj3plmq");
    final Map<String, String> tokens = Map.of("someuser@example.com", TOKEN);
    final List<Credentials> seen = new ArrayList<>();

    @Override
    public Optional<String> authenticate(Credentials credentials) {
        seen.add(credentials);
        if (credentials instanceof Credentials.Password p) {
            boolean ok = p.password().equals(passwords.get(p.username()));
            // Only Kurt may act for others, as in RFC 4616 §4's example.
            boolean mayAct = p.authorizationId().isEmpty() || p.authorizationId().get().equals(p.username())
                    || p.username().equals("Kurt");
            return ok && mayAct ? Optional.of(p.authorizationId().orElse(p.username())) : Optional.empty();
        }
        if (credentials instanceof Credentials.ChallengeResponse c) {
            String pw = passwords.get(c.username());
            return pw != null && c.matches(pw) ? Optional.of(c.username()) : Optional.empty();
        }
        Credentials.Bearer b = (Credentials.Bearer) credentials;
        return b.token().equals(tokens.get(b.username())) ? Optional.of(b.username()) : Optional.empty();
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static String unb64(String text) {
        return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
    }
}
