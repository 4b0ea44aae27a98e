package dev.smtpkit.server.security;

import dev.smtpkit.server.security.TlsMaterialException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds a server {@link SSLContext} for STARTTLS (RFC 3207) or implicit TLS (RFC 8314 §3) from
 * the PEM files (RFC 7468) that certificate authorities and ACME clients hand out: a certificate
 * chain, leaf first (§5, several {@code CERTIFICATE} blocks), and an unencrypted PKCS#8 private
 * key (§10, {@code PRIVATE KEY}) of type RSA, EC or Ed25519.
 *
 * <pre>{@code
 * SSLContext tls = PemTls.serverContext(Path.of("fullchain.pem"), Path.of("privkey.pem"));
 * SmtpServer server = SmtpServer.builder().tls(tls).messageHandler(handler).build();
 * }</pre>
 *
 * <p>The context offers every protocol the JDK enables; {@code SmtpServer} restricts the
 * sockets and engines it makes from it to TLS 1.2 and 1.3 ({@code SmtpServer.Builder.tlsProtocols}).
 * Every failure is a
 * {@link TlsMaterialException} naming the file and its {@link Reason}; no message quotes key
 * material.
 */
public final class PemTls {

    /**
     * The key types tried in turn, since PKCS#8 text does not say which KeyFactory reads it
     * without parsing its algorithm identifier ourselves. Ed25519 (RFC 8410) is tried where the
     * runtime has it.
     */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519");

    /**
     * The password of the in-memory key store that carries the key to the KeyManagerFactory.
     * It protects nothing: the store never leaves this class.
     */
    private static final char[] TRANSIENT_STORE_PASSWORD = "smtpkit".toCharArray();

    private PemTls() {
    }

    /** Reads a PEM certificate chain and a PEM PKCS#8 key from files and builds a server context. */
    public static SSLContext serverContext(Path certificateChainFile, Path privateKeyFile) {
        Objects.requireNonNull(certificateChainFile, "certificateChainFile");
        Objects.requireNonNull(privateKeyFile, "privateKeyFile");
        List<X509Certificate> chain = readCertificates(certificateChainFile);
        PrivateKey key = readPrivateKey(privateKeyFile);
        return serverContext(chain, key, privateKeyFile.toString());
    }

    /** Builds a server context from PEM text: a certificate chain, leaf first, and a PKCS#8 key. */
    public static SSLContext serverContext(String certificateChainPem, String privateKeyPem) {
        List<X509Certificate> chain = parseCertificates(certificateChainPem, "certificate chain PEM");
        PrivateKey key = parsePrivateKey(privateKeyPem, "private key PEM");
        return serverContext(chain, key, "private key PEM");
    }

    /** Reads every {@code CERTIFICATE} block of a PEM file, in order; other blocks are ignored. */
    public static List<X509Certificate> readCertificates(Path file) {
        Objects.requireNonNull(file, "file");
        return parseCertificates(read(file), file.toString());
    }

    /** Reads the one {@code PRIVATE KEY} block of a PEM file; other blocks are ignored. */
    public static PrivateKey readPrivateKey(Path file) {
        Objects.requireNonNull(file, "file");
        return parsePrivateKey(read(file), file.toString());
    }

    /**
     * Parses every {@code CERTIFICATE} block, in order (RFC 7468 §5).
     *
     * @param source the name used in errors, such as the file the text came from
     */
    public static List<X509Certificate> parseCertificates(String pem, String source) {
        Objects.requireNonNull(pem, "pem");
        Objects.requireNonNull(source, "source");
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new TlsMaterialException(Reason.UNAVAILABLE, source, "no X.509 certificate factory", e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Pem.Block block : Pem.parse(pem, source)) {
            if (!block.label().equals("CERTIFICATE")) {
                continue;
            }
            try {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException | ClassCastException e) {
                throw new TlsMaterialException(Reason.MALFORMED_CERTIFICATE, source,
                        "certificate " + (chain.size() + 1) + " is not a DER X.509 certificate (RFC 5280 §4.1)", e);
            }
        }
        if (chain.isEmpty()) {
            throw new TlsMaterialException(Reason.NO_PEM_BLOCK, source,
                    "no -----BEGIN CERTIFICATE----- block (RFC 7468 §5)");
        }
        return List.copyOf(chain);
    }

