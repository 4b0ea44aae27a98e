package dev.smtpkit.server.internal;

import dev.smtpkit.server.ClientCertificatePolicy;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The server side of every TLS handshake, for each transport alike: the certificate, the
 * protocols (TLS 1.3 and 1.2 by default, RFC 8996), whether the client's certificate is asked for,
 * and where an event loop has the handshake's computations run ({@code tasks}, the server's
 * executor: a signature with the certificate's key takes the loop from every other connection
 * on it meanwhile).
 */
public record ServerTls(SSLContext context, List<String> protocols, ClientCertificatePolicy clientCertificates, Executor tasks) {

    public ServerTls {
        Objects.requireNonNull(context, "context");
        protocols = List.copyOf(protocols);
        Objects.requireNonNull(clientCertificates, "clientCertificates");
        Objects.requireNonNull(tasks, "tasks");
    }

    /** The parameters for an SSLSocket or SSLEngine: the configured protocols this context supports. */
    public SSLParameters parameters() {
        SSLParameters p = context.getDefaultSSLParameters();
        List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getProtocols());
        p.setProtocols(protocols.stream().filter(supported::contains).toArray(String[]::new));
        switch (clientCertificates) {
            case WANT -> p.setWantClientAuth(true);
            case NEED -> p.setNeedClientAuth(true);
            case NONE -> { }
        }
        return p;
    }
}
