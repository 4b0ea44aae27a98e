package dev.smtpkit.server.security;

import dev.smtpkit.server.internal.TlsProtocols;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** One real TLS handshake over 127.0.0.1 between a listener and a client, both closed after. */
final class Handshake {

    /** What each side saw. */
    record Result(String clientProtocol, String serverProtocol, int echoed) {
    }

    private Handshake() {
    }

    /**
     * Connects to a listener on 127.0.0.1, asks the client to verify the server as {@code host}
     * (RFC 6125, the "HTTPS" rules), and exchanges one byte.
     */
    static Result run(SSLContext server, SSLContext client, String host) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TlsProtocols.restrict(listener);
            listener.setSoTimeout(10_000);
            Future<String> accepted = executor.submit(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    out.write(in.read() + 1);
                    out.flush();
                    return s.getSession().getProtocol();
                }
            });
            String clientProtocol;
            int echoed;
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 10_000);
                plain.setSoTimeout(10_000);
                try (SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain, host, listener.getLocalPort(), true)) {
                    SSLParameters p = tls.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    tls.setSSLParameters(TlsProtocols.restrict(p));
                    tls.startHandshake();
                    tls.getOutputStream().write(41);
                    tls.getOutputStream().flush();
                    echoed = tls.getInputStream().read();
                    clientProtocol = tls.getSession().getProtocol();
                }
            } catch (Exception e) {
                accepted.cancel(true);
                throw e;
            }
            // The server's close waits for the client's close_notify under TLS 1.3, so the
            // client closes before the server's result is taken.
            return new Result(clientProtocol, accepted.get(10, TimeUnit.SECONDS), echoed);
        } finally {
            executor.shutdownNow();
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IOException("the TLS listener thread did not stop");
            }
        }
    }
}
