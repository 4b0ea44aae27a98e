package dev.smtpkit.server.security;

import dev.smtpkit.server.security.TlsMaterialException.Reason;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * A freshly generated key pair and self-signed X.509 v3 certificate (RFC 5280 §4.1) for a host:
 * for tests, development servers and the testkit, never for mail exchanged with strangers.
 *
 * <p>The certificate has CN={@code hostname}, a SubjectAltName (§4.2.1.6) of dNSName
 * {@code hostname} and iPAddress {@code 127.0.0.1}, so that a client checking the name (RFC 6125)
 * accepts it both by that name and by the loopback address; it is valid from a day ago (for
 * clocks that lag) for a year, and its extended key usage is serverAuth (§4.2.1.12).
 *
 * <pre>{@code
 * SelfSignedCertificate cert = SelfSignedCertificate.generate("localhost");
 * SSLContext server = cert.serverContext();  // for the listener
 * SSLContext client = cert.clientContext();  // trusts exactly this certificate
 * }</pre>
 *
 * <p>The DER is written here rather than taken from {@code sun.security.x509} or keytool, so that
 * it runs on any JDK and in a native image; the result is read back through
 * {@link CertificateFactory} and its signature verified, so a bad encoding fails at once.
 */
public final class SelfSignedCertificate {

    /** The key type and matching signature algorithm. */
    public enum KeyType {
        /** EC on P-256 signed with ecdsa-with-SHA256 (RFC 5480, RFC 5758 §3.2): small and fast. */
        EC_P256,
        /** RSA 2048 signed with sha256WithRSAEncryption (RFC 4055 §5), for peers without ECDSA. */
        RSA_2048
    }

    /** How long before "now" the certificate becomes valid, for peers whose clocks lag. */
    private static final Duration BACKDATE = Duration.ofDays(1);
    /** How long after "now" it stays valid. */
    private static final Duration LIFETIME = Duration.ofDays(365);

    private static final String OID_CN = "2.5.4.3";
    private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String OID_KEY_USAGE = "2.5.29.15";
    private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String OID_EXTENDED_KEY_USAGE = "2.5.29.37";
    private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";
    private static final String OID_RSA_SHA256 = "1.2.840.113549.1.1.11";
    private static final byte[] LOOPBACK_V4 = {127, 0, 0, 1};

    private final String hostname;
    private final KeyType keyType;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private SelfSignedCertificate(String hostname, KeyType keyType, X509Certificate certificate, PrivateKey privateKey) {
        this.hostname = hostname;
        this.keyType = keyType;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /** Generates an EC P-256 certificate for hostname, valid from now minus a day for a year. */
    public static SelfSignedCertificate generate(String hostname) {
        return generate(hostname, KeyType.EC_P256, Instant.now());
    }

    /** Generates a certificate of the given key type, valid from now minus a day for a year. */
    public static SelfSignedCertificate generate(String hostname, KeyType keyType) {
        return generate(hostname, keyType, Instant.now());
    }

    /**
     * Generates a certificate as if the time were {@code now}: valid from {@code now} minus a day
     * to {@code now} plus 365 days.
     *
     * @param hostname a DNS name such as {@code localhost} or {@code mx.example.org}
     */
    public static SelfSignedCertificate generate(String hostname, KeyType keyType, Instant now) {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(now, "now");
        String host = checkHostname(hostname);
        try {
            SecureRandom random = new SecureRandom();
            KeyPair pair = keyPair(keyType, random);
            byte[] algorithm = keyType == KeyType.EC_P256
                    ? Der.sequence(Der.oid(OID_ECDSA_SHA256))
                    : Der.sequence(Der.oid(OID_RSA_SHA256), Der.nullValue());
            byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(OID_CN), Der.utf8String(host))));
            byte[] serial = new byte[16];
            random.nextBytes(serial);
            serial[0] |= 0x40; // positive and non-zero, as RFC 5280 §4.1.2.2 requires
            serial[0] &= 0x7f;
            byte[] tbs = Der.sequence(
                    Der.explicit(0, Der.integer(BigInteger.TWO)), // v3
                    Der.integer(new BigInteger(serial)),
                    algorithm,
                    name,
                    Der.sequence(Der.time(now.minus(BACKDATE).atZone(ZoneOffset.UTC)),
                            Der.time(now.plus(LIFETIME).atZone(ZoneOffset.UTC))),
                    name,
                    pair.getPublic().getEncoded(), // already a SubjectPublicKeyInfo (§4.1.2.7)
                    Der.explicit(3, Der.sequence(extensions(host, keyType))));
            Signature signer = Signature.getInstance(keyType == KeyType.EC_P256 ? "SHA256withECDSA" : "SHA256withRSA");
            signer.initSign(pair.getPrivate(), random);
            signer.update(tbs);
            byte[] der = Der.sequence(tbs, algorithm, Der.bitString(signer.sign(), 0));
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            certificate.verify(pair.getPublic());
            return new SelfSignedCertificate(host, keyType, certificate, pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(Reason.UNAVAILABLE, "self-signed certificate for " + host,
                    "cannot generate: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        }
    }

    private static byte[][] extensions(String host, KeyType keyType) {
        byte[] san = Der.sequence(
                Der.implicitPrimitive(2, host.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), // dNSName
                Der.implicitPrimitive(7, LOOPBACK_V4)); // iPAddress
        // RFC 5280 §4.2.1.3: digitalSignature for (EC)DHE signing; RSA adds keyEncipherment for
        // TLS 1.2 RSA key transport. Named bit lists drop trailing zero bits (X.690 §11.2.2).
        byte[] keyUsage = keyType == KeyType.EC_P256
                ? Der.bitString(new byte[] {(byte) 0x80}, 7)
                : Der.bitString(new byte[] {(byte) 0xa0}, 5);
        return new byte[][] {
            Der.sequence(Der.oid(OID_BASIC_CONSTRAINTS), Der.bool(true), Der.octetString(Der.sequence())),
            Der.sequence(Der.oid(OID_KEY_USAGE), Der.bool(true), Der.octetString(keyUsage)),
            Der.sequence(Der.oid(OID_EXTENDED_KEY_USAGE), Der.octetString(Der.sequence(Der.oid(OID_SERVER_AUTH)))),
            Der.sequence(Der.oid(OID_SUBJECT_ALT_NAME), Der.octetString(san)),
        };
    }

    private static KeyPair keyPair(KeyType keyType, SecureRandom random) throws GeneralSecurityException {
        if (keyType == KeyType.EC_P256) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, random);
        return g.generateKeyPair();
    }

