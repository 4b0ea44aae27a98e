package dev.smtpkit.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Splits what a client sends into lines, keeping track of which lines came in one read so that
 * a recording can show pipelining (RFC 2920). A line ends at LF: a test tool should record a
 * client that sends bare LF rather than hang on it. Lines are in the script model's form
 * ({@link Conversation#line(byte[], int, int)}): a CRLF line without its CRLF, any other line
 * with its octets exactly, so a bare LF shows.
 */
final class LineReader {

    /**
     * The longest line kept, in octets. Far above RFC 5321 §4.5.3.1.6's 1000 so that a test can
     * send an oversized line and see it recorded, yet bounded so a broken client cannot exhaust
     * the test's memory.
     */
    static final int MAX_LINE = 65_536;

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final ArrayDeque<String> ready = new ArrayDeque<>();

    LineReader(InputStream in) {
        this.in = in;
    }

    /** Returns the next line, or empty at the end of the stream; a read timeout propagates. */
    Optional<String> next() throws IOException {
        while (ready.isEmpty()) {
            if (!fill()) {
                return Optional.empty();
            }
        }
        return Optional.of(ready.poll());
    }

    /**
     * Blocks until a line is complete and returns every complete line read so far, which is
     * what arrived together; an empty list at the end of the stream.
     */
    List<String> nextBatch() throws IOException {
        while (ready.isEmpty()) {
            if (!fill()) {
                return List.of();
            }
        }
        List<String> batch = new ArrayList<>(ready);
        ready.clear();
        return batch;
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer);
        if (n < 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            byte b = buffer[i];
            if (b == '\n') {
                line.write(b);
                byte[] bytes = line.toByteArray();
                ready.add(Conversation.line(bytes, 0, bytes.length));
                line.reset();
            } else if (line.size() == MAX_LINE) {
                throw new IOException("line exceeds LineReader.MAX_LINE (" + MAX_LINE + " octets)");
            } else {
                line.write(b);
            }
        }
        return true;
    }
}
