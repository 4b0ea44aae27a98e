package dev.smtpkit.server.internal.sasl;

import static dev.smtpkit.server.internal.sasl.Users.b64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.core.Replies;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Xoauth2MechanismTest {

    private final Users users = new Users();

    private SaslServerMechanism xoauth2(SaslServerMechanisms.Builder b) {
        return b.build().start("XOAUTH2").orElseThrow();
    }

    private SaslServerMechanism xoauth2() {
        return xoauth2(SaslServerMechanisms.builder(users).mechanisms(SaslMechanism.XOAUTH2));
    }

    private static String message(String user, String token) {
        return b64("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001");
    }

    @Test
    void aValidTokenSucceeds() {
        assertThat(xoauth2().step(Optional.of(message("someuser@example.com", Users.TOKEN))))
                .isEqualTo(new AuthOutcome.Success("someuser@example.com"));
        assertThat(users.seen).containsExactly(new Credentials.Bearer("someuser@example.com", Users.TOKEN));
    }

    @Test
    void withoutInitialResponseTheServerSendsAnEmptyChallenge() {
        SaslServerMechanism m = xoauth2();
        AuthOutcome first = m.step(Optional.empty());
        assertThat(((AuthOutcome.Challenge) first).reply().text()).isEmpty();
        assertThat(m.step(Optional.of(message("someuser@example.com", Users.TOKEN)))).isInstanceOf(AuthOutcome.Success.class);
    }

    @Test
    void aRefusedTokenGetsTheJsonErrorThenFailsAfterTheEmptyResponse() {
        SaslServerMechanism m = xoauth2();
        AuthOutcome error = m.step(Optional.of(message("someuser@example.com", "expired")));
        assertThat(error).isInstanceOf(AuthOutcome.Challenge.class);
        assertThat(Users.unb64(((AuthOutcome.Challenge) error).reply().text()))
                .isEqualTo("{\"status\":\"401\",\"schemes\":\"bearer\"}");
        assertThat(m.isComplete()).isFalse();
        assertThat(m.step(Optional.of(""))).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
        assertThat(m.isComplete()).isTrue();
    }

    @Test
    void theErrorNamesTheConfiguredScope() {
        SaslServerMechanism m = xoauth2(SaslServerMechanisms.builder(users).mechanisms(SaslMechanism.XOAUTH2)
                .xoauth2Scope("https://mail.example.org/\"x\""));
        AuthOutcome error = m.step(Optional.of(message("nobody@example.com", "t")));
        assertThat(Users.unb64(((AuthOutcome.Challenge) error).reply().text()))
                .isEqualTo("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.example.org/\\\"x\\\"\"}");
    }

    @Test
    void extraKeysAndSchemeCaseAreAccepted() {
        String msg = b64("user=someuser@example.com\u0001host=mx\u0001auth=bearer " + Users.TOKEN + "\u0001\u0001");
        assertThat(xoauth2().step(Optional.of(msg))).isEqualTo(new AuthOutcome.Success("someuser@example.com"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "user=a\u0001auth=Bearer t\u0001",          // one ^A at the end
        "user=a\u0001auth=Bearer t",                // none
        "auth=Bearer t\u0001\u0001",                // no user
        "user=a\u0001\u0001",                       // no auth
        "user=\u0001auth=Bearer t\u0001\u0001",     // empty user
        "user=a\u0001auth=Basic t\u0001\u0001",     // not a bearer token
        "user=a\u0001auth=Bearer \u0001\u0001",     // empty token
        "user=a\u0001auth=Bearert\u0001\u0001",     // no space after the scheme
        "user=a\u0001user=b\u0001auth=Bearer t\u0001\u0001", // a key twice
        "user=a\u0001junk\u0001auth=Bearer t\u0001\u0001",   // not key=value
        ""
    })
    void malformedMessagesAre501(String message) {
        assertThat(xoauth2().step(Optional.of(b64(message)))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
        assertThat(users.seen).isEmpty();
    }

    @Test
    void notBase64Is501() {
        assertThat(xoauth2().step(Optional.of("%%%"))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
    }

    @Test
    void offByDefault() {
        assertThat(SaslServerMechanisms.builder(users).build().start("XOAUTH2")).isEmpty();
    }
}