    /**
     * Parses the one unencrypted PKCS#8 {@code PRIVATE KEY} block (RFC 7468 §10) as RSA, EC or
     * Ed25519.
     *
     * @param source the name used in errors, such as the file the text came from
     */
    public static PrivateKey parsePrivateKey(String pem, String source) {
        Objects.requireNonNull(pem, "pem");
        Objects.requireNonNull(source, "source");
        byte[] der = null;
        for (Pem.Block block : Pem.parse(pem, source)) {
            switch (block.label()) {
                case "PRIVATE KEY" -> {
                    if (der != null) {
                        throw new TlsMaterialException(Reason.MALFORMED_KEY, source,
                                "more than one PRIVATE KEY block; give the one that matches the certificate");
                    }
                    der = block.der();
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new TlsMaterialException(Reason.ENCRYPTED_KEY, source,
                        "the key is encrypted (RFC 7468 §11); decrypt it, e.g. openssl pkcs8 -in key.pem -nocrypt");
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new TlsMaterialException(Reason.UNSUPPORTED_KEY_FORMAT,
                        source, "a " + block.label() + " block is not PKCS#8; convert it with"
                                + " openssl pkcs8 -topk8 -nocrypt -in key.pem");
                default -> {
                    // Certificates and other blocks may share the file with the key.
                }
            }
        }
        if (der == null) {
            throw new TlsMaterialException(Reason.NO_PEM_BLOCK, source,
                    "no -----BEGIN PRIVATE KEY----- block (RFC 7468 §10)");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
                // Not this type (or not on this runtime): try the next.
            }
        }
        throw new TlsMaterialException(Reason.MALFORMED_KEY, source,
                "the PRIVATE KEY block is not a PKCS#8 RSA, EC or Ed25519 key (RFC 5208 §5)");
    }

    /**
     * A client context that trusts exactly the given certificates as anchors, and nothing from
     * the JDK's default trust store: for tests, and for a client that pins a private CA.
     */
    public static SSLContext trustingContext(List<X509Certificate> trusted) {
        return Contexts.trusting(trusted, "trusted certificates");
    }

    /** A trust manager that trusts exactly the given certificates as anchors. */
    public static X509TrustManager trustManager(List<X509Certificate> trusted) {
        return Contexts.trustManager(trusted, "trusted certificates");
    }

    static SSLContext serverContext(List<X509Certificate> chain, PrivateKey key, String source) {
        checkPair(chain.get(0).getPublicKey(), key, source);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, TRANSIENT_STORE_PASSWORD, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, TRANSIENT_STORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsMaterialException(Reason.UNAVAILABLE, source, "cannot build a TLS server context: "
                    + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Signs random bytes with the private key and verifies them with the certificate's public
     * key: the only check that works the same for every key type, and it fails at start-up
     * rather than in the first client's handshake.
     */
    private static void checkPair(PublicKey publicKey, PrivateKey privateKey, String source) {
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            if (algorithm != null) {
                throw mismatch(source);
            }
            return;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw mismatch(source);
            }
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(Reason.KEY_MISMATCH, source,
                    "the private key cannot be checked against the certificate's public key: "
                            + e.getClass().getSimpleName(), e);
        }
    }

    private static TlsMaterialException mismatch(String source) {
        return new TlsMaterialException(Reason.KEY_MISMATCH, source,
                "the private key does not match the public key of the first certificate in the chain");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new TlsMaterialException(Reason.MISSING_FILE, file.toString(), "no such file", e);
        } catch (IOException e) {
            throw new TlsMaterialException(Reason.UNREADABLE_FILE, file.toString(),
                    "cannot read the file as ASCII PEM text: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Trust material shared with {@link SelfSignedCertificate}. */
    static final class Contexts {
        private Contexts() {
        }

        static X509TrustManager trustManager(List<X509Certificate> trusted, String source) {
            Objects.requireNonNull(trusted, "trusted");
            if (trusted.isEmpty()) {
                throw new IllegalArgumentException("trust at least one certificate");
            }
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < trusted.size(); i++) {
                    store.setCertificateEntry("trusted-" + i, Objects.requireNonNull(trusted.get(i), "trusted certificate"));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(store);
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x509) {
                        return x509;
                    }
                }
                throw new TlsMaterialException(Reason.UNAVAILABLE, source, "the PKIX trust manager factory made no X509TrustManager");
            } catch (GeneralSecurityException | IOException e) {
                throw new TlsMaterialException(Reason.UNAVAILABLE, source, "cannot build a trust manager: "
                        + e.getClass().getSimpleName(), e);
            }
        }

        static SSLContext trusting(List<X509Certificate> trusted, String source) {
            X509TrustManager tm = trustManager(trusted, source);
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {tm}, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new TlsMaterialException(Reason.UNAVAILABLE, source, "cannot build a TLS client context: "
                        + e.getClass().getSimpleName(), e);
            }
        }
    }
}
