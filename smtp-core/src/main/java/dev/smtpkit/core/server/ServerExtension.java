package dev.smtpkit.core.server;

/**
 * The service extensions a {@link ServerSession} can advertise in its EHLO reply
 * (RFC 5321 §4.1.1.1, §2.2). Which ones are on is {@link ServerConfig#extensions()}; STARTTLS,
 * AUTH and REQUIRETLS also depend on the TLS and AUTH settings and on the session's state.
 */
public enum ServerExtension {
    /** RFC 2920 command pipelining. */
    PIPELINING("PIPELINING"),
    /** RFC 1870 message size declaration; the value is {@code Limits.maxMessageSize}. */
    SIZE("SIZE"),
    /** RFC 6152 8-bit MIME transport. */
    EIGHT_BIT_MIME("8BITMIME"),
    /** RFC 6531 internationalised addresses. */
    SMTP_UTF8("SMTPUTF8"),
    /** RFC 3030 BDAT. */
    CHUNKING("CHUNKING"),
    /** RFC 3030 binary MIME (needs CHUNKING). */
    BINARY_MIME("BINARYMIME"),
    /** RFC 3461 delivery status notification parameters. */
    DSN("DSN"),
    /** RFC 2034 enhanced status codes. */
    ENHANCED_STATUS_CODES("ENHANCEDSTATUSCODES"),
    /** RFC 8689: advertised only over TLS. */
    REQUIRE_TLS("REQUIRETLS");

    private final String keyword;

    ServerExtension(String keyword) {
        this.keyword = keyword;
    }

    /** The EHLO keyword. */
    public String keyword() {
        return keyword;
    }
}
