package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.server.internal.sasl.AuthOutcome;
import dev.smtpkit.server.internal.sasl.SaslReplies;
import dev.smtpkit.server.internal.sasl.SaslServerMechanisms;
import dev.smtpkit.server.security.Credentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A connection's AUTH steps without a driver or a session: each step a call, each call's end an outcome. */
class AuthStepsTest {

    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);
    private static final Connection CONNECTION = new Connection("1", PEER, PEER, () -> { }, new MemoryBudget(1 << 20));

    /** Accepts alice with "secret"; a user named "crash" breaks the credential store. */
    private static final SaslServerMechanisms SASL = SaslServerMechanisms.builder(c -> {
        Credentials.Password p = (Credentials.Password) c;
        if (p.username().equals("crash")) {
            throw new IllegalStateException("test: the credential store is down");
        }
        return p.username().equals("alice") && p.password().equals("secret") ? Optional.of("alice") : Optional.empty();
    }).build();

    private static ServerEvent.AuthStep plain(String user, String password) {
        String response = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return new ServerEvent.AuthStep("PLAIN", Optional.of(response), 0);
    }

    /** Runs the step's call, as the driver does on the connection's thread, and takes its end. */
    private static AuthSteps.Done take(AuthSteps steps, ServerEvent.AuthStep step) {
        HandlerCall call = steps.call(step).orElseThrow();
        call.run(true, () -> { });
        return steps.done(call, Optional.of(step));
    }

    @Test
    @DisplayName("Without an authenticator there is no call to make")
    void offWithoutMechanisms() {
        assertThat(new AuthSteps(CONNECTION, Optional.empty()).call(plain("alice", "secret"))).isEmpty();
    }

    @Test
    @DisplayName("RFC 4954 §4: good credentials succeed for their identity, bad ones fail 535, each noted for the transcript")
    void successAndFailure() {
        AuthSteps steps = new AuthSteps(CONNECTION, Optional.of(SASL));
        AuthSteps.Done ok = take(steps, plain("alice", "secret"));
        assertThat(ok.outcome()).isEqualTo(new AuthOutcome.Success("alice"));
        assertThat(ok.note()).contains("AUTH PLAIN succeeded for alice");

        AuthSteps.Done bad = take(steps, plain("alice", "wrong"));
        assertThat(bad.outcome()).isInstanceOf(AuthOutcome.Failure.class);
        assertThat(bad.note()).hasValueSatisfying(n -> assertThat(n).startsWith("AUTH PLAIN failed: 535"));
    }

    @Test
    @DisplayName("RFC 4954 §6: an authenticator that fails is answered 454 4.7.0, and the next exchange still works")
    void failingAuthenticatorIsTemporary() {
        AuthSteps steps = new AuthSteps(CONNECTION, Optional.of(SASL));
        AuthSteps.Done crashed = take(steps, plain("crash", "x"));
        assertThat(crashed.outcome()).isEqualTo(new AuthOutcome.Failure(SaslReplies.TEMPORARY_FAILURE));
        assertThat(crashed.note()).hasValueSatisfying(n -> assertThat(n).startsWith("AUTH PLAIN failed: 454 4.7.0"));

        assertThat(take(steps, plain("alice", "secret")).outcome()).isEqualTo(new AuthOutcome.Success("alice"));
    }

    @Test
    @DisplayName("A challenge goes to the session without a note: the exchange is not over")
    void challengeHasNoNote() {
        AuthSteps steps = new AuthSteps(CONNECTION, Optional.of(SASL));
        AuthSteps.Done challenge = take(steps, new ServerEvent.AuthStep("LOGIN", Optional.empty(), 0));
        assertThat(challenge.outcome()).isInstanceOf(AuthOutcome.Challenge.class);
        assertThat(challenge.note()).isEmpty();
    }
}
