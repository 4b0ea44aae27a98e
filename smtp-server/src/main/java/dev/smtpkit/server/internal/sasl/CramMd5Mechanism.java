package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * CRAM-MD5 (RFC 2195 §2): the server sends a unique challenge; the client answers with its name,
 * a space and the hex HMAC-MD5 of the challenge keyed with the shared secret. The server speaks
 * first, so an initial response is refused with 501 (RFC 4954 §4).
 */
final class CramMd5Mechanism extends MechanismState {

    private final ChallengeSource challenges;
    private String challenge;

    CramMd5Mechanism(Authenticator authenticator, ChallengeSource challenges) {
        super("CRAM-MD5", authenticator);
        this.challenges = challenges;
    }

    @Override
    AuthOutcome next(Optional<String> response) {
        if (challenge == null) {
            if (response.isPresent()) {
                return new AuthOutcome.Failure(SaslReplies.INITIAL_RESPONSE_NOT_ALLOWED);
            }
            challenge = challenges.next();
            return AuthOutcome.Challenge.of(challenge.getBytes(StandardCharsets.US_ASCII));
        }
        Optional<String> text = response.flatMap(SaslText::base64Utf8);
        if (text.isEmpty()) {
            return malformed();
        }
        String t = text.get();
        // The name may itself hold spaces; the digest is what follows the last one.
        int sp = t.lastIndexOf(' ');
        if (sp <= 0 || !isDigest(t.substring(sp + 1))) {
            return malformed();
        }
        return check(new Credentials.ChallengeResponse(t.substring(0, sp), challenge,
                t.substring(sp + 1).toLowerCase(Locale.ROOT)));
    }

    private static boolean isDigest(String s) {
        return s.length() == 32 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
    }
}
