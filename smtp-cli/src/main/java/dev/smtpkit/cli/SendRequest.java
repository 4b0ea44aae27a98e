package dev.smtpkit.cli;

import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.sasl.ClientCredentials;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.client.ExtensionUse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code smtpkit send} was asked to do, independent of how it is sent: the one value
 * {@link ClientSender} (SMTP) and {@link LmtpSender} take.
 *
 * @param server      where to connect
 * @param heloName    the name for EHLO (RFC 5321 §4.1.1.1)
 * @param tls         NONE, STARTTLS required (RFC 3207) before anything else, or TLS from the
 *                    first octet (RFC 8314 §3.3)
 * @param insecure    whether to accept any server certificate for any name
 * @param credentials what to AUTH with (RFC 4954), if anything
 * @param pipelining  whether to pipeline when offered (RFC 2920)
 * @param lmtp        whether to speak LMTP (RFC 2033)
 * @param envelope    the sender and recipients of every message
 * @param content     the message, headers and body
 * @param count       how many times to send it, over one connection
 * @param timeout     the longest wait to connect and for each reply
 */
record SendRequest(HostPort server, String heloName, TlsMode tls, boolean insecure,
                   Optional<ClientCredentials> credentials, ExtensionUse pipelining, boolean lmtp,
                   Envelope envelope, byte[] content, int count, Duration timeout) {

    SendRequest {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(pipelining, "pipelining");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(timeout, "timeout");
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1: " + count);
        }
    }
}
