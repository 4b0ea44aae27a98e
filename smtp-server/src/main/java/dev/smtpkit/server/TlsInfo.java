package dev.smtpkit.server;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What the TLS handshake of a connection negotiated (STARTTLS, RFC 3207, or implicit TLS,
 * RFC 8314 §3.3), for a handler that logs it, writes it into a Received header (RFC 8314 §4.3)
 * or decides by the client's certificate.
 *
 * @param protocol           the protocol version, such as {@code TLSv1.3}
 * @param cipherSuite        the cipher suite, such as {@code TLS_AES_128_GCM_SHA256}
 * @param clientCertificates the client's certificate chain, its own first; empty when it sent
 *                           none (see {@link ClientCertificatePolicy})
 */
public record TlsInfo(String protocol, String cipherSuite, List<X509Certificate> clientCertificates) {

    /** Checks and copies. */
    public TlsInfo {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        clientCertificates = List.copyOf(clientCertificates);
    }

    /** Reads what a finished handshake negotiated; any transport (JDK sockets, an SSLEngine) has an SSLSession. */
    public static TlsInfo of(SSLSession session) {
        Objects.requireNonNull(session, "session");
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate c : session.getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    chain.add(x);
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            // The client sent no certificate: the usual case.
        }
        return new TlsInfo(session.getProtocol(), session.getCipherSuite(), chain);
    }

    /** The client's own certificate, if it sent one. */
    public Optional<X509Certificate> clientCertificate() {
        return clientCertificates.isEmpty() ? Optional.empty() : Optional.of(clientCertificates.get(0));
    }

    @Override
    public String toString() {
        return protocol + " " + cipherSuite + clientCertificate().map(c -> " client " + c.getSubjectX500Principal().getName()).orElse("");
    }
}
