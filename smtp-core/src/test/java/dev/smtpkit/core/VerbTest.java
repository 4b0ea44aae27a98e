package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class VerbTest {

    @ParameterizedTest
    @EnumSource(value = Verb.class, mode = EnumSource.Mode.EXCLUDE, names = "UNKNOWN")
    @DisplayName("RFC 5321 §2.4: verbs are not case sensitive")
    void caseInsensitive(Verb verb) {
        String name = verb.name();
        assertThat(Verb.lookup(name)).isEqualTo(verb);
        assertThat(Verb.lookup(name.toLowerCase(java.util.Locale.ROOT))).isEqualTo(verb);
        String mixed = name.charAt(0) + name.substring(1).toLowerCase(java.util.Locale.ROOT);
        assertThat(Verb.lookup(mixed)).isEqualTo(verb);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "HEL", "HELOO", "XHELO", "MAIL:", "STARTTL", "STARTTLSS", "QU\u0131T", "\u017fTARTTLS", "\u212aAIL", "H\u0000LO", "HE LO"})
    void othersAreUnknown(String word) {
        assertThat(Verb.lookup(word)).isEqualTo(Verb.UNKNOWN);
    }
}
