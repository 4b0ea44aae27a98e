package dev.smtpkit.cli;

import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.TooManyRecipientsPolicy;
import dev.smtpkit.client.ClientCredentials;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Timeout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * What {@code smtpkit send} was asked to do, as {@link ClientSender} takes it (SMTP or LMTP).
 *
 * @param server            where to connect
 * @param heloName          the name for EHLO (RFC 5321 §4.1.1.1); empty for the address literal
 *                          of the local end, as {@code SmtpClient} does by default
 * @param tls               NONE, STARTTLS required (RFC 3207) before anything else, or TLS from
 *                          the first octet (RFC 8314 §3.3)
 * @param insecure          whether to accept any server certificate for any name
 * @param caFile            a PEM file whose certificates are the only ones trusted
 * @param credentials       what to AUTH with (RFC 4954), if anything
 * @param pipelining        whether to pipeline when offered (RFC 2920)
 * @param lmtp              whether to speak LMTP (RFC 2033)
 * @param envelope          the sender and recipients of every message
 * @param content           message {@code i} (from 0), headers and body; called once per message
 * @param count             how many messages to send, over one connection
 * @param timeout           the longest wait to connect and for each reply but the end of data's
 * @param stageTimeouts     the timeouts set per stage (RFC 5321 §4.5.3.2), over {@code timeout}
 * @param maxReplyLine      the longest reply line taken, in octets
 * @param normalizeLineEndings whether bare CR and LF in the content go out as CRLF, or are refused (RFC 5321 §2.3.8)
 * @param tooManyRecipients what happens to recipients refused with 452 4.5.3
 */
record SendRequest(HostPort server, Optional<String> heloName, TlsMode tls, boolean insecure, Optional<Path> caFile,
                   Optional<ClientCredentials> credentials, boolean pipelining, boolean lmtp,
                   Envelope envelope, IntFunction<byte[]> content, int count, Duration timeout,
                   Map<Timeout, Duration> stageTimeouts, int maxReplyLine, boolean normalizeLineEndings,
                   TooManyRecipientsPolicy tooManyRecipients) {

    SendRequest {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(timeout, "timeout");
        stageTimeouts = Map.copyOf(stageTimeouts);
        Objects.requireNonNull(tooManyRecipients, "tooManyRecipients");
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1: " + count);
        }
    }
}
