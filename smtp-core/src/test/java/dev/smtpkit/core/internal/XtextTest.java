package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpException;
import dev.smtpkit.core.SmtpSyntaxException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XtextTest {

    @Test
    @DisplayName("RFC 3461 §4: '+', '=', space and controls are +XX with upper-case hex")
    void encode() {
        assertThat(Xtext.encode("a+b=c d")).isEqualTo("a+2Bb+3Dc+20d");
        assertThat(Xtext.encode("user@example.org")).isEqualTo("user@example.org");
        assertThat(Xtext.encode("\u00e9")).isEqualTo("+C3+A9");
        assertThat(Xtext.encode("\t")).isEqualTo("+09");
    }

    @Test
    void decode() {
        assertThat(Xtext.decode("a+2Bb+3Dc+20d")).isEqualTo("a+b=c d");
        assertThat(Xtext.decode("+C3+A9")).isEqualTo("\u00e9");
        assertThat(Xtext.decode("")).isEqualTo("");
        assertThat(Xtext.decode("<>")).isEqualTo("<>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"+", "+4", "+4g", "+2b", "a=b", "a b", "a\u0001", "+FF", "+C3"})
    @DisplayName("RFC 3461 §4: malformed xtext is refused with 501 5.5.4")
    void malformed(String xtext) {
        assertThatThrownBy(() -> Xtext.decode(xtext))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.PARAMETER_SYNTAX);
    }
}
