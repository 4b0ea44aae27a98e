package dev.smtpkit.server;

/**
 * A snapshot of a server's counters since it started, for reading or exporting to a metrics
 * system. Every count only grows, except {@code connectionsActive}.
 *
 * @param connectionsOpened  connections accepted and served
 * @param connectionsActive  connections open now
 * @param connectionsRefused connections turned away with 421 (over {@code maxConnections},
 *                           {@code maxConnectionsPerClient}, or while closing)
 * @param connectionsShed    connections ended with 421 at {@code maxConnections} to make room for a
 *                           client from an address holding fewer
 * @param messagesAccepted   messages answered with 250 after their data
 * @param messagesRefused    messages refused after their data, by the handler or a limit
 * @param messagesAborted    messages cut short by the client: broken connection, timeout, RSET
 * @param bytesReceived      octets read from clients
 * @param replies2xx         positive completion replies sent (RFC 5321 §4.2.1)
 * @param replies3xx         positive intermediate replies sent
 * @param replies4xx         transient failure replies sent
 * @param replies5xx         permanent failure replies sent
 */
public record ServerMetrics(
        long connectionsOpened,
        long connectionsActive,
        long connectionsRefused,
        long connectionsShed,
        long messagesAccepted,
        long messagesRefused,
        long messagesAborted,
        long bytesReceived,
        long replies2xx,
        long replies3xx,
        long replies4xx,
        long replies5xx) {
}
