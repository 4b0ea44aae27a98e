package dev.smtpkit.server.security;

import java.util.Objects;

/**
 * Certificate or key material that cannot be used for TLS (RFC 8446, RFC 5246): a missing or
 * unreadable file, text that is not PEM (RFC 7468), a certificate or key that does not decode,
 * or a key that does not belong to the certificate. The message names the file (or the source
 * given for text), and never contains key material.
 */
public final class TlsMaterialException extends RuntimeException {

    /** What was wrong, so that a caller can react without reading the message. */
    public enum Reason {
        /** The file does not exist. */
        MISSING_FILE,
        /** The file exists but could not be read. */
        UNREADABLE_FILE,
        /** No PEM block of the expected kind was found (RFC 7468 §2). */
        NO_PEM_BLOCK,
        /** A PEM block has no end line, mismatched labels, or a body that is not base64 (RFC 7468 §3). */
        MALFORMED_PEM,
        /** A CERTIFICATE block is not a DER X.509 certificate (RFC 5280 §4.1). */
        MALFORMED_CERTIFICATE,
        /** A PRIVATE KEY block is not a PKCS#8 key of RSA, EC or Ed25519 (RFC 5208 §5, RFC 8410 §7). */
        MALFORMED_KEY,
        /** An ENCRYPTED PRIVATE KEY block: this loader reads unencrypted PKCS#8 only. */
        ENCRYPTED_KEY,
        /** A PKCS#1 ({@code RSA PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}) block, which needs converting to PKCS#8. */
        UNSUPPORTED_KEY_FORMAT,
        /** The private key does not match the public key of the first certificate. */
        KEY_MISMATCH,
        /** The JDK lacks an algorithm this needs (a key store, a key manager, TLS itself). */
        UNAVAILABLE
    }

    private final Reason reason;
    private final String source;

    TlsMaterialException(Reason reason, String source, String message) {
        this(reason, source, message, null);
    }

    TlsMaterialException(Reason reason, String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** Returns what was wrong. */
    public Reason reason() {
        return reason;
    }

    /** Returns the file name, or the name given for PEM text, that held the bad material. */
    public String source() {
        return source;
    }
}
