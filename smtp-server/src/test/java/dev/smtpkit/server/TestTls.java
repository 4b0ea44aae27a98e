package dev.smtpkit.server;

import dev.smtpkit.server.security.SelfSignedCertificate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS material of the server tests: a self-signed certificate for {@code mx.test} (and
 * 127.0.0.1) made once per run, never a committed key, and a line client over TLS.
 */
final class TestTls {

    static final SelfSignedCertificate SERVER = SelfSignedCertificate.generate("mx.test");

    private TestTls() {
    }

    /** Writes the certificate and key as PEM files, for PemTls and for the Python and swaks peers. */
    static Path[] writePem(Path dir) throws IOException {
        Path chain = Files.writeString(dir.resolve("mx.test.crt"), SERVER.certificatePem());
        Path key = Files.writeString(dir.resolve("mx.test.key"), SERVER.privateKeyPem());
        return new Path[] {chain, key};
    }

    /** A context with this certificate and key, trusting what {@code trust} trusts (for client certificates). */
    static SSLContext context(SelfSignedCertificate own, TrustManager trust) throws Exception {
        char[] password = "test".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", own.privateKey(), password, new X509Certificate[] {own.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), trust == null ? null : new TrustManager[] {trust}, new SecureRandom());
        return context;
    }

    /**
     * Trusts any client certificate: the self-signed one a test makes has no clientAuth key usage,
     * which the JDK's trust manager insists on; the tests check what the handler sees, not PKIX.
     */
    static X509TrustManager anyClient() {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException("a server's trust manager");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    /** Lines over TLS, after a STARTTLS or on an implicit-TLS port. */
    static final class Client implements AutoCloseable {
        final SSLSocket socket;
        private final BufferedReader in;
        private final OutputStream out;

        /** Handshakes over a socket already connected (after 220 to STARTTLS). */
        Client(SSLContext context, Socket plain) throws IOException {
            socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "mx.test", plain.getPort(), true);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        /** Connects to an implicit-TLS port. */
        static Client connect(SSLContext context, int port) throws IOException {
            Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
            plain.setSoTimeout(10_000);
            return new Client(context, plain);
        }

        Client send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        }

        /** One whole reply with CRLFs, or "" at the end of input. */
        String reply() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                sb.append(line).append("\r\n");
                if (line.length() < 4 || line.charAt(3) != '-') {
                    break;
                }
            }
            return sb.toString();
        }

        String ask(String line) throws IOException {
            return send(line + "\r\n").reply();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
