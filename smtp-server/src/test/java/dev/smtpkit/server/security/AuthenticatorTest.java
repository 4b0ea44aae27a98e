package dev.smtpkit.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

    private static final Map<String, String> USERS = Map.of("tim", "tanstaaftanstaaf", "ann", "s3cret:with:colons");

    private static Credentials.Password plain(String authzid, String user, String password) {
        return new Credentials.Password(Optional.ofNullable(authzid), user, password);
    }

    @Test
    @DisplayName("RFC 4616 §2: PLAIN and LOGIN pass with the user's password, as the user; any other password, or user, is refused")
    void passwords() {
        Authenticator check = Authenticator.passwords(USERS);

        assertThat(check.authenticate(plain(null, "tim", "tanstaaftanstaaf"))).contains("tim");
        assertThat(check.authenticate(plain(null, "ann", "s3cret:with:colons"))).contains("ann");
        assertThat(check.authenticate(plain(null, "tim", "tanstaaftanstaa"))).isEmpty();
        assertThat(check.authenticate(plain(null, "tim", "s3cret:with:colons"))).isEmpty();
        assertThat(check.authenticate(plain(null, "bob", "tanstaaftanstaaf"))).isEmpty();
        assertThat(check.authenticate(plain(null, "Tim", "tanstaaftanstaaf"))).as("user names are exact").isEmpty();
    }

    @Test
    @DisplayName("RFC 4616 §2: a PLAIN authorization identity is taken only when it is the user's own")
    void authorizationIdentity() {
        Authenticator check = Authenticator.passwords(USERS);

        assertThat(check.authenticate(plain("tim", "tim", "tanstaaftanstaaf"))).contains("tim");
        assertThat(check.authenticate(plain("ann", "tim", "tanstaaftanstaaf"))).isEmpty();
    }

    @Test
    @DisplayName("RFC 2195 §2: CRAM-MD5 passes with the digest of the example under the user's password, fails otherwise")
    void cramMd5() {
        Authenticator check = Authenticator.passwords(USERS);
        String challenge = "<1896.697170952@postoffice.reston.mci.net>";

        assertThat(check.authenticate(new Credentials.ChallengeResponse("tim", challenge,
                "b913a602c7eda7a495b4e6e7334d3890"))).contains("tim");
        assertThat(check.authenticate(new Credentials.ChallengeResponse("tim", challenge,
                "b913a602c7eda7a495b4e6e7334d3891"))).isEmpty();
        assertThat(check.authenticate(new Credentials.ChallengeResponse("ann", challenge,
                "b913a602c7eda7a495b4e6e7334d3890"))).isEmpty();
    }

    @Test
    @DisplayName("XOAUTH2: a token is not a password, even the user's password sent as one")
    void bearerTokensAreRefused() {
        assertThat(Authenticator.passwords(USERS).authenticate(new Credentials.Bearer("tim", "tanstaaftanstaaf"))).isEmpty();
    }

    @Test
    void theAccountsAreCopied() {
        Map<String, String> users = new HashMap<>(USERS);
        Authenticator check = Authenticator.passwords(users);
        users.put("tim", "changed");
        users.put("eve", "eve");

        assertThat(check.authenticate(plain(null, "tim", "tanstaaftanstaaf"))).contains("tim");
        assertThat(check.authenticate(plain(null, "eve", "eve"))).isEmpty();
    }
}
