package dev.smtpkit.cli;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client TLS context for {@code send --insecure}: any certificate is accepted, whoever it
 * names, so that a test server's self-signed certificate for {@code localhost} does for
 * {@code 127.0.0.1}.
 *
 * <p>Why this turns off the host name check too: {@code SmtpClient} asks for RFC 6125 name
 * checks with {@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}, and the JDK
 * carries that check out in the trust manager. A plain {@code X509TrustManager} is wrapped by the
 * JDK in one that still checks the name; an {@link X509ExtendedTrustManager} is used as it is,
 * so one that accepts everything skips the name check as well. No option on {@code SmtpClient}
 * is needed for it.
 */
final class InsecureTls {

    private InsecureTls() {
    }

    /** A context that trusts every server certificate and every name. */
    static SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new Everyone()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw CliFailure.failed("no TLS available", e);
        }
    }

    private static final class Everyone extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
