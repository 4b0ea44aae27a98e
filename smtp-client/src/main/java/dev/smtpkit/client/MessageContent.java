package dev.smtpkit.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The content of one message (RFC 5322 header and body, RFC 5321 §4.1.1.4) as the client sends
 * it: bytes, a file, or a stream. It is streamed to the server in pieces, never read whole into
 * memory. Line ends may be CRLF or bare LF (the client sends CRLF, RFC 5321 §2.3.8); the client
 * does the dot-stuffing.
 *
 * <p>When the content is known before sending (bytes, a file), the client fills in the SIZE
 * parameter (RFC 1870) and checks before MAIL whether it needs 8BITMIME (RFC 6152) or, for 8-bit
 * header octets, SMTPUTF8 (RFC 6531, RFC 6532). A stream is read only once, while it is sent; it
 * is not closed by the client.
 *
 * <pre>{@code
 * MessageContent.of("Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
 * MessageContent.of(Path.of("message.eml"));
 * MessageContent.of(inputStream);
 * }</pre>
 */
public final class MessageContent {

    /** What a scan of known content found, for MAIL's parameters. */
    enum EightBit {
        /** Only 7-bit octets. */
        NONE,
        /** 8-bit octets in the body only: BODY=8BITMIME (RFC 6152 §3). */
        BODY,
        /** 8-bit octets in the header section: UTF-8 headers, which need SMTPUTF8 (RFC 6532 §3.2, RFC 6531 §3.1). */
        HEADER,
        /** Not known before sending (a stream). */
        UNKNOWN
    }

    private final byte[] bytes;
    private final Path path;
    private final InputStream stream;
    private final AtomicBoolean streamTaken = new AtomicBoolean();

    private MessageContent(byte[] bytes, Path path, InputStream stream) {
        this.bytes = bytes;
        this.path = path;
        this.stream = stream;
    }

    /** Content held in memory; the array is copied, so it may change afterwards. */
    public static MessageContent of(byte[] content) {
        return new MessageContent(Objects.requireNonNull(content, "content").clone(), null, null);
    }

    /** Content read from a file each time it is sent; the file must not change meanwhile. */
    public static MessageContent of(Path file) {
        return new MessageContent(null, Objects.requireNonNull(file, "file"), null);
    }

    /**
     * Content read from a stream while it is sent. Such content can be sent once: the client
     * never buffers it to try again. The stream is left open for the caller to close.
     */
    public static MessageContent of(InputStream stream) {
        return new MessageContent(null, null, Objects.requireNonNull(stream, "stream"));
    }

    /** The size in octets, when known before sending (bytes, a file): the SIZE the client declares (RFC 1870 §3). */
    public OptionalLong size() {
        if (bytes != null) {
            return OptionalLong.of(bytes.length);
        }
        if (path != null) {
            try {
                return OptionalLong.of(Files.size(path));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the size of " + path, e);
            }
        }
        return OptionalLong.empty();
    }

    /** Opens the content for sending. A stream can be opened once. */
    InputStream open() throws IOException {
        if (bytes != null) {
            return new ByteArrayInputStream(bytes);
        }
        if (path != null) {
            return Files.newInputStream(path);
        }
        if (!streamTaken.compareAndSet(false, true)) {
            throw new IllegalStateException("MessageContent.of(InputStream) was already sent: a stream can be read"
                    + " only once; use MessageContent.of(Path) or of(byte[]) to send the same content again");
        }
        return new NonClosing(stream);
    }

    /** Whether the content was a stream (and so cannot be scanned or sent twice). */
    boolean isStream() {
        return stream != null;
    }

    /**
     * Where the content has 8-bit octets, found by reading it through once (a file is read, not
     * held); {@link EightBit#UNKNOWN} for a stream.
     */
    EightBit scan() throws IOException {
        if (stream != null) {
            return EightBit.UNKNOWN;
        }
        Scanner scanner = new Scanner();
        if (bytes != null) {
            // In memory: scanned where it is, with no copy (this runs for every message sent).
            scanner.scan(bytes, bytes.length);
            return scanner.found;
        }
        try (InputStream in = open()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0 && !scanner.done(); n = in.read(buffer)) {
                scanner.scan(buffer, n);
            }
            return scanner.found;
        }
    }

    /** Whether it can be sent more than once: bytes and files can, a stream cannot. */
    boolean isRepeatable() {
        return stream == null;
    }

    /** The content when it is held in memory (the client's own copy), for writing without another copy. */
    Optional<byte[]> inMemory() {
        return Optional.ofNullable(bytes);
    }

    /** Finds 8-bit octets piece by piece; the header section ends at the first empty line (RFC 5322 §2.1). */
    private static final class Scanner {
        private boolean inHeader = true;
        private int lineLength;
        EightBit found = EightBit.NONE;

        boolean done() {
            return found != EightBit.NONE;
        }

        void scan(byte[] buffer, int n) {
            for (int i = 0; i < n && !done(); i++) {
                byte b = buffer[i];
                if (b < 0) {
                    // 8-bit in the header needs SMTPUTF8; in the body 8BITMIME is enough, and the header may follow no more.
                    found = inHeader ? EightBit.HEADER : EightBit.BODY;
                } else if (inHeader) {
                    if (b == '\n') {
                        if (lineLength == 0) {
                            inHeader = false;
                        }
                        lineLength = 0;
                    } else if (b != '\r') {
                        lineLength++;
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        if (bytes != null) {
            return "MessageContent[" + bytes.length + " octets]";
        }
        return path != null ? "MessageContent[" + path + "]" : "MessageContent[stream]";
    }

    /** Keeps the caller's stream open: it belongs to the caller. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
