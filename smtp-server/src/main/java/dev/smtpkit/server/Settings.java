package dev.smtpkit.server;

import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.server.ServerConfig;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** What every connection of one server shares: built once by {@link SmtpServer.Builder}. */
record Settings(
        ServerConfig config,
        SessionHandler.Factory factory,
        Duration commandTimeout,
        Duration dataBlockTimeout,
        Duration dataTerminationTimeout,
        Optional<SSLContext> tls,
        TranscriptListener transcriptListener,
        Counters counters) {

    /** The socket read timeout for what the session says it waits for (RFC 5321 §4.5.3.2). */
    int readTimeoutMillis(Timeout timeout) {
        Duration d = timeout == Timeout.DATA_BLOCK ? dataBlockTimeout : commandTimeout;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
