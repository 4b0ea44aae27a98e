package dev.smtpkit.client;

import dev.smtpkit.core.Reply;

/**
 * TLS could not be used (RFC 3207, RFC 8314): {@link TlsMode#STARTTLS_REQUIRED} and the server
 * does not offer STARTTLS or refused it ({@link #reply()} holds the refusal), the handshake
 * failed, or the server's certificate is not trusted or not for the host name. Credentials
 * would have travelled in plaintext is also reported so. Nothing of the message was sent.
 */
public final class SmtpTlsException extends SmtpClientException {

    SmtpTlsException(String message, Reply reply, Throwable cause) {
        super(message, reply, null, cause);
    }
}
