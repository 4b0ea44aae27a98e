package dev.smtpkit.cli;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerExtension;
import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.TrustedNetworks;
import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.PemTls;
import dev.smtpkit.server.security.SaslMechanism;
import dev.smtpkit.server.security.SelfSignedCertificate;
import dev.smtpkit.server.security.TlsMaterialException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
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
    /**
     * The mechanisms offered with {@code --auth} unless {@code --auth-mechanisms} says otherwise:
     * all three the accounts can check, so that a client under test meets whichever it tries.
     * CRAM-MD5 (RFC 2195) is off in {@link SmtpServer} because a server must then keep passwords
     * in the clear; these are on the command line already. It is also the one mechanism
     * {@code smtpkit send} uses without TLS, where it refuses to send a password in the clear.
     */
    static final List<SaslMechanism> DEFAULT_MECHANISMS = List.of(SaslMechanism.PLAIN, SaslMechanism.LOGIN, SaslMechanism.CRAM_MD5);

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
    Converters.Choice strictHelo;

    @Option(names = "--bare-lf", paramLabel = "reject|accept", converter = Converters.BareLf.class,
            description = "A bare CR or LF in message data: reject refuses the message (SMTP smuggling defence), accept keeps it as data (default: reject).")
    Converters.Choice rejectBareLineEndings;

    @Option(names = "--tls",
            description = "Offer STARTTLS (RFC 3207), with --cert/--key or else a self-signed certificate made at start.")
    boolean tls;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "PEM certificate chain for STARTTLS, server certificate first (implies --tls).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM PKCS#8 private key of --cert.")
    Path key;

    @Option(names = "--tls-required",
            description = "Answer MAIL before STARTTLS with 530 5.7.0 (RFC 3207 §4); implies --tls.")
    boolean tlsRequired;

    @Option(names = "--implicit-tls-port", paramLabel = "PORT",
            description = "Also listen on PORT with TLS from the first octet (RFC 8314 §3.3, port 465 in production); "
                    + "0 picks a free one, printed at start. Uses --cert/--key or else a self-signed certificate.")
    Integer implicitTlsPort;

    @Option(names = "--no-requiretls",
            description = "Do not offer REQUIRETLS (RFC 8689). By default it is offered over TLS, after STARTTLS and on "
                    + "--implicit-tls-port: this is where such a message ends, so the rule is kept.")
    boolean noRequireTls;

    @Option(names = "--auth", paramLabel = "USER:PASSWORD",
            description = "Offer AUTH (RFC 4954) and accept this account; repeat for more. Offered only over TLS unless "
                    + "--auth-plaintext, so without --tls, --cert or --implicit-tls-port it needs --auth-plaintext. "
                    + "Visible to other local users in the process list: for test accounts.")
    List<String> auth;

    @Option(names = "--auth-required", description = "Answer MAIL before AUTH with 530 5.7.0 (RFC 4954 §6).")
    boolean authRequired;

    @Option(names = "--auth-plaintext",
            description = "Offer AUTH without TLS too, so passwords may cross in the clear: for local tests only.")
    boolean authPlaintext;

    @Option(names = "--auth-mechanisms", paramLabel = "NAME[,NAME...]", split = ",", converter = Converters.Mechanism.class,
            description = "The SASL mechanisms to offer, in order: PLAIN, LOGIN, CRAM-MD5 (default: all three).")
    List<SaslMechanism> authMechanisms;

    @Option(names = "--proxy-protocol", paramLabel = "CIDR[,CIDR...]", converter = Converters.Networks.class,
            description = "Expect a PROXY protocol header (v1 or v2, as from HAProxy) on every connection, from these "
                    + "networks only, and record the client it names; others are closed without a reply.")
    TrustedNetworks proxyProtocol;

    @Option(names = "--xclient", paramLabel = "CIDR[,CIDR...]", converter = Converters.Networks.class,
            description = "Offer Postfix's XCLIENT to clients in these networks, so a proxy can name the real client.")
    TrustedNetworks xclient;

    @Option(names = "--lmtp", description = "Speak LMTP (RFC 2033): LHLO, and one reply per recipient after the data.")
    boolean lmtp;

    @Option(names = "--backlog", paramLabel = "N",
            description = "Connections the kernel queues before they are accepted (default: 128; Linux caps it at net.core.somaxconn).")
    Integer backlog;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Connections served at once; more get 421 4.7.0 and are closed (default: 100).")
    Integer maxConnections;

    @Option(names = "--max-connections-per-client", paramLabel = "N",
            description = "Connections served at once from one client address (default: 50).")
    Integer maxConnectionsPerClient;

    /** A builder with these settings and the given handler still to set; the TLS context is made here. */
    SmtpServer.Builder builder(PrintWriter out) {
        return builder(out, UnaryOperator.identity());
    }

    /** {@link #builder(PrintWriter)} with the {@code --auth} accounts' check wrapped, as the catcher's faults do. */
    SmtpServer.Builder builder(PrintWriter out, UnaryOperator<Authenticator> credentials) {
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
        if (strictHelo != null) {
            b.allowHelloWithoutName(!strictHelo.yes());
        }
        if (rejectBareLineEndings != null) {
            b.rejectBareLineEndings(rejectBareLineEndings.yes());
        }
        tlsContext(out).ifPresent(b::tls);
        if (offersRequireTls()) {
            // RFC 8689 §4.1: whoever accepts REQUIRETLS must relay the message over TLS only.
            // catch and sink relay nothing, so they keep that rule; the session offers the
            // extension only once TLS is up.
            EnumSet<ServerExtension> extensions = EnumSet.copyOf(ServerConfig.DEFAULT_EXTENSIONS);
            extensions.add(ServerExtension.REQUIRE_TLS);
            b.extensions(extensions);
        }
        if (tlsRequired) {
            b.tlsPolicy(TlsPolicy.REQUIRED);
        }
        if (implicitTlsPort != null) {
            b.implicitTlsPort(implicitTlsPort);
        }
        if (auth != null) {
            b.authenticator(credentials.apply(accounts()))
                    .authMechanisms(mechanisms().toArray(SaslMechanism[]::new))
                    .requireAuth(authRequired)
                    .allowAuthWithoutTls(authPlaintext)
                    // A tool for testing mail software, which may fail AUTH on purpose many times
                    // (a fault at AUTH does it every time): never shut the client out.
                    .maxAuthFailuresPerClient(Integer.MAX_VALUE, Duration.ofMinutes(1));
        }
        if (proxyProtocol != null) {
            b.proxyProtocol(proxyProtocol);
        }
        if (xclient != null) {
            b.xclient(xclient);
        }
        if (backlog != null) {
            b.backlog(backlog);
        }
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        if (maxConnectionsPerClient != null) {
            b.maxConnectionsPerClient(maxConnectionsPerClient);
        }
        return b;
    }

    /**
     * The start line and, after it, what else the server listens on and offers (never a
     * password), as one text: printed in one write, so whoever sees the start line sees them all.
     */
    String startLines(SmtpServer smtp, String startLine) {
        List<String> lines = new ArrayList<>();
        lines.add(startLine);
        if (implicitTlsPort != null) {
            lines.add("implicit TLS (RFC 8314) on " + bind.getHostAddress() + ":" + smtp.implicitTlsPort());
        }
        if (offersRequireTls()) {
            lines.add("REQUIRETLS (RFC 8689) offered over TLS; --no-requiretls to stop");
        }
        if (auth != null) {
            lines.add("AUTH " + mechanisms().stream().map(SaslMechanism::mechanismName).collect(Collectors.joining(" "))
                    + " for " + String.join(", ", accounts().users())
                    + (authRequired ? ", required" : ", optional")
                    + (authPlaintext ? ", also without TLS" : ", after TLS only"));
        }
        if (proxyProtocol != null) {
            lines.add("expecting a PROXY protocol header from " + proxyProtocol.networks().stream().map(Object::toString)
                    .collect(Collectors.joining(", ")));
        }
        if (xclient != null) {
            lines.add("XCLIENT for " + xclient.networks().stream().map(Object::toString).collect(Collectors.joining(", ")));
        }
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }

    private Accounts accounts() {
        try {
            return Accounts.parse(auth);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("--auth: " + e.getMessage());
        }
    }

    private List<SaslMechanism> mechanisms() {
        return authMechanisms != null ? List.copyOf(authMechanisms) : DEFAULT_MECHANISMS;
    }

    private boolean offersRequireTls() {
        return anyTls() && !noRequireTls;
    }

    /** Whether the server speaks TLS at all, on STARTTLS or its implicit-TLS port. */
    private boolean anyTls() {
        return tls || cert != null || tlsRequired || implicitTlsPort != null;
    }

    private static void atLeastOne(String option, Integer value) {
        if (value != null && value < 1) {
            throw CliFailure.usage(option + " must be at least 1: " + value);
        }
    }

    /** Whether {@code --auth} was given, so that AUTH is offered. */
    boolean offersAuth() {
        return auth != null;
    }

    /** Checks what picocli cannot: the port range and that --cert and --key come together. */
    void validate() {
        if (port < 0 || port > 65535) {
            throw CliFailure.usage("--port must be 0 to 65535: " + port);
        }
        atLeastOne("--max-recipients", maxRecipients);
        atLeastOne("--backlog", backlog);
        atLeastOne("--max-connections", maxConnections);
        atLeastOne("--max-connections-per-client", maxConnectionsPerClient);
        if ((cert == null) != (key == null)) {
            throw CliFailure.usage(cert == null ? "--key needs --cert" : "--cert needs --key");
        }
        for (Path p : new Path[] {cert, key}) {
            if (p != null && !Files.isReadable(p)) {
                throw CliFailure.usage("cannot read " + p);
            }
        }
        if (implicitTlsPort != null && (implicitTlsPort < 0 || implicitTlsPort > 65535)) {
            throw CliFailure.usage("--implicit-tls-port must be 0 to 65535: " + implicitTlsPort);
        }
        if (auth == null) {
            String stray = authRequired ? "--auth-required" : authPlaintext ? "--auth-plaintext"
                    : authMechanisms != null ? "--auth-mechanisms" : null;
            if (stray != null) {
                throw CliFailure.usage(stray + " needs --auth USER:PASSWORD");
            }
            return;
        }
        accounts();
        if (!anyTls() && !authPlaintext) {
            // Refused rather than widened quietly: the user chooses whether passwords may cross in the clear.
            throw CliFailure.usage("--auth without TLS would never be offered (RFC 4954 §4): add --tls, or --auth-plaintext"
                    + " to offer it in the clear");
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
        if (!anyTls()) {
            return Optional.empty();
        }
        out.println("TLS with a self-signed certificate for " + hostname + " (senders must not verify it)");
        return Optional.of(SelfSignedCertificate.generate(hostname).serverContext());
    }

    /** The limit in force, for the start line. */
    long effectiveMaxMessageSize() {
        return maxMessageSize != null ? maxMessageSize : Limits.DEFAULTS.maxMessageSize();
    }
}
