package dev.smtpkit.inbox;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the inbox shows of one message: its top-level header fields in order, each unfolded
 * (RFC 5322 §2.2.3) but not decoded, the first plain-text and HTML bodies, decoded to text, and
 * every leaf part.
 *
 * @param textTruncated whether {@code text} or {@code html} was cut at {@link MimeReader}'s limit
 */
public record ParsedMessage(List<Header> headers, String text, String html, List<MimePart> parts, boolean textTruncated) {

    /** One header field as it appears in the message. */
    public record Header(String name, String value) {
        /** Checks the parts. */
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Copies the lists. */
    public ParsedMessage {
        headers = List.copyOf(headers);
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(html, "html");
        parts = List.copyOf(parts);
    }

    /** The first field of that name, ignoring case (RFC 5322 §1.2.2), unfolded and not decoded. */
    public Optional<String> header(String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Header::value).findFirst();
    }

    /** The first field of that name with its encoded words decoded (RFC 2047 §6), or empty. */
    public String decoded(String name) {
        return header(name).map(MimeReader::decodeWords).orElse("");
    }

    /** The mailboxes of the first field of that name. */
    public List<Address> addresses(String name) {
        return Address.parseList(header(name).orElse(null));
    }

    /** The leaf part with that id. */
    public Optional<MimePart> part(String partId) {
        return parts.stream().filter(p -> p.partId().equals(partId)).findFirst();
    }

    /** The parts attached to the message. */
    public List<MimePart> attachments() {
        return parts.stream().filter(MimePart::isAttachment).toList();
    }

    /** The parts the HTML body shows inline. */
    public List<MimePart> inline() {
        return parts.stream().filter(MimePart::isInline).toList();
    }
}
