package dev.smtpkit.server.internal.sasl;

import static dev.smtpkit.server.internal.sasl.Users.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerEvent.AuthStep;
import dev.smtpkit.core.server.ServerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthExchangeTest {

    private final Users users = new Users();
    private final SaslServerMechanisms sasl = SaslServerMechanisms.builder(users)
            .mechanisms(SaslMechanism.XOAUTH2, SaslMechanism.CRAM_MD5, SaslMechanism.PLAIN, SaslMechanism.LOGIN)
            .cramMd5Challenges(CramMd5MechanismTest.RFC_2195)
            .build();

    private SessionLoop connect() {
        ServerConfig config = ServerConfig.builder().hostname("mx.example.org").authMechanisms(sasl.names())
                .allowAuthWithoutTls(true).build();
        return new SessionLoop(config, sasl).send("EHLO client.example\r\n");
    }

    @Test
    void theNamesGoIntoTheEhloReply() {
        SessionLoop loop = connect();
        assertThat(loop.lastReply().lines()).contains("AUTH XOAUTH2 CRAM-MD5 PLAIN LOGIN");
    }

    @Test
    @DisplayName("RFC 4954 §4: AUTH PLAIN with an initial response ends in 235 and records the identity")
    void plainThroughTheSession() {
        SessionLoop loop = connect().send("AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
        assertThat(loop.lastReply()).isEqualTo(Replies.AUTH_SUCCEEDED);
        assertThat(loop.session.authenticatedIdentity()).contains("tim");
        assertThat(loop.exchange.inProgress()).isFalse();
    }

    @Test
    @DisplayName("RFC 4954 §4: AUTH PLAIN = is an empty initial response, answered 501 5.5.2")
    void plainWithEmptyInitialResponse() {
        SessionLoop loop = connect().send("AUTH PLAIN =\r\n");
        assertThat(loop.lastReply()).isEqualTo(SaslReplies.MALFORMED_RESPONSE);
        assertThat(loop.session.authenticatedIdentity()).isEmpty();
    }

    @Test
    void loginThroughTheSessionInThreeSteps() {
        SessionLoop loop = connect().send("AUTH LOGIN\r\n");
        assertThat(loop.lastReply().toString()).isEqualTo("334 VXNlcm5hbWU6\r\n");
        loop.send(b64("alice") + "\r\n");
        assertThat(loop.lastReply().toString()).isEqualTo("334 UGFzc3dvcmQ6\r\n");
        assertThat(loop.exchange.inProgress()).isTrue();
        loop.send(b64(Users.SECRET) + "\r\n");
        assertThat(loop.lastReply()).isEqualTo(Replies.AUTH_SUCCEEDED);
        assertThat(loop.session.authenticatedIdentity()).contains("alice");
    }

    @Test
    @DisplayName("RFC 2195 §2 through the session, with the RFC's challenge")
    void cramMd5ThroughTheSession() {
        SessionLoop loop = connect().send("AUTH CRAM-MD5\r\n");
        assertThat(loop.lastReply().text()).isEqualTo("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
        loop.send("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");
        assertThat(loop.session.authenticatedIdentity()).contains("tim");
    }

    @Test
    void xoauth2RefusalThroughTheSession() {
        SessionLoop loop = connect().send("AUTH XOAUTH2 " + b64("user=a@example.com\u0001auth=Bearer nope\u0001\u0001") + "\r\n");
        assertThat(loop.lastReply().code()).isEqualTo(334);
        loop.send("\r\n");
        assertThat(loop.lastReply()).isEqualTo(Replies.AUTH_FAILED);
        assertThat(loop.session.state()).isEqualTo(ServerState.READY);
    }

    @Test
    @DisplayName("RFC 4954 §4: after a '*' cancel, the next AUTH starts a new exchange")
    void cancelThenRetry() {
        SessionLoop loop = connect().send("AUTH LOGIN\r\n").send(b64("alice") + "\r\n").send("*\r\n");
        assertThat(loop.lastReply()).isEqualTo(Replies.AUTH_CANCELLED);
        loop.send("AUTH LOGIN " + b64("alice") + "\r\n").send(b64(Users.SECRET) + "\r\n");
        assertThat(loop.lastReply()).isEqualTo(Replies.AUTH_SUCCEEDED);
    }

    @Test
    void failuresCountTowardsTheSessionLimit() {
        SessionLoop loop = connect();
        for (int i = 0; i < 3; i++) {
            loop.send("AUTH PLAIN " + b64("\0tim\0wrong") + "\r\n");
        }
        assertThat(loop.replies.subList(loop.replies.size() - 2, loop.replies.size()))
                .containsExactly(Replies.AUTH_FAILED, Replies.TOO_MANY_ERRORS);
        assertThat(loop.session.state()).isEqualTo(ServerState.CLOSED);
    }

    @Test
    @DisplayName("Secrets never appear in the session log, outcomes, exchange state or credentials' toString")
    void secretsStayOutOfEverything() {
        List<String> text = new ArrayList<>();
        SessionLoop plain = connect().send("AUTH PLAIN " + b64("\0alice\0" + Users.SECRET) + "\r\n");
        SessionLoop login = connect().send("AUTH LOGIN\r\n").send(b64("alice") + "\r\n").send(b64(Users.SECRET + "x") + "\r\n");
        SessionLoop xoauth = connect().send("AUTH XOAUTH2 " + b64("user=someuser@example.com\u0001auth=Bearer "
                + Users.TOKEN + "\u0001\u0001") + "\r\n");
        for (SessionLoop loop : List.of(plain, login, xoauth)) {
            text.addAll(loop.log);
            text.addAll(loop.outcomes);
            loop.replies.forEach(r -> text.add(r.toString()));
            text.add(loop.exchange.toString());
        }
        users.seen.forEach(c -> text.add(c.toString()));
        assertThat(users.seen).hasSize(3);
        assertThat(String.join("\n", text)).doesNotContain(Users.SECRET, Users.TOKEN, b64(Users.SECRET), b64("\0alice\0" + Users.SECRET));
    }

    @Test
    void anUnknownMechanismIs504() {
        AuthExchange e = sasl.newExchange();
        assertThat(e.next(new AuthStep("GSSAPI", Optional.empty(), 0))).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_MECHANISM_UNKNOWN));
        AuthExchange onlyPlain = SaslServerMechanisms.builder(users).mechanisms(SaslMechanism.PLAIN).build().newExchange();
        assertThat(onlyPlain.next(new AuthStep("LOGIN", Optional.empty(), 0))).isEqualTo(new AuthOutcome.Failure(Replies.AUTH_MECHANISM_UNKNOWN));
    }

    @Test
    void stepsOutOfOrderAreMisuse() {
        AuthExchange e = sasl.newExchange();
        assertThatThrownBy(() -> e.next(new AuthStep("LOGIN", Optional.of("x"), 1))).isInstanceOf(IllegalStateException.class);
        e.next(new AuthStep("LOGIN", Optional.empty(), 0));
        assertThatThrownBy(() -> e.next(new AuthStep("PLAIN", Optional.of("x"), 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("LOGIN");
        // A new step 0 starts over even while an exchange is in progress.
        assertThat(e.next(new AuthStep("PLAIN", Optional.of(b64("\0tim\0tanstaaftanstaaf")), 0))).isEqualTo(new AuthOutcome.Success("tim"));
        assertThat(e.inProgress()).isFalse();
    }

    @Test
    void outcomeValuesCheckTheirReplies() {
        assertThatThrownBy(() -> new AuthOutcome.Challenge(Replies.OK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthOutcome.Failure(Replies.OK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthOutcome.Success("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(AuthOutcome.Challenge.of("Username:").reply().text()).isEqualTo("VXNlcm5hbWU6");
    }
}
