package dev.smtpkit.cli;

import dev.smtpkit.core.BareLineEndingPolicy;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.server.HeloPolicy;
import dev.smtpkit.core.server.ProtocolMode;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.security.PemTls;
import dev.smtpkit.server.security.SelfSignedCertificate;
import dev.smtpkit.server.security.TlsMaterialException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * The listener settings that {@code catch} and {@code sink} share, each one of
 * {@link SmtpServer.Builder}'s named settings with the same default, except the address and port:
 * a tool for testing listens on the loopback address and port 2525 unless told otherwise.
 */
final class ServerOptions {

    static final int DEFAULT_PORT = 2525;
    /** Ctrl-C should end the tool promptly; a transaction in flight still gets this long. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + DEFAULT_PORT,
            description = "Port to listen on (default: ${DEFAULT-VALUE}); 0 picks a free one, printed at start.")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = HostPort.LOOPBACK, converter = Converters.Bind.class,
            description = "Address to listen on (default: ${DEFAULT-VALUE}); 0.0.0.0 for every interface.")
    InetAddress bind;

    @Option(names = "--hostname", paramLabel = "NAME", defaultValue = "localhost",
            description = "Name in the greeting and the EHLO reply (default: ${DEFAULT-VALUE}).")
    String hostname;

    @Option(names = "--max-message-size", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Largest message, advertised as SIZE (RFC 1870), in octets or with K, M, G; 0 for no limit (default: 10240000).")
    Long maxMessageSize;

    @Option(names = "--max-recipients", paramLabel = "N",
            description = "Recipients per message (default: 100, the least RFC 5321 §4.5.3.1.8 allows).")
    Integer maxRecipients;

    @Option(names = "--helo-policy", paramLabel = "strict|lenient", converter = Converters.Helo.class,
            description = "HELO/EHLO without a host name: strict answers 501 (RFC 5321 §4.1.1.1), lenient accepts it (default: strict).")
    HeloPolicy heloPolicy;

    @Option(names = "--bare-lf", paramLabel = "reject|accept", converter = Converters.BareLf.class,
            description = "A bare CR or LF in message data: reject refuses the message (SMTP smuggling defence), accept keeps it as data (default: reject).")
    BareLineEndingPolicy bareLineEnding;

    @Option(names = "--tls",
            description = "Offer STARTTLS (RFC 3207), with --cert/--key or else a self-signed certificate made at start.")
    boolean tls;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "PEM certificate chain for STARTTLS, server certificate first (implies --tls).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM PKCS#8 private key of --cert.")
    Path key;

    @Option(names = "--lmtp", description = "Speak LMTP (RFC 2033): LHLO, and one reply per recipient after the data.")
    boolean lmtp;

    /** A builder with these settings and the given handler still to set; the TLS context is made here. */
    SmtpServer.Builder builder(PrintWriter out) {
        SmtpServer.Builder b = SmtpServer.builder()
                .config(ServerConfig.builder()
                        .hostname(hostname)
                        .mode(lmtp ? ProtocolMode.LMTP : ProtocolMode.SMTP)
                        .build())
                .bindAddress(bind)
                .port(port)
                .shutdownGracePeriod(SHUTDOWN_GRACE);
        if (maxMessageSize != null) {
            b.maxMessageSize(maxMessageSize);
        }
        if (maxRecipients != null) {
            b.maxRecipients(maxRecipients);
        }
        if (heloPolicy != null) {
            b.heloPolicy(heloPolicy);
        }
        if (bareLineEnding != null) {
            b.bareLineEnding(bareLineEnding);
        }
        tlsContext(out).ifPresent(b::tls);
        return b;
    }

    /** Checks what picocli cannot: the port range and that --cert and --key come together. */
    void validate() {
        if (port < 0 || port > 65535) {
            throw CliFailure.usage("--port must be 0 to 65535: " + port);
        }
        if (maxRecipients != null && maxRecipients < 1) {
            throw CliFailure.usage("--max-recipients must be at least 1: " + maxRecipients);
        }
        if ((cert == null) != (key == null)) {
            throw CliFailure.usage(cert == null ? "--key needs --cert" : "--cert needs --key");
        }
        for (Path p : new Path[] {cert, key}) {
            if (p != null && !Files.isReadable(p)) {
                throw CliFailure.usage("cannot read " + p);
            }
        }
    }

    private Optional<SSLContext> tlsContext(PrintWriter out) {
        if (cert != null) {
            try {
                return Optional.of(PemTls.serverContext(cert, key));
            } catch (TlsMaterialException | IllegalArgumentException e) {
                throw CliFailure.usage("cannot use " + cert + " and " + key + " for TLS: " + CliFailure.describe(e));
            }
        }
        if (!tls) {
            return Optional.empty();
        }
        out.println("STARTTLS with a self-signed certificate for " + hostname + " (senders must not verify it)");
        return Optional.of(SelfSignedCertificate.generate(hostname).serverContext());
    }

    /** The limit in force, for the start line. */
    long effectiveMaxMessageSize() {
        return maxMessageSize != null ? maxMessageSize : Limits.DEFAULTS.maxMessageSize();
    }
}
