package dev.smtpkit.server;

import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.server.internal.sasl.SaslServerMechanisms;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;

/**
 * What every connection of one server shares: built once by {@link SmtpServer.Builder}.
 *
 * @param maxSessionLifetime how long a connection may last in all
 * @param minDataRate        octets per second a message must average past its head start; 0 for no bound
 * @param writeTimeout       how long a reply may wait for the client to take it
 * @param stressCommandTimeout the command timeout while connections are near maxConnections
 * @param memory             the budget for messages read whole into memory
 * @param authFailures       failed AUTH attempts per client, across its connections
 * @param tls                the certificate for STARTTLS and implicit TLS
 * @param tlsProtocols       the TLS versions enabled on each connection
 * @param clientCertificates whether the handshake asks for the client's certificate
 * @param sasl               the AUTH mechanisms with the application's authenticator
 * @param proxyProtocol      the peers whose PROXY protocol header is read; empty when it is off
 * @param xclient            the clients offered XCLIENT; empty when it is off
 * @param transcriptLog      where the wire transcript goes
 */
record Settings(
        ServerConfig config,
        SessionHandler.Factory factory,
        Duration commandTimeout,
        Duration dataBlockTimeout,
        Duration dataTerminationTimeout,
        Duration handlerTimeout,
        Duration maxSessionLifetime,
        long minDataRate,
        Duration writeTimeout,
        Duration stressCommandTimeout,
        MemoryBudget memory,
        AuthFailures authFailures,
        Optional<SSLContext> tls,
        List<String> tlsProtocols,
        ClientCertificatePolicy clientCertificates,
        Optional<SaslServerMechanisms> sasl,
        Optional<TrustedNetworks> proxyProtocol,
        Optional<TrustedNetworks> xclient,
        Logger transcriptLog,
        TranscriptListener transcriptListener,
        Counters counters) {

    /** A new connection's deadlines, from now on the given clock. */
    Deadlines deadlines(java.util.function.LongSupplier clock) {
        return new Deadlines(clock, maxSessionLifetime, dataBlockTimeout, minDataRate);
    }

    /** The socket read timeout for what the session says it waits for (RFC 5321 §4.5.3.2). */
    int readTimeoutMillis(Timeout timeout) {
        return readTimeoutMillis(timeout, false);
    }

    /** The same, shortened for commands while the server is under stress. */
    int readTimeoutMillis(Timeout timeout, boolean stressed) {
        Duration d = timeout == Timeout.DATA_BLOCK ? dataBlockTimeout
                : stressed && stressCommandTimeout.compareTo(commandTimeout) < 0 ? stressCommandTimeout : commandTimeout;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
