package dev.smtpkit.client.internal.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.client.ClientCredentials;
import java.util.List;
import org.junit.jupiter.api.Test;

class SaslClientMechanismsTest {

    private static final ClientCredentials PASSWORD = ClientCredentials.password("tim", "tanstaaftanstaaf");
    private static final ClientCredentials TOKEN = ClientCredentials.token("tim@example.com", "ya29.token");

    private static String chosen(SaslClientMechanisms sasl, String... advertised) {
        return sasl.choose(List.of(advertised)).map(SaslClientMechanism::name).orElse("none");
    }

    @Test
    void passwordPrefersPlainThenLogin() {
        SaslClientMechanisms sasl = SaslClientMechanisms.of(PASSWORD);
        assertThat(sasl.preference()).containsExactly("PLAIN", "LOGIN");
        assertThat(chosen(sasl, "LOGIN", "PLAIN")).isEqualTo("PLAIN");
        assertThat(chosen(sasl, "login", "CRAM-MD5")).isEqualTo("LOGIN");
        assertThat(chosen(sasl, "XOAUTH2", "GSSAPI")).isEqualTo("none");
        assertThat(chosen(sasl)).isEqualTo("none");
    }

    @Test
    void cramMd5OnlyWhenPreferred() {
        assertThat(chosen(SaslClientMechanisms.of(PASSWORD), "CRAM-MD5")).isEqualTo("none");
        assertThat(SaslClientMechanisms.of(PASSWORD).create("CRAM-MD5")).isEmpty();
        SaslClientMechanisms sasl = SaslClientMechanisms.of(PASSWORD).preferCramMd5(true);
        assertThat(sasl.preference()).containsExactly("CRAM-MD5", "PLAIN", "LOGIN");
        assertThat(chosen(sasl, "PLAIN", "LOGIN", "cram-md5")).isEqualTo("CRAM-MD5");
        assertThat(chosen(sasl, "PLAIN", "LOGIN")).isEqualTo("PLAIN");
    }

    @Test
    void tokenUsesOnlyXoauth2() {
        SaslClientMechanisms sasl = SaslClientMechanisms.of(TOKEN);
        assertThat(sasl.preference()).containsExactly("XOAUTH2");
        assertThat(chosen(sasl, "PLAIN", "LOGIN", "XOAUTH2")).isEqualTo("XOAUTH2");
        assertThat(chosen(sasl, "PLAIN", "LOGIN")).isEqualTo("none");
        assertThat(sasl.create("PLAIN")).isEmpty();
    }

    @Test
    void createIgnoresPreferenceButNotFit() {
        assertThat(SaslClientMechanisms.of(PASSWORD).create("login").orElseThrow().name()).isEqualTo("LOGIN");
        assertThat(SaslClientMechanisms.of(PASSWORD).create("XOAUTH2")).isEmpty();
        assertThat(SaslClientMechanisms.of(PASSWORD).create("SCRAM-SHA-256")).isEmpty();
    }

    @Test
    void eachChoiceIsAFreshMechanism() {
        SaslClientMechanisms sasl = SaslClientMechanisms.of(PASSWORD);
        assertThat(sasl.choose(List.of("PLAIN")).orElseThrow()).isNotSameAs(sasl.choose(List.of("PLAIN")).orElseThrow());
    }

    @Test
    void toStringHidesSecrets() {
        assertThat(SaslClientMechanisms.of(PASSWORD).toString()).contains("tim").doesNotContain("tanstaaf");
        assertThat(SaslClientMechanisms.of(TOKEN).toString()).doesNotContain("ya29");
    }
}