    /** A DNS name (RFC 1035 §2.3.1 as relaxed by RFC 1123 §2.1): what a dNSName SAN may hold. */
    private static String checkHostname(String hostname) {
        String host = hostname.toLowerCase(Locale.ROOT);
        boolean ok = !host.isEmpty() && host.length() <= 253;
        for (String label : host.split("\\.", -1)) {
            ok &= !label.isEmpty() && label.length() <= 63 && label.charAt(0) != '-' && label.charAt(label.length() - 1) != '-'
                    && label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
        }
        if (!ok || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            throw new IllegalArgumentException("hostname must be a DNS name such as localhost (RFC 5280 §4.2.1.6): '"
                    + hostname + "'");
        }
        return host;
    }

    /** Returns the host name in the CN and the dNSName, lower case. */
    public String hostname() {
        return hostname;
    }

    /** Returns the key type. */
    public KeyType keyType() {
        return keyType;
    }

    /** Returns the certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Returns the private key. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** Returns the certificate as a PEM {@code CERTIFICATE} block (RFC 7468 §5). */
    public String certificatePem() {
        try {
            return Pem.encode("CERTIFICATE", certificate.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("a certificate read by CertificateFactory has no encoding", e);
        }
    }

    /** Returns the private key as an unencrypted PKCS#8 PEM {@code PRIVATE KEY} block (RFC 7468 §10). */
    public String privateKeyPem() {
        return Pem.encode("PRIVATE KEY", privateKey.getEncoded());
    }

    /** A server context presenting this certificate. */
    public SSLContext serverContext() {
        return PemTls.serverContext(List.of(certificate), privateKey, "self-signed certificate for " + hostname);
    }

    /** A trust manager that trusts exactly this certificate. */
    public X509TrustManager trustManager() {
        return PemTls.Contexts.trustManager(List.of(certificate), "self-signed certificate for " + hostname);
    }

    /** A client context that trusts exactly this certificate, and no public CA. */
    public SSLContext clientContext() {
        return PemTls.Contexts.trusting(List.of(certificate), "self-signed certificate for " + hostname);
    }

    /** Names the host, key type and expiry; never the key. */
    @Override
    public String toString() {
        return "SelfSignedCertificate[" + hostname + ", " + keyType + ", notAfter=" + certificate.getNotAfter().toInstant() + "]";
    }
}
