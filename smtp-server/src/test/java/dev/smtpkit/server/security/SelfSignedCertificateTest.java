package dev.smtpkit.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.security.SelfSignedCertificate.KeyType;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SelfSignedCertificateTest {

    @ParameterizedTest
    @EnumSource(KeyType.class)
    @DisplayName("RFC 5280 §4.1: a v3 certificate that CertificateFactory reads and whose signature verifies")
    void generatesAValidV3Certificate(KeyType type) throws Exception {
        Instant now = Instant.parse("2030-06-01T12:00:00Z");
        SelfSignedCertificate c = SelfSignedCertificate.generate("Mail.Example.org", type, now);
        X509Certificate x = c.certificate();
        assertThat(x.getVersion()).isEqualTo(3);
        assertThat(x.getSubjectX500Principal().getName()).isEqualTo("CN=mail.example.org");
        assertThat(x.getIssuerX500Principal()).isEqualTo(x.getSubjectX500Principal());
        assertThat(x.getNotBefore().toInstant()).isEqualTo(now.minus(Duration.ofDays(1)));
        assertThat(x.getNotAfter().toInstant()).isEqualTo(now.plus(Duration.ofDays(365)));
        assertThat(x.getSerialNumber().signum()).isPositive();
        assertThat(x.getSigAlgName()).isEqualTo(type == KeyType.EC_P256 ? "SHA256withECDSA" : "SHA256withRSA");
        assertThat(x.getPublicKey().getAlgorithm()).isEqualTo(type == KeyType.EC_P256 ? "EC" : "RSA");
        x.verify(x.getPublicKey());
        x.checkValidity(Date.from(now));
        assertThat(x.getBasicConstraints()).isEqualTo(-1); // not a CA
        assertThat(x.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(x.getKeyUsage()[0]).isTrue(); // digitalSignature
        assertThat(x.getKeyUsage()[2]).isEqualTo(type == KeyType.RSA_2048); // keyEncipherment
        assertThat(x.getCriticalExtensionOIDs()).containsExactlyInAnyOrder("2.5.29.19", "2.5.29.15");
    }

    @Test
    @DisplayName("RFC 5280 §4.2.1.6: SubjectAltName holds dNSName=hostname and iPAddress=127.0.0.1")
    void subjectAltNames() throws Exception {
        X509Certificate x = SelfSignedCertificate.generate("localhost").certificate();
        assertThat(x.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "localhost"), List.of(7, "127.0.0.1"));
    }

    @Test
    @DisplayName("RFC 5280 §4.1.2.5: dates from 2050 use GeneralizedTime, and still read back")
    void generalizedTimeAfter2049() {
        Instant now = Instant.parse("2049-12-01T00:00:00Z");
        X509Certificate x = SelfSignedCertificate.generate("localhost", KeyType.EC_P256, now).certificate();
        assertThat(x.getNotAfter().toInstant()).isEqualTo(Instant.parse("2050-12-01T00:00:00Z"));
        assertThat(x.getNotBefore().toInstant()).isEqualTo(Instant.parse("2049-11-30T00:00:00Z"));
    }

    @Test
    void eachCertificateHasItsOwnKeyAndSerial() {
        SelfSignedCertificate a = SelfSignedCertificate.generate("localhost");
        SelfSignedCertificate b = SelfSignedCertificate.generate("localhost");
        assertThat(a.certificate().getSerialNumber()).isNotEqualTo(b.certificate().getSerialNumber());
        assertThat(a.certificate().getPublicKey()).isNotEqualTo(b.certificate().getPublicKey());
    }

    @Test
    void pemRoundTripsThroughPemTls() {
        SelfSignedCertificate c = SelfSignedCertificate.generate("localhost");
        assertThat(c.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(c.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        assertThat(c.certificatePem().lines().filter(l -> !l.startsWith("-----"))).allMatch(l -> l.length() <= 64);
        assertThat(PemTls.parseCertificates(c.certificatePem(), "cert")).containsExactly(c.certificate());
        assertThat(PemTls.parsePrivateKey(c.privateKeyPem(), "key")).isEqualTo(c.privateKey());
    }

    @Test
    void toStringNeverShowsTheKey() {
        SelfSignedCertificate c = SelfSignedCertificate.generate("localhost");
        String body = c.privateKeyPem().lines().skip(1).findFirst().orElseThrow();
        assertThat(c.toString()).contains("localhost", "EC_P256").doesNotContain(body.substring(0, 20));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "-bad.example", "bad-.example", "a..b", "127.0.0.1", "exa_mple.org", "*.example.org", "ünïcode.example"})
    void refusesWhatIsNotADnsName(String host) {
        assertThatThrownBy(() -> SelfSignedCertificate.generate(host))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DNS name");
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    @DisplayName("RFC 6125: a real handshake verifies the certificate by the name localhost")
    void handshakeByName(KeyType type) throws Exception {
        SelfSignedCertificate c = SelfSignedCertificate.generate("localhost", type);
        Handshake.Result r = Handshake.run(c.serverContext(), c.clientContext(), "localhost");
        assertThat(r.clientProtocol()).isIn("TLSv1.2", "TLSv1.3").isEqualTo(r.serverProtocol());
        assertThat(r.echoed()).isEqualTo(42);
    }

    @Test
    @DisplayName("RFC 6125 §6.2.1: a real handshake verifies the certificate by the address 127.0.0.1")
    void handshakeByAddress() throws Exception {
        SelfSignedCertificate c = SelfSignedCertificate.generate("localhost");
        Handshake.Result r = Handshake.run(c.serverContext(), c.clientContext(), "127.0.0.1");
        assertThat(r.clientProtocol()).isIn("TLSv1.2", "TLSv1.3");
    }

    @Test
    @DisplayName("RFC 6125 §6.6: the handshake fails when the client expects another name")
    void handshakeFailsForAnotherName() {
        SelfSignedCertificate c = SelfSignedCertificate.generate("localhost");
        assertThatThrownBy(() -> Handshake.run(c.serverContext(), c.clientContext(), "mail.example.org"))
                .isInstanceOf(SSLHandshakeException.class)
                .hasStackTraceContaining("mail.example.org");
    }

    @Test
    void handshakeFailsWhenTheClientTrustsAnotherCertificate() {
        SelfSignedCertificate server = SelfSignedCertificate.generate("localhost");
        SelfSignedCertificate other = SelfSignedCertificate.generate("localhost");
        assertThatThrownBy(() -> Handshake.run(server.serverContext(), other.clientContext(), "localhost"))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void trustManagerAcceptsExactlyThisCertificate() throws Exception {
        SelfSignedCertificate c = SelfSignedCertificate.generate("localhost");
        SelfSignedCertificate other = SelfSignedCertificate.generate("localhost");
        c.trustManager().checkServerTrusted(new X509Certificate[] {c.certificate()}, "ECDHE_ECDSA");
        assertThatThrownBy(() -> c.trustManager().checkServerTrusted(new X509Certificate[] {other.certificate()}, "ECDHE_ECDSA"))
                .isInstanceOf(java.security.cert.CertificateException.class);
        assertThat(c.trustManager().getAcceptedIssuers()).containsExactly(c.certificate());
    }
}
