package dev.smtpkit.client.internal.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.client.ClientCredentials;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientMechanismsTest {

    private static final ClientCredentials.Password TIM = ClientCredentials.password("tim", "tanstaaftanstaaf");

    private static SaslClientMechanism mechanism(ClientCredentials c, String name) {
        return SaslClientMechanisms.of(c).preferCramMd5(true).create(name).orElseThrow();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("RFC 4616 §4: the PLAIN message for tim")
    void plainRfcExample() {
        assertThat(mechanism(TIM, "PLAIN").initialResponse()).contains("AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    }

    @Test
    @DisplayName("RFC 4616 §4: Kurt acting as Ursel")
    void plainWithAuthorizationId() {
        ClientCredentials c = ClientCredentials.password("Kurt", "xipj3plmq").actingAs("Ursel");
        assertThat(mechanism(c, "PLAIN").initialResponse()).contains("VXJzZWwAS3VydAB4aXBqM3BsbXE=");
    }

    @Test
    void plainAnswersTheEmptyChallengeOnce() {
        SaslClientMechanism m = mechanism(TIM, "PLAIN");
        assertThat(m.respond("")).isEqualTo("AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
        assertThatThrownBy(() -> m.respond("")).isInstanceOfSatisfying(SaslClientException.class,
                e -> assertThat(e.reason()).isEqualTo(SaslClientException.Reason.UNEXPECTED_CHALLENGE));
        assertThatThrownBy(() -> mechanism(TIM, "PLAIN").respond("eHh4")).isInstanceOf(SaslClientException.class);
    }

    @Test
    @DisplayName("RFC 2195 §2: the example response for tim")
    void cramMd5RfcExample() {
        SaslClientMechanism m = mechanism(TIM, "CRAM-MD5");
        assertThat(m.initialResponse()).isEmpty();
        assertThat(m.respond("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"))
                .isEqualTo("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
        assertThatThrownBy(() -> m.respond("PDE+")).isInstanceOf(SaslClientException.class);
    }

    @Test
    void cramMd5RefusesBadChallenges() {
        assertThatThrownBy(() -> mechanism(TIM, "CRAM-MD5").respond("")).isInstanceOfSatisfying(SaslClientException.class,
                e -> assertThat(e.reason()).isEqualTo(SaslClientException.Reason.MALFORMED_CHALLENGE));
        assertThatThrownBy(() -> mechanism(TIM, "CRAM-MD5").respond("%%%")).isInstanceOfSatisfying(SaslClientException.class,
                e -> assertThat(e.reason()).isEqualTo(SaslClientException.Reason.MALFORMED_CHALLENGE));
    }

    @Test
    @DisplayName("draft-murchison-sasl-login §2: user name to Username:, password to Password:")
    void login() {
        SaslClientMechanism m = mechanism(TIM, "LOGIN");
        assertThat(m.initialResponse()).isEmpty();
        assertThat(unb64(m.respond("VXNlcm5hbWU6"))).isEqualTo("tim");
        assertThat(unb64(m.respond("UGFzc3dvcmQ6"))).isEqualTo("tanstaaftanstaaf");
        assertThatThrownBy(() -> m.respond("UGFzc3dvcmQ6")).isInstanceOf(SaslClientException.class);
    }

    @Test
    void loginReadsPromptsAndOtherwiseGoesByOrder() {
        SaslClientMechanism byPrompt = mechanism(TIM, "LOGIN");
        assertThat(unb64(byPrompt.respond(b64("Password:")))).isEqualTo("tanstaaftanstaaf");
        SaslClientMechanism byOrder = mechanism(TIM, "LOGIN");
        assertThat(unb64(byOrder.respond(b64("Who?")))).isEqualTo("tim");
        assertThat(unb64(byOrder.respond(b64("Secret?")))).isEqualTo("tanstaaftanstaaf");
        assertThat(unb64(mechanism(TIM, "LOGIN").respond(b64("User Name")))).isEqualTo("tim");
        assertThatThrownBy(() -> mechanism(TIM, "LOGIN").respond("!")).isInstanceOf(SaslClientException.class);
    }

    @Test
    void xoauth2MessageAndErrorHandling() {
        SaslClientMechanism m = mechanism(ClientCredentials.token("someuser@example.com", "ya29.abc"), "XOAUTH2");
        assertThat(unb64(m.initialResponse().orElseThrow())).isEqualTo("user=someuser@example.com\u0001auth=Bearer ya29.abc\u0001\u0001");
        String error = "{\"status\":\"401\",\"schemes\":\"bearer\"}";
        assertThat(m.respond(b64(error))).isEmpty();
        assertThat(m.serverError()).contains(error);
        assertThatThrownBy(() -> m.respond(b64(error))).isInstanceOf(SaslClientException.class);
        SaslClientMechanism late = mechanism(ClientCredentials.token("u", "t"), "XOAUTH2");
        assertThat(late.respond("")).isEqualTo(late.initialResponse().orElseThrow());
    }

    @Test
    void credentialsAreCheckedAndHidden() {
        assertThatThrownBy(() -> ClientCredentials.password("", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientCredentials.password("a\0b", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientCredentials.password("a", "x").actingAs("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientCredentials.token("a", "t t")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientCredentials.token("a\u0001", "t")).isInstanceOf(IllegalArgumentException.class);
        assertThat(TIM.toString()).isEqualTo("Password[username=tim, password=<redacted>]");
        assertThat(ClientCredentials.token("u", "secret-token").toString()).doesNotContain("secret-token");
        for (String name : List.of("PLAIN", "LOGIN", "CRAM-MD5")) {
            SaslClientMechanism m = mechanism(TIM, name);
            assertThat(m.toString()).contains(name, "tim").doesNotContain("tanstaaf");
        }
        assertThat(mechanism(ClientCredentials.token("u", "secret-token"), "XOAUTH2").toString()).doesNotContain("secret-token");
    }

    @Test
    void challengeErrorsNeverQuoteSecrets() {
        SaslClientMechanism m = mechanism(TIM, "PLAIN");
        m.respond("");
        assertThatThrownBy(() -> m.respond("")).satisfies(e -> assertThat(e.getMessage()).doesNotContain("tanstaaf"));
        assertThat(Optional.of(TIM).map(Object::toString).orElseThrow()).doesNotContain("tanstaaf");
    }
}
