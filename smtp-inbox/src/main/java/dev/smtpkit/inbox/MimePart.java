package dev.smtpkit.inbox;

import java.util.Objects;

/**
 * One leaf part of a message (RFC 2045, RFC 2046): its part id, numbered as IMAP's body sections
 * are (RFC 3501 §6.4.5: "1", "2.1"), its content type, disposition, file name and Content-ID
 * (RFC 2392, without the angle brackets), and its size once transfer-decoded.
 */
public record MimePart(String partId, String contentType, String charset, String disposition, String fileName,
                       String contentId, long size) {

    /** Checks the parts; absent values are empty strings. */
    public MimePart {
        Objects.requireNonNull(partId, "partId");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(charset, "charset");
        Objects.requireNonNull(disposition, "disposition");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(contentId, "contentId");
    }

    /** Whether the part is a body text rather than something attached to it. */
    boolean isText() {
        return (contentType.equals("text/plain") || contentType.equals("text/html"))
                && !disposition.equals("attachment") && fileName.isEmpty();
    }

    /**
     * Whether the part is shown inside the HTML body (an image its {@code cid:} URL names) rather
     * than attached: inline with a Content-ID, as Mailpit counts it.
     */
    boolean isInline() {
        return !isText() && !contentId.isEmpty() && !disposition.equals("attachment");
    }

    /** Whether the part is an attachment. */
    boolean isAttachment() {
        return !isText() && !isInline();
    }

    /** The Content-Type for serving the part's decoded body. */
    String servedType() {
        return charset.isEmpty() ? contentType : contentType + "; charset=" + charset;
    }
}
