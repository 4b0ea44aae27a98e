package dev.smtpkit.client.internal.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.client.ClientCredentials;
import dev.smtpkit.core.Replies;
import dev.smtpkit.server.internal.sasl.AuthOutcome;
import dev.smtpkit.server.internal.sasl.ChallengeSource;
import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.server.internal.sasl.SaslServerMechanism;
import dev.smtpkit.server.internal.sasl.SaslServerMechanisms;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each client mechanism against the matching server mechanism, in memory, both ways of starting. */
class InteropTest {

    private static final String PASSWORD = "p\u00e4ss w\u00f6rd:with=odd+chars";
    private static final String TOKEN = "ya29.a0AfH6SMB-token_value";

    private final SaslServerMechanisms server = SaslServerMechanisms.builder(c -> {
        if (c instanceof Credentials.Password p) {
            return p.username().equals("alice") && p.password().equals(PASSWORD) ? Optional.of(p.authorizationId().orElse("alice")) : Optional.empty();
        }
        if (c instanceof Credentials.ChallengeResponse r) {
            return r.username().equals("alice") && r.matches(PASSWORD) ? Optional.of("alice") : Optional.empty();
        }
        Credentials.Bearer b = (Credentials.Bearer) c;
        return b.username().equals("alice@example.com") && b.token().equals(TOKEN) ? Optional.of(b.username()) : Optional.empty();
    }).mechanisms(SaslMechanism.values()).cramMd5Challenges(ChallengeSource.of("mx.example.org", new java.util.Random(7), Clock.systemUTC())).build();

    /** Runs the exchange the way an SMTP client and server would, with or without the initial response. */
    private AuthOutcome run(SaslClientMechanism client, boolean sendInitialResponse) {
        SaslServerMechanism s = server.start(client.name()).orElseThrow();
        AuthOutcome outcome = s.step(sendInitialResponse ? client.initialResponse() : Optional.empty());
        for (int round = 0; outcome instanceof AuthOutcome.Challenge c && round < 5; round++) {
            outcome = s.step(Optional.of(client.respond(c.reply().text())));
        }
        return outcome;
    }

    private static SaslClientMechanism client(ClientCredentials creds, String name) {
        return SaslClientMechanisms.of(creds).preferCramMd5(true).create(name).orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5"})
    void passwordMechanismsSucceed(String name) {
        ClientCredentials alice = ClientCredentials.password("alice", PASSWORD);
        assertThat(run(client(alice, name), true)).isEqualTo(new AuthOutcome.Success("alice"));
        assertThat(run(client(alice, name), false)).isEqualTo(new AuthOutcome.Success("alice"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5"})
    void passwordMechanismsFailWithAWrongPassword(String name) {
        ClientCredentials wrong = ClientCredentials.password("alice", PASSWORD + "x");
        assertThat(run(client(wrong, name), true)).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void plainCarriesTheAuthorizationId(boolean initial) {
        ClientCredentials c = ClientCredentials.password("alice", PASSWORD).actingAs("shared@example.com");
        assertThat(run(client(c, "PLAIN"), initial)).isEqualTo(new AuthOutcome.Success("shared@example.com"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void xoauth2SucceedsAndFails(boolean initial) {
        assertThat(run(client(ClientCredentials.token("alice@example.com", TOKEN), "XOAUTH2"), initial))
                .isEqualTo(new AuthOutcome.Success("alice@example.com"));
        SaslClientMechanism expired = client(ClientCredentials.token("alice@example.com", "expired"), "XOAUTH2");
        assertThat(run(expired, initial)).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
        assertThat(expired.serverError()).hasValueSatisfying(e -> assertThat(e).contains("\"status\":\"401\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"})
    void chooseFindsTheServersMechanism(String name) {
        ClientCredentials creds = name.equals("XOAUTH2") ? ClientCredentials.token("alice@example.com", TOKEN)
                : ClientCredentials.password("alice", PASSWORD);
        SaslClientMechanism m = SaslClientMechanisms.of(creds).preferCramMd5(true).choose(List.of(name)).orElseThrow();
        assertThat(run(m, true)).isInstanceOf(AuthOutcome.Success.class);
    }
}
