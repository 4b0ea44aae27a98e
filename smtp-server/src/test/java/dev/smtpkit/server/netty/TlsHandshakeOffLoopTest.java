package dev.smtpkit.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.Transport;
import dev.smtpkit.server.security.SelfSignedCertificate;
import dev.smtpkit.testsupport.RawClient;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A TLS handshake's computations (choosing the key, signing with it) run on the server's
 * executor, never on the event loop, which every other connection on it shares: a slow key (a
 * remote key store, an RSA signature under load) must not hold their replies up.
 */
class TlsHandshakeOffLoopTest {

    /** The longest the key is held back: the test lets it go as soon as it has measured. */
    private static final long SLOW_KEY_MILLIS = 10_000;

    @Test
    @DisplayName("While one client's handshake waits for the server's key, a client on the same (only) event loop gets its replies at once")
    void slowKeyHoldsNoOneElseUp() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate("mx.test");
        CountDownLatch keyAsked = new CountDownLatch(1);
        CountDownLatch keyReleased = new CountDownLatch(1);
        ExecutorService handshakes = Executors.newSingleThreadExecutor();
        try (SmtpServer server = SmtpServer.builder().transport(Transport.NETTY).eventLoops(1)
                .bindAddress(java.net.InetAddress.getLoopbackAddress()).port(0).hostname("mx.test")
                .tls(slowKeyContext(cert, keyAsked, keyReleased)).messageHandler(message -> { })
                .build().start();
             RawClient other = new RawClient(server.port());
             RawClient upgrading = new RawClient(server.port())) {
            assertThat(other.code()).isEqualTo(220);
            assertThat(other.command("EHLO other.test")).isEqualTo(250);
            assertThat(upgrading.code()).isEqualTo(220);
            assertThat(upgrading.command("EHLO upgrading.test")).isEqualTo(250);
            CompletableFuture<Void> handshake = CompletableFuture.runAsync(() -> {
                try {
                    // STARTTLS, its 220, then the handshake.
                    upgrading.startTls(cert.clientContext());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, handshakes);
            assertThat(keyAsked.await(10, TimeUnit.SECONDS)).as("the handshake reached the key").isTrue();

            long started = System.nanoTime();
            assertThat(other.command("NOOP")).isEqualTo(250);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(waited).as("ms the other client waited for its reply").isLessThan(SLOW_KEY_MILLIS / 2);
            keyReleased.countDown();

            handshake.get(10, TimeUnit.SECONDS);
            assertThat(upgrading.command("EHLO upgrading.test")).as("the handshake completed").isEqualTo(250);
        } finally {
            keyReleased.countDown();
            handshakes.shutdownNow();
        }
    }

    /** The certificate's key, chosen only once {@code released} (at most {@link #SLOW_KEY_MILLIS}), as a remote key store might. */
    private static SSLContext slowKeyContext(SelfSignedCertificate cert, CountDownLatch keyAsked, CountDownLatch released)
            throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "changeit".toCharArray();
        store.setKeyEntry("mx", cert.privateKey(), password, new X509Certificate[] {cert.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        X509ExtendedKeyManager keys = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        X509ExtendedKeyManager slow = new X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                keyAsked.countDown();
                try {
                    released.await(SLOW_KEY_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return keys.chooseEngineServerAlias(keyType, issuers, engine);
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return keys.getClientAliases(keyType, issuers);
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return keys.chooseClientAlias(keyType, issuers, socket);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return keys.getServerAliases(keyType, issuers);
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return keys.chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return keys.getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return keys.getPrivateKey(alias);
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new javax.net.ssl.KeyManager[] {slow}, null, null);
        return context;
    }
}
