package dev.smtpkit.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Just enough JSON (RFC 8259) for the envelope files: strings, numbers, booleans, null, lists
 * and maps with keys in insertion order, written with two-space indentation. No library, for
 * one small file per message.
 */
final class Json {

    private Json() {
    }

    /**
     * Writes a value: {@code String}, {@code Number}, {@code Boolean}, {@code null}, an empty or
     * present {@code Optional}, a {@code List} or a {@code Map} with string keys.
     */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, "");
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object value, String indent) {
        if (value instanceof Optional<?> o) {
            write(sb, o.orElse(null), indent);
        } else if (value == null) {
            sb.append("null");
        } else if (value instanceof String s) {
            string(sb, s);
        } else if (value instanceof Number || value instanceof Boolean) {
            sb.append(value);
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                sb.append("[]");
                return;
            }
            String inner = indent + "  ";
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "\n" : ",\n").append(inner);
                write(sb, list.get(i), inner);
            }
            sb.append('\n').append(indent).append(']');
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                sb.append("{}");
                return;
            }
            String inner = indent + "  ";
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                sb.append(first ? "\n" : ",\n").append(inner);
                string(sb, (String) e.getKey());
                sb.append(": ");
                write(sb, e.getValue(), inner);
                first = false;
            }
            sb.append('\n').append(indent).append('}');
        } else {
            throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    /** A string with the escapes RFC 8259 §7 requires: quote, backslash and every control character. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    // U+2028 and U+2029 are valid JSON but break JavaScript that embeds it.
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
