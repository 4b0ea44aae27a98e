package dev.smtpkit.server.internal.sasl;

import static dev.smtpkit.server.internal.sasl.Users.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpRejectException;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlainMechanismTest {

    private final Users users = new Users();
    private final SaslServerMechanisms sasl = SaslServerMechanisms.builder(users).build();

    private SaslServerMechanism plain() {
        return sasl.start("plain").orElseThrow();
    }

    @Test
    @DisplayName("RFC 4616 §4: \\0tim\\0tanstaaftanstaaf as an initial response")
    void rfcExampleWithoutAuthzid() {
        SaslServerMechanism m = plain();
        assertThat(m.step(Optional.of("AHRpbQB0YW5zdGFhZnRhbnN0YWFm"))).isEqualTo(new AuthOutcome.Success("tim"));
        assertThat(m.isComplete()).isTrue();
        assertThat(users.seen).containsExactly(new Credentials.Password(Optional.empty(), "tim", "tanstaaftanstaaf"));
    }

    @Test
    @DisplayName("RFC 4616 §4: Ursel\\0Kurt\\0xipj3plmq: Kurt authenticates and acts as Ursel")
    void rfcExampleWithAuthzid() {
        assertThat(plain().step(Optional.of(b64("Ursel\0Kurt\0xipj3plmq")))).isEqualTo(new AuthOutcome.Success("Ursel"));
        assertThat(users.seen).containsExactly(new Credentials.Password(Optional.of("Ursel"), "Kurt", "xipj3plmq"));
    }

    @Test
    @DisplayName("RFC 4954 §4: without an initial response the server sends an empty 334 and reads the message next")
    void withoutInitialResponse() {
        SaslServerMechanism m = plain();
        AuthOutcome first = m.step(Optional.empty());
        assertThat(first).isInstanceOf(AuthOutcome.Challenge.class);
        assertThat(((AuthOutcome.Challenge) first).reply().code()).isEqualTo(334);
        assertThat(((AuthOutcome.Challenge) first).reply().text()).isEmpty();
        assertThat(m.isComplete()).isFalse();
        assertThat(m.step(Optional.of(b64("\0alice\0" + Users.SECRET)))).isEqualTo(new AuthOutcome.Success("alice"));
    }

    @Test
    @DisplayName("RFC 4954 §4: '=' is an empty initial response, and an empty PLAIN message is malformed")
    void emptyInitialResponse() {
        assertThat(plain().step(Optional.of(""))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
        assertThat(users.seen).isEmpty();
    }

    @Test
    @DisplayName("RFC 4954 §6: a wrong password is 535 5.7.8")
    void wrongPassword() {
        AuthOutcome o = plain().step(Optional.of(b64("\0tim\0wrong")));
        assertThat(o).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
        assertThat(((AuthOutcome.Failure) o).reply().toString()).isEqualTo("535 5.7.8 Authentication credentials invalid\r\n");
    }

    @Test
    void anAuthorizationTheAuthenticatorRefusesIsRefused() {
        assertThat(plain().step(Optional.of(b64("Kurt\0tim\0tanstaaftanstaaf")))).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "AHRpbQ=B0", "@@@@"})
    @DisplayName("RFC 4954 §4: a response that is not base64 is 501 5.5.2")
    void notBase64(String response) {
        assertThat(plain().step(Optional.of(response))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tim\0tanstaaf", "\0\0pw", "\0tim\0", "a\0b\0c\0d", "timtanstaaf", "\0tim\0pw\0"})
    @DisplayName("RFC 4616 §2: exactly two NULs, and neither authcid nor passwd empty")
    void malformedMessages(String message) {
        assertThat(plain().step(Optional.of(b64(message)))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
        assertThat(users.seen).isEmpty();
    }

    @Test
    @DisplayName("RFC 4616 §2: the fields are UTF-8")
    void invalidUtf8() {
        byte[] m = {0, 't', 'i', 'm', 0, (byte) 0xc3, (byte) 0x28};
        assertThat(plain().step(Optional.of(Users.b64(m)))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
        assertThat(plain().step(Optional.of(b64("\0tïm\0pässwörd")))).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
        assertThat(users.seen).containsExactly(new Credentials.Password(Optional.empty(), "tïm", "pässwörd"));
    }

    @Test
    void secondEmptyResponseAfterTheEmptyChallengeIsMalformed() {
        SaslServerMechanism m = plain();
        m.step(Optional.empty());
        assertThat(m.step(Optional.of(""))).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
    }

    @Test
    void aFinishedExchangeRefusesMoreSteps() {
        SaslServerMechanism m = plain();
        m.step(Optional.of(b64("\0tim\0wrong")));
        assertThatThrownBy(() -> m.step(Optional.of("x"))).isInstanceOf(IllegalStateException.class).hasMessageContaining("PLAIN");
    }

    @Test
    @DisplayName("RFC 4954 §6: an authenticator that cannot check answers with its own 454 4.7.0")
    void authenticatorTemporaryFailure() {
        SaslServerMechanism m = SaslServerMechanisms.builder(c -> {
            throw new SmtpRejectException(SaslReplies.TEMPORARY_FAILURE);
        }).build().start("PLAIN").orElseThrow();
        assertThat(m.step(Optional.of(b64("\0tim\0x")))).isEqualTo(new AuthOutcome.Failure(SaslReplies.TEMPORARY_FAILURE));
    }

    @Test
    void authenticatorMisuseIsReported() {
        SaslServerMechanism nulls = SaslServerMechanisms.builder(c -> null).build().start("PLAIN").orElseThrow();
        assertThatThrownBy(() -> nulls.step(Optional.of(b64("\0tim\0x")))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Optional.empty()");
        // An authenticator cannot even make a "refusal" with a positive reply.
        assertThatThrownBy(() -> new SmtpRejectException(Replies.OK)).isInstanceOf(IllegalArgumentException.class);
        SaslServerMechanism empty = SaslServerMechanisms.builder(c -> Optional.of("")).build().start("PLAIN").orElseThrow();
        assertThatThrownBy(() -> empty.step(Optional.of(b64("\0tim\0x")))).isInstanceOf(IllegalArgumentException.class);
    }
}
