package dev.smtpkit.core.internal;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpProtocolException;
import dev.smtpkit.core.SmtpSyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns the bytes a client reads into {@link Reply} values (RFC 5321 §4.2), whatever the chunks.
 *
 * <p>Feed bytes as they arrive; {@link #next()} hands out each reply as soon as its last line is
 * complete. Lines end on CRLF; a bare LF is also taken as a line end, because some servers send
 * one and a client gains nothing by refusing their replies (RFC 5321 §4.2 asks clients to be
 * tolerant here; the smuggling concerns of bare LF are about message data, not replies).
 *
 * <p>Memory stays bounded: no line over {@link Limits#maxReplyLine()} octets and no reply over
 * {@link Limits#maxReplyLines()} lines is kept. A malformed line or a broken limit throws
 * {@link SmtpProtocolException} with {@link Replies#MALFORMED_REPLY} and a message naming the
 * setting; the decoder is then unusable, as the connection should be closed.
 */
public final class ReplyDecoder {

    private final Limits limits;
    private final byte[] line;
    private int length;
    private final List<String> lines = new ArrayList<>();
    private int code = -1;
    private final ArrayDeque<Reply> ready = new ArrayDeque<>();
    private boolean failed;

    /** A decoder that enforces the reply limits of the given {@link Limits}. */
    public ReplyDecoder(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        // the longest line's content and CR, leaving room for at least its LF
        this.line = new byte[limits.maxReplyLine() - 1];
    }

    /** Takes the bytes b[off, off + len). */
    public void feed(byte[] b, int off, int len) {
        Objects.requireNonNull(b, "b");
        Objects.checkFromIndexSize(off, len, b.length);
        checkUsable();
        for (int i = off; i < off + len; i++) {
            accept(b[i]);
        }
    }

    /** Takes the remaining bytes of the buffer. */
    public void feed(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        checkUsable();
        while (buffer.hasRemaining()) {
            accept(buffer.get());
        }
    }

    /** Returns the next complete reply, or empty until more bytes come. */
    public Optional<Reply> next() {
        return Optional.ofNullable(ready.poll());
    }

    /**
     * How many complete replies wait to be taken with {@link #next()}: what a client compares
     * with the commands it has sent, to see a reply that answers nothing (RFC 5321 §4.2).
     */
    public int available() {
        return ready.size();
    }

    /** Returns whether part of a reply has been read and more is awaited. */
    public boolean hasPartialReply() {
        return length > 0 || !lines.isEmpty();
    }

    private void checkUsable() {
        if (failed) {
            throw new IllegalStateException("ReplyDecoder failed on malformed input; close the connection");
        }
    }

    private void accept(byte b) {
        if (b == '\n') {
            endLine();
            return;
        }
        if (length == line.length) {
            throw fail("reply line exceeds Limits.maxReplyLine (" + limits.maxReplyLine()
                    + ", RFC 5321 §4.5.3.1.5)");
        }
        line[length++] = b;
    }

    private void endLine() {
        int n = length;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        String text = new String(line, 0, n, StandardCharsets.UTF_8);
        length = 0;
        if (text.length() < 3 || text.indexOf('\r') >= 0) {
            throw fail("malformed reply line (RFC 5321 §4.2): " + printable(text));
        }
        int lineCode = code(text);
        char sep = text.length() == 3 ? ' ' : text.charAt(3);
        if (lineCode < 0 || (sep != ' ' && sep != '-')) {
            throw fail("malformed reply line (RFC 5321 §4.2): " + printable(text));
        }
        if (code >= 0 && lineCode != code) {
            throw fail("reply line with code " + lineCode + " continues a reply with code " + code
                    + " (RFC 5321 §4.2.1)");
        }
        if (lines.size() == limits.maxReplyLines()) {
            throw fail("reply exceeds Limits.maxReplyLines (" + limits.maxReplyLines() + ")");
        }
        code = lineCode;
        lines.add(text);
        if (sep == ' ') {
            try {
                ready.add(Reply.parse(String.join("\r\n", lines)));
            } catch (SmtpSyntaxException e) {
                throw fail(e.getMessage());
            }
            lines.clear();
            code = -1;
        }
    }

    private static int code(String s) {
        char a = s.charAt(0);
        char b = s.charAt(1);
        char c = s.charAt(2);
        if (a < '2' || a > '5' || b < '0' || b > '9' || c < '0' || c > '9') {
            return -1;
        }
        return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
    }

    private SmtpProtocolException fail(String message) {
        failed = true;
        lines.clear();
        length = 0;
        return new SmtpProtocolException(Replies.MALFORMED_REPLY, message);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }
}
