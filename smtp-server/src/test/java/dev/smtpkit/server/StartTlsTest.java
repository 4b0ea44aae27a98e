package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.testsupport.RawClient;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS (RFC 3207) on the socket transport, with a self-signed certificate made by the JDK's keytool. */
class StartTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static KeyStore keyStore;

    @BeforeAll
    static void makeCertificate(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mx.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Peers.Run run = Peers.run(Duration.ofSeconds(60), "", List.of(keytool, "-genkeypair", "-alias", "mx",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=mx.test", "-validity", "2",
                "-ext", "SAN=dns:mx.test,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", file.toString(),
                "-storepass", "changeit", "-keypass", "changeit"));
        assertThat(run.exitCode()).as(run.output()).isZero();
        keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, PASSWORD);
        }
    }

    private static SSLContext serverContext() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    private static SSLContext clientContext() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keyStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    @Test
    @DisplayName("RFC 3207: Jakarta Mail upgrades with STARTTLS and the handler sees a TLS connection")
    void jakartaMailStartTls() throws Exception {
        Inbox inbox = new Inbox();
        try (SmtpServer server = SmtpServer.builder().transport(SuiteTransport.CURRENT).bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .hostname("mx.test").tls(serverContext()).messageHandler(inbox).build().start()) {
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", Integer.toString(server.port()));
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
            p.put("mail.smtp.ssl.trust", "*");
            p.put("mail.smtp.timeout", "5000");
            MimeMessage m = new MimeMessage(Session.getInstance(p));
            m.setFrom(new InternetAddress("alice@example.com"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
            m.setSubject("over TLS");
            m.setText("secret\r\n");
            Transport.send(m);
            ReceivedMessage got = inbox.take(Duration.ofSeconds(10));
            assertThat(got.connection().isTls()).isTrue();
            assertThat(got.text()).contains("secret");
        }
    }

    @Test
    @DisplayName("RFC 3207 §4.2: after the handshake the client says EHLO again, STARTTLS is no longer offered; close() says 421 over TLS")
    void rawStartTlsThenClose() throws Exception {
        SmtpServer server = SmtpServer.builder().transport(SuiteTransport.CURRENT).bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .hostname("mx.test").tls(serverContext()).messageHandler(new Inbox()).build().start();
        try (RawClient c = new RawClient(server.port())) {
            c.reply();
            assertThat(c.ask("EHLO client.test")).contains("STARTTLS");
            assertThat(c.ask("STARTTLS")).startsWith("220 2.0.0");
            SSLSocket tls = (SSLSocket) clientContext().getSocketFactory().createSocket(c.socket(), "mx.test", server.port(), true);
            tls.setSoTimeout(5000);
            tls.startHandshake();
            OutputStream out = tls.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
            out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder ehlo = new StringBuilder();
            for (String line = in.readLine(); line != null; line = line.startsWith("250 ") ? null : in.readLine()) {
                ehlo.append(line).append('\n');
            }
            assertThat(ehlo.toString()).contains("250-mx.test").doesNotContain("STARTTLS");
            server.close();
            assertThat(in.readLine()).startsWith("421 4.3.2");
        } finally {
            server.close();
        }
        // A pool thread may still be on its way out after the pool reported its termination.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> SmtpServerTest.liveServerThreads() == 0);
    }
}
