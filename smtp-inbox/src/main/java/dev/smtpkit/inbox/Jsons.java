package dev.smtpkit.inbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON the inbox writes, built as Jackson trees rather than bound to classes by reflection:
 * each shape is spelt out here once, with Mailpit's field names where Mailpit has the field.
 */
final class Jsons {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Two-space indent, one array element per line, {@code "key": value}: readable in an editor and in diffs. */
    private static final ObjectWriter PRETTY;

    static {
        DefaultIndenter indent = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                        .withObjectEmptySeparator("")
                        .withArrayEmptySeparator(""));
        printer.indentArraysWith(indent);
        printer.indentObjectsWith(indent);
        PRETTY = MAPPER.writer(printer);
    }

    private Jsons() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** Pretty-printed, ending in a newline, as UTF-8: written straight to octets, with no string between. */
    static byte[] prettyBytes(JsonNode node) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try {
            PRETTY.writeValue(out, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    static String compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mailpit's {@code {Name, Address}}. */
    static ObjectNode address(Address a) {
        ObjectNode o = object();
        o.put("Name", a.name());
        o.put("Address", a.address());
        return o;
    }

    static ArrayNode addresses(List<Address> list) {
        ArrayNode a = array();
        list.forEach(x -> a.add(address(x)));
        return a;
    }

    /** Mailpit's {@code MessageSummary}, with the SMTP envelope as extra fields a Mailpit client ignores. */
    static ObjectNode summary(MessageSummary s) {
        ObjectNode o = object();
        o.put("ID", s.id());
        o.put("MessageID", s.messageId());
        o.put("Read", false);
        o.set("From", address(s.from()));
        o.set("To", addresses(s.to()));
        o.set("Cc", addresses(s.cc()));
        o.set("Bcc", addresses(s.bcc()));
        o.set("ReplyTo", addresses(s.replyTo()));
        o.put("Subject", s.subject());
        o.put("Created", s.created().toString());
        o.set("Tags", array());
        o.put("Size", s.size());
        o.put("Attachments", s.attachments());
        o.put("Snippet", s.snippet());
        o.put("Sender", s.sender());
        ArrayNode rcpts = array();
        s.recipients().forEach(rcpts::add);
        o.set("Recipients", rcpts);
        return o;
    }

    /** The summary as the store keeps it in a message's {@code .json}: the list fields and the search text. */
    static ObjectNode storedSummary(MessageSummary s) {
        ObjectNode o = summary(s);
        o.remove("Read");
        o.remove("Tags");
        o.put("SearchText", s.searchText());
        return o;
    }
}
