package dev.smtpkit.server.internal.sasl;

import static dev.smtpkit.server.internal.sasl.Users.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.security.Credentials;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.core.Replies;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CramMd5MechanismTest {

    /** The challenge of RFC 2195 §2's example. */
    static final ChallengeSource RFC_2195 = () -> "<1896.697170952@postoffice.reston.mci.net>";

    private final Users users = new Users();

    private SaslServerMechanism cram(ChallengeSource source) {
        return SaslServerMechanisms.builder(users).mechanisms(SaslMechanism.CRAM_MD5).cramMd5Challenges(source).build()
                .start("CRAM-MD5").orElseThrow();
    }

    @Test
    @DisplayName("RFC 2195 §2: the example exchange: tim / tanstaaftanstaaf")
    void rfcExample() {
        SaslServerMechanism m = cram(RFC_2195);
        AuthOutcome first = m.step(Optional.empty());
        assertThat(((AuthOutcome.Challenge) first).reply().text())
                .isEqualTo("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
        assertThat(m.step(Optional.of("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw")))
                .isEqualTo(new AuthOutcome.Success("tim"));
        assertThat(users.seen).containsExactly(new Credentials.ChallengeResponse("tim",
                "<1896.697170952@postoffice.reston.mci.net>", "b913a602c7eda7a495b4e6e7334d3890"));
    }

    @Test
    void upperCaseHexIsAccepted() {
        SaslServerMechanism m = cram(RFC_2195);
        m.step(Optional.empty());
        assertThat(m.step(Optional.of(b64("tim B913A602C7EDA7A495B4E6E7334D3890")))).isEqualTo(new AuthOutcome.Success("tim"));
    }

    @Test
    @DisplayName("RFC 2195 §2: a digest for another challenge fails with 535 5.7.8")
    void wrongDigest() {
        SaslServerMechanism m = cram(() -> "<1.2@other.example>");
        m.step(Optional.empty());
        assertThat(m.step(Optional.of("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw")))
                .isEqualTo(new AuthOutcome.Failure(Replies.AUTH_FAILED));
    }

    @Test
    @DisplayName("RFC 4954 §4: the server speaks first, so an initial response is refused with 501")
    void initialResponseRefused() {
        assertThat(cram(RFC_2195).step(Optional.of(b64("tim")))).isEqualTo(new AuthOutcome.Failure(SaslReplies.INITIAL_RESPONSE_NOT_ALLOWED));
        assertThat(cram(RFC_2195).step(Optional.of(""))).isEqualTo(new AuthOutcome.Failure(SaslReplies.INITIAL_RESPONSE_NOT_ALLOWED));
        assertThat(SaslReplies.INITIAL_RESPONSE_NOT_ALLOWED.code()).isEqualTo(501);
    }

    @Test
    void malformedResponses() {
        for (String bad : new String[] {b64("tim"), b64(" b913a602c7eda7a495b4e6e7334d3890"), b64("tim b913a602c7eda7a495b4e6e7334d389"),
                b64("tim b913a602c7eda7a495b4e6e7334d389z"), "!!", ""}) {
            SaslServerMechanism m = cram(RFC_2195);
            m.step(Optional.empty());
            assertThat(m.step(Optional.of(bad))).as(bad).isEqualTo(new AuthOutcome.Failure(SaslReplies.MALFORMED_RESPONSE));
        }
        assertThat(users.seen).isEmpty();
    }

    @Test
    void aUserNameMayHoldSpaces() {
        SaslServerMechanism m = cram(RFC_2195);
        m.step(Optional.empty());
        m.step(Optional.of(b64("tim smith b913a602c7eda7a495b4e6e7334d3890")));
        assertThat(users.seen).extracting(Credentials::username).containsExactly("tim smith");
    }

    @Test
    @DisplayName("RFC 2195 §2: challenges are <random.timestamp@hostname>, from the injected random and clock")
    void challengeSource() {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(697170952L), ZoneOffset.UTC);
        ChallengeSource fixed = ChallengeSource.of("postoffice.reston.mci.net", () -> 1896L, clock);
        assertThat(fixed.next()).isEqualTo("<1896.697170952@postoffice.reston.mci.net>");
        assertThat(ChallengeSource.of("h", () -> -1L, clock).next()).isEqualTo("<" + Long.MAX_VALUE + ".697170952@h>");
        ChallengeSource random = ChallengeSource.random("mx.example.org");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertThat(seen.add(random.next())).isTrue();
        }
        assertThat(seen).allMatch(c -> c.matches("<\\d+\\.\\d+@mx\\.example\\.org>"));
        assertThatThrownBy(() -> ChallengeSource.random("bad host")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChallengeSource.random("a>b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void challengeResponseMatchesOnlyTheRightSecret() {
        Credentials.ChallengeResponse r = new Credentials.ChallengeResponse("tim",
                "<1896.697170952@postoffice.reston.mci.net>", "b913a602c7eda7a495b4e6e7334d3890");
        assertThat(r.matches("tanstaaftanstaaf")).isTrue();
        assertThat(r.matches("tanstaaftanstaaF")).isFalse();
        assertThat(r.matches("")).isFalse();
        assertThat(r.toString()).doesNotContain("b913a602");
    }

    @Test
    @DisplayName("CRAM-MD5 is off by default and needs a challenge source to be enabled")
    void offByDefault() {
        assertThat(SaslServerMechanisms.builder(users).build().start("CRAM-MD5")).isEmpty();
        assertThatThrownBy(() -> SaslServerMechanisms.builder(users).mechanisms(SaslMechanism.CRAM_MD5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cramMd5Challenges");
    }
}
