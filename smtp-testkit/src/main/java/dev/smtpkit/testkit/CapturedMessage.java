package dev.smtpkit.testkit;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A message a {@link MailSink} took: its envelope (RFC 5321 §2.3.1) with the MAIL and RCPT
 * parameters, its content exactly as received after dot-unstuffing, its headers, and the
 * connection it came on, with what was true of it when the message arrived.
 */
public final class CapturedMessage {

    private final Envelope envelope;
    private final byte[] content;
    private final MessageHeaders headers;
    private final CapturedSession session;
    private final String helloName;
    private final boolean tls;
    private final Optional<String> authenticatedIdentity;

    CapturedMessage(Envelope envelope, byte[] content, CapturedSession session) {
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        this.content = Objects.requireNonNull(content, "content");
        this.session = Objects.requireNonNull(session, "session");
        this.headers = MessageHeaders.parse(content);
        this.helloName = session.helloName();
        this.tls = session.isTls();
        this.authenticatedIdentity = session.authenticatedIdentity();
    }

    /** The envelope: sender and MAIL parameters, accepted recipients with their RCPT parameters. */
    public Envelope envelope() {
        return envelope;
    }

    /** The envelope sender as {@code local@domain}, or {@code ""} for the null reverse path {@code <>}. */
    public String sender() {
        return address(envelope.sender());
    }

    /** The accepted envelope recipients as {@code local@domain} ({@code Postmaster} for the bare one), in RCPT order. */
    public List<String> recipients() {
        return envelope.forwardPaths().stream().map(CapturedMessage::address).toList();
    }

    /** The ESMTP parameters of MAIL FROM (SIZE, BODY, SMTPUTF8, RET, ENVID, ...). */
    public Parameters mailParameters() {
        return envelope.mailParameters();
    }

    /** A copy of the content octets: headers, empty line, body, ending with CRLF. */
    public byte[] content() {
        return content.clone();
    }

    /** The content length in octets. */
    public int size() {
        return content.length;
    }

    /** The content decoded as UTF-8, which also reads ASCII and RFC 6532 messages. */
    public String text() {
        return new String(content, StandardCharsets.UTF_8);
    }

    /** The header section (RFC 5322 §2.2). */
    public MessageHeaders headers() {
        return headers;
    }

    /** The body after the empty line that ends the headers, as UTF-8; empty if there is none. */
    public String body() {
        int offset = Math.min(headers.bodyOffset(), content.length);
        return new String(content, offset, content.length - offset, StandardCharsets.UTF_8);
    }

    /** The Subject (RFC 5322 §3.6.5) with its RFC 2047 encoded-words decoded. */
    public Optional<String> subject() {
        return headers.first("Subject").map(MessageHeaders::decode);
    }

    /** The From field's value as written (RFC 5322 §3.6.2). */
    public Optional<String> from() {
        return headers.first("From");
    }

    /**
     * The addresses of every To field (RFC 5322 §3.6.3), split at the commas between them, each
     * as written ({@code "Ada" <ada@example.org>}); empty if there is no To.
     */
    public List<String> to() {
        List<String> out = new ArrayList<>();
        for (String value : headers.all("To")) {
            out.addAll(splitAddresses(value));
        }
        return out;
    }

    /** The connection it came on; a live view, whose transcript goes on past this message. */
    public CapturedSession session() {
        return session;
    }

    /** The client's address and port. */
    public InetSocketAddress clientAddress() {
        return session.clientAddress();
    }

    /** The HELO or EHLO name in force when the message came. */
    public String helloName() {
        return helloName;
    }

    /** Whether the message came over TLS (RFC 3207). */
    public boolean isTls() {
        return tls;
    }

    /** The AUTH identity (RFC 4954) in force when the message came, if any. */
    public Optional<String> authenticatedIdentity() {
        return authenticatedIdentity;
    }

    static String address(ReversePath path) {
        return path.mailbox().map(Mailbox::toString).orElse("");
    }

    static String address(ForwardPath path) {
        return path.mailbox().map(Mailbox::toString).orElse("Postmaster");
    }

    /** Splits an address list at commas outside quoted strings, comments and angle brackets (RFC 5322 §3.4). */
    private static List<String> splitAddresses(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        int comment = 0;
        boolean angle = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted && c == '\\' && i + 1 < value.length()) {
                current.append(c).append(value.charAt(++i));
                continue;
            }
            if (c == '"' && comment == 0) {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                comment++;
            } else if (!quoted && c == ')' && comment > 0) {
                comment--;
            } else if (!quoted && comment == 0 && c == '<') {
                angle = true;
            } else if (!quoted && comment == 0 && c == '>') {
                angle = false;
            } else if (!quoted && comment == 0 && !angle && c == ',') {
                addTrimmed(out, current);
                continue;
            }
            current.append(c);
        }
        addTrimmed(out, current);
        return out;
    }

    private static void addTrimmed(List<String> out, StringBuilder current) {
        String s = current.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        current.setLength(0);
    }

    /** A one-line summary for failure messages: sender, recipients, subject, size. */
    @Override
    public String toString() {
        return "CapturedMessage[<" + sender() + "> -> " + recipients() + subject().map(s -> ", \"" + s + "\"").orElse("")
                + ", " + content.length + " octets, session " + session.id() + "]";
    }
}
