package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    @DisplayName("RFC 8259 §7: quote, backslash and every control character are escaped")
    void escapesWhatStringsMustEscape() {
        assertThat(Json.write("a\"b\\c\nd\re\tf\bg\fh\u0000i\u001fj\u007fk\u00e9\u2028"))
                .isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0000i\\u001fj\u007fk\u00e9\\u2028\"\n");
    }

    @Test
    void writesNestedValuesInInsertionOrder() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("z", 1);
        map.put("a", List.of(true, "x"));
        map.put("empty", Map.of());
        map.put("none", Optional.empty());
        map.put("some", Optional.of("y"));
        map.put("null", null);
        assertThat(Json.write(map)).isEqualTo("""
                {
                  "z": 1,
                  "a": [
                    true,
                    "x"
                  ],
                  "empty": {},
                  "none": null,
                  "some": "y",
                  "null": null
                }
                """);
        assertThat(Json.write(List.of())).isEqualTo("[]\n");
    }

    @Test
    void refusesWhatItCannotWrite() {
        assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class);
    }
}
