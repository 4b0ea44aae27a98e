package dev.smtpkit.cli;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.server.Connection;
import dev.smtpkit.server.ReceivedMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where {@code catch} keeps messages: each one as {@code NAME.eml}, the content exactly as
 * received, and its envelope as {@code NAME.json} beside it. NAME is the UTC receive time and a
 * sequence number, {@code 20250102T030405.678Z-1}, so that a listing sorts by arrival and a
 * second run into the same folder never overwrites the first.
 */
final class MailFolder {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path dir;
    private final AtomicLong sequence = new AtomicLong();

    MailFolder(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Creates the folder if needed. */
    void create() throws IOException {
        Files.createDirectories(dir);
    }

    /** Writes a message and its envelope; returns the {@code .eml} file. */
    Path store(ReceivedMessage message, Instant received) throws IOException {
        byte[] content = message.content();
        String base = STAMP.format(received) + "-";
        Path eml;
        String name;
        while (true) {
            name = base + sequence.incrementAndGet();
            eml = dir.resolve(name + ".eml");
            try {
                // CREATE_NEW: two catchers on one folder take different names instead of one overwriting.
                Files.write(eml, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                break;
            } catch (FileAlreadyExistsException e) {
                continue;
            }
        }
        String json = Json.write(envelopeJson(message, received, eml.getFileName().toString()));
        Files.writeString(dir.resolve(name + ".json"), json, StandardCharsets.UTF_8);
        return eml;
    }

    /** The envelope and the connection facts an {@code .eml} file cannot hold. */
    static Map<String, Object> envelopeJson(ReceivedMessage message, Instant received, String emlName) {
        Envelope envelope = message.envelope();
        Connection connection = message.connection();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("sender", envelope.sender().mailbox().map(Object::toString).orElse(""));
        json.put("mailParameters", parameters(envelope.mailParameters()));
        List<Object> recipients = new ArrayList<>();
        for (Envelope.Recipient r : envelope.recipients()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("address", r.path().mailbox().map(Object::toString).orElse("Postmaster"));
            one.put("parameters", parameters(r.parameters()));
            recipients.add(one);
        }
        json.put("recipients", recipients);
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("address", connection.remoteAddress().getAddress().getHostAddress());
        client.put("port", connection.remoteAddress().getPort());
        client.put("helo", connection.helloName());
        client.put("tls", connection.isTls());
        client.put("authenticated", connection.authenticatedIdentity());
        // Behind a PROXY protocol header or XCLIENT, "address" is the client it named and this the peer that connected.
        client.put("proxy", connection.proxyAddress().map(p -> p.getAddress().getHostAddress()));
        json.put("client", client);
        json.put("receivedAt", received.toString());
        json.put("size", message.size());
        json.put("file", emlName);
        return json;
    }

    /** ESMTP parameters as keyword to value, null for a keyword without one (RFC 5321 §4.1.2 esmtp-param). */
    private static Map<String, Object> parameters(Parameters parameters) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Parameters.Parameter p : parameters.list()) {
            map.put(p.keyword(), p.value().orElse(null));
        }
        return map;
    }

    /**
     * The Subject header of a message, unfolded (RFC 5322 §2.2.3), as written: encoded words
     * (RFC 2047) are shown as they are. Empty if there is none.
     */
    static Optional<String> subject(byte[] content) {
        String text = new String(content, 0, Math.min(content.length, 64 * 1024), StandardCharsets.UTF_8);
        String[] lines = text.split("\r\n|\n", -1);
        for (int i = 0; i < lines.length && !lines[i].isEmpty(); i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Subject")) {
                StringBuilder value = new StringBuilder(line.substring(colon + 1).trim());
                for (int j = i + 1; j < lines.length && !lines[j].isEmpty()
                        && (lines[j].charAt(0) == ' ' || lines[j].charAt(0) == '\t'); j++) {
                    value.append(' ').append(lines[j].trim());
                }
                return Optional.of(value.toString());
            }
        }
        return Optional.empty();
    }
}
