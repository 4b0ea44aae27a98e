package dev.smtpkit.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.security.SelfSignedCertificate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TlsProtocolsTest {

    @Test
    @DisplayName("RFC 8996: only TLS 1.2 and 1.3 are enabled")
    void restrictsEngineAndParameters() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setEnabledProtocols(engine.getSupportedProtocols());
        assertThat(TlsProtocols.restrict(engine).getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        SSLParameters p = new SSLParameters(new String[0], new String[] {"TLSv1", "TLSv1.1"});
        assertThat(TlsProtocols.restrict(p).getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
    }

    @Test
    @DisplayName("RFC 3207 §4: a STARTTLS upgrade of a connected socket handshakes in server mode")
    void upgradesAPlainSocket() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate("localhost");
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(10_000);
            CompletableFuture<String> server = CompletableFuture.supplyAsync(() -> {
                try (Socket plain = listener.accept(); SSLSocket tls = TlsProtocols.upgradeServerSide(cert.serverContext(), plain)) {
                    assertThat(tls.getUseClientMode()).isFalse();
                    assertThat(tls.getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
                    tls.startHandshake();
                    tls.getOutputStream().write(7);
                    tls.getOutputStream().flush();
                    return tls.getSession().getProtocol();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 10_000);
                plain.setSoTimeout(10_000);
                try (SSLSocket tls = (SSLSocket) cert.clientContext().getSocketFactory()
                        .createSocket(plain, "localhost", listener.getLocalPort(), true)) {
                    tls.startHandshake();
                    assertThat(tls.getInputStream().read()).isEqualTo(7);
                }
            }
            assertThat(server.get(10, TimeUnit.SECONDS)).isIn("TLSv1.2", "TLSv1.3");
        }
    }
}
