package dev.smtpkit.server.internal.sasl;

import static dev.smtpkit.server.internal.sasl.Users.b64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LoginMechanismTest {

    private final Users users = new Users();
    private final SaslServerMechanism login = SaslServerMechanisms.builder(users).build().start("LOGIN").orElseThrow();

    private static AuthOutcome challenge(String base64) {
        return new AuthOutcome.Challenge(Reply.of(334, base64));
    }

    @Test
    @DisplayName("draft-murchison-sasl-login §2: 334 Username:, 334 Password:, then the check")
    void fullExchange() {
        assertThat(login.step(Optional.empty())).isEqualTo(challenge("VXNlcm5hbWU6"));
        assertThat(Users.unb64("VXNlcm5hbWU6")).isEqualTo("Username:");
        assertThat(login.step(Optional.of(b64("alice")))).isEqualTo(challenge("UGFzc3dvcmQ6"));
        assertThat(Users.unb64("UGFzc3dvcmQ6")).isEqualTo("Password:");
        assertThat(login.isComplete()).isFalse();
        assertThat(login.step(Optional.of(b64(Users.SECRET)))).isEqualTo(new AuthOutcome.Success("alice"));
        assertThat(users.seen).containsExactly(new Credentials.Password(Optional.empty(), "alice", Users.SECRET));
    }

    @Test
    void anInitialResponseIsTheUserName() {
        assertThat(login.step(Optional.of(b64("tim")))).isEqualTo(challenge("UGFzc3dvcmQ6"));
        assertThat(login.step(Optional.of(b64("tanstaaftanstaaf")))).isEqualTo(new AuthOutcome.Success("tim"));
    }

    @Test
    void wrongPasswordIs535() {
        login.step(Optional.empty());
        login.step(Optional.of(b64("alice")));
        assertThat(login.step(Optional.of(b64("guess")))).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
    }

    @Test
    void malformedOrEmptyAnswersAre501() {
        login.step(Optional.empty());
        assertThat(login.step(Optional.of("*not*"))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));

        SaslServerMechanism emptyName = SaslServerMechanisms.builder(users).build().start("LOGIN").orElseThrow();
        assertThat(emptyName.step(Optional.of(""))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));

        SaslServerMechanism emptyPassword = SaslServerMechanisms.builder(users).build().start("LOGIN").orElseThrow();
        emptyPassword.step(Optional.of(b64("alice")));
        assertThat(emptyPassword.step(Optional.of(""))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
        assertThat(users.seen).isEmpty();
    }

    @Test
    void toStringShowsTheStepButNoPassword() {
        login.step(Optional.of(b64("alice")));
        assertThat(login.toString()).contains("LOGIN", "AWAIT_PASSWORD", "alice");
        login.step(Optional.of(b64(Users.SECRET)));
        assertThat(login.toString()).contains("complete").doesNotContain(Users.SECRET);
    }
}
