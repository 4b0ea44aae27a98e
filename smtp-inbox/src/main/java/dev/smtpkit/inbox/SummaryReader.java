package dev.smtpkit.inbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the summaries {@link Jsons#storedSummary} wrote, token by token with jackson-core alone.
 * At start the store reads one per message: streaming them needs no tree of the whole index, and
 * no {@code ObjectMapper}, whose set-up is a good part of a start (class loading) and can wait
 * until the inbox is listening.
 */
final class SummaryReader {

    private static final JsonFactory FACTORY = new JsonFactory();

    private SummaryReader() {
    }

    /** The summaries under {@code "messages"} of an index ({@code {"messages": [...]}}), in file order. */
    static List<MessageSummary> readIndex(InputStream in) throws IOException {
        List<MessageSummary> out = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(in)) {
            expect(p, next(p), JsonToken.START_OBJECT);
            while (next(p) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = next(p);
                if (field.equals("messages")) {
                    expect(p, value, JsonToken.START_ARRAY);
                    while (next(p) != JsonToken.END_ARRAY) {
                        out.add(read(p));
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return out;
    }

    /** One summary, the parser on its {@code START_OBJECT}; leaves it on the matching {@code END_OBJECT}. */
    static MessageSummary read(JsonParser p) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT);
        String id = "";
        String messageId = "";
        Address from = new Address("", "");
        List<Address> to = List.of();
        List<Address> cc = List.of();
        List<Address> bcc = List.of();
        List<Address> replyTo = List.of();
        String subject = "";
        Instant created = null;
        long size = 0;
        int attachments = 0;
        String snippet = "";
        String sender = "";
        List<String> recipients = List.of();
        String searchText = "";
        while (next(p) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            next(p);
            switch (field) {
                case "ID" -> id = text(p);
                case "MessageID" -> messageId = text(p);
                case "From" -> from = address(p);
                case "To" -> to = list(p, SummaryReader::address);
                case "Cc" -> cc = list(p, SummaryReader::address);
                case "Bcc" -> bcc = list(p, SummaryReader::address);
                case "ReplyTo" -> replyTo = list(p, SummaryReader::address);
                case "Subject" -> subject = text(p);
                case "Created" -> created = instant(text(p));
                case "Size" -> size = p.getValueAsLong();
                case "Attachments" -> attachments = p.getValueAsInt();
                case "Snippet" -> snippet = text(p);
                case "Sender" -> sender = text(p);
                case "Recipients" -> recipients = list(p, SummaryReader::text);
                // Stored in lower case; an older or hand-edited file may not be.
                case "SearchText" -> searchText = text(p).toLowerCase(Locale.ROOT);
                default -> p.skipChildren();
            }
        }
        if (created == null) {
            throw new JsonParseException(p, "a message summary without \"Created\"");
        }
        return new MessageSummary(id, messageId, from, to, cc, bcc, replyTo, subject, created, size, attachments, snippet,
                sender, recipients, searchText);
    }

    /**
     * {@link Instant#parse}, with a fast path for what the store writes, {@link Instant#toString}
     * with milliseconds ({@code 2025-01-02T03:04:05.678Z}): a DateTimeFormatter takes some
     * microseconds a value, a tenth of a second for 10,000 messages at start.
     */
    static Instant instant(String s) {
        if (s.length() == 24 && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T' && s.charAt(13) == ':'
                && s.charAt(16) == ':' && s.charAt(19) == '.' && s.charAt(23) == 'Z') {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 2);
            int day = digits(s, 8, 2);
            int hour = digits(s, 11, 2);
            int minute = digits(s, 14, 2);
            int second = digits(s, 17, 2);
            int millis = digits(s, 20, 3);
            if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && hour < 24 && minute >= 0 && minute < 60
                    && second >= 0 && second < 60 && millis >= 0) {
                try {
                    long days = LocalDate.of(year, month, day).toEpochDay();
                    return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, millis * 1_000_000L);
                } catch (DateTimeException e) {
                    // Not a date (February 30th): Instant.parse says so in its own words.
                }
            }
        }
        return Instant.parse(s);
    }

    /** The decimal number of {@code n} ASCII digits at {@code from}, or -1 if one is not a digit. */
    private static int digits(String s, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String text(JsonParser p) throws IOException {
        String s = p.getValueAsString();
        return s == null ? "" : s;
    }

    private static Address address(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return new Address("", "");
        }
        String name = "";
        String address = "";
        while (next(p) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            next(p);
            switch (field) {
                case "Name" -> name = text(p);
                case "Address" -> address = text(p);
                default -> p.skipChildren();
            }
        }
        return new Address(name, address);
    }

    /** Reads one value, the parser on its first token. */
    @FunctionalInterface
    private interface Item<T> {
        T read(JsonParser p) throws IOException;
    }

    /** The items of an array; anything else is skipped as an empty list. */
    private static <T> List<T> list(JsonParser p, Item<T> item) throws IOException {
        List<T> out = new ArrayList<>();
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return out;
        }
        while (next(p) != JsonToken.END_ARRAY) {
            out.add(item.read(p));
        }
        return out;
    }

    /** The next token; the end of the input inside a value is an error, not a null to loop on. */
    private static JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new JsonParseException(p, "unexpected end of the input");
        }
        return t;
    }

    private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws JsonParseException {
        if (actual != expected) {
            throw new JsonParseException(p, "expected " + expected + " but found " + actual);
        }
    }
}
