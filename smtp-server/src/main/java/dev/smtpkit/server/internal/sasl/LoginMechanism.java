package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.Credentials;
import java.util.Optional;

/**
 * LOGIN (draft-murchison-sasl-login-00 §2): the server asks {@code Username:} then
 * {@code Password:}, and the client answers each with one base64 line. An initial response, sent
 * by some clients, is taken as the user name.
 */
final class LoginMechanism extends MechanismState {

    /** "Username:", the challenge text every LOGIN client expects. */
    static final String USERNAME_CHALLENGE = "VXNlcm5hbWU6";
    /** "Password:". */
    static final String PASSWORD_CHALLENGE = "UGFzc3dvcmQ6";

    private enum State { START, AWAIT_USERNAME, AWAIT_PASSWORD }

    private State state = State.START;
    private String username;

    LoginMechanism(Authenticator authenticator) {
        super("LOGIN", authenticator);
    }

    @Override
    AuthOutcome next(Optional<String> response) {
        switch (state) {
            case START -> {
                if (response.isEmpty()) {
                    state = State.AWAIT_USERNAME;
                    return challenge(USERNAME_CHALLENGE);
                }
                return takeUsername(response.get());
            }
            case AWAIT_USERNAME -> {
                return takeUsername(response.orElse(""));
            }
            default -> {
                Optional<String> password = response.flatMap(SaslText::base64Utf8).filter(p -> !p.isEmpty());
                return password.isEmpty() ? malformed()
                        : check(new Credentials.Password(Optional.empty(), username, password.get()));
            }
        }
    }

    private AuthOutcome takeUsername(String base64) {
        Optional<String> name = SaslText.base64Utf8(base64).filter(n -> !n.isEmpty());
        if (name.isEmpty()) {
            return malformed();
        }
        username = name.get();
        state = State.AWAIT_PASSWORD;
        return challenge(PASSWORD_CHALLENGE);
    }

    private static AuthOutcome challenge(String base64) {
        return new AuthOutcome.Challenge(dev.smtpkit.core.Reply.of(334, base64));
    }

    @Override
    public String toString() {
        return "LOGIN[" + (isComplete() ? "complete" : state) + (username == null ? "" : ", username=" + username) + "]";
    }
}
