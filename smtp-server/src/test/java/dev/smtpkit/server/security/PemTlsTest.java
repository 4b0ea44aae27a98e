package dev.smtpkit.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.security.SelfSignedCertificate.KeyType;
import dev.smtpkit.server.security.TlsMaterialException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTlsTest {

    private static final SelfSignedCertificate EC = SelfSignedCertificate.generate("localhost", KeyType.EC_P256);
    private static final SelfSignedCertificate RSA = SelfSignedCertificate.generate("localhost", KeyType.RSA_2048);

    @TempDir
    Path dir;

    @Test
    @DisplayName("RFC 7468 §5: a chain of several CERTIFICATE blocks is read in order, with text around them")
    void readsAChain() {
        String pem = "leaf:\n" + EC.certificatePem() + "intermediate:\r\n" + RSA.certificatePem().replace("\n", "\r\n") + "end\n";
        assertThat(PemTls.parseCertificates(pem, "chain.pem")).containsExactly(EC.certificate(), RSA.certificate());
    }

    @Test
    void buildsAContextFromFilesThatCompletesAHandshake() throws Exception {
        Path cert = write("fullchain.pem", RSA.certificatePem() + EC.certificatePem());
        Path key = write("privkey.pem", RSA.privateKeyPem());
        SSLContext server = PemTls.serverContext(cert, key);
        Handshake.Result r = Handshake.run(server, RSA.clientContext(), "localhost");
        assertThat(r.clientProtocol()).isIn("TLSv1.2", "TLSv1.3");
    }

    @Test
    void oneFileMayHoldBothKeyAndCertificate() throws Exception {
        Path both = write("combined.pem", EC.privateKeyPem() + EC.certificatePem());
        Handshake.Result r = Handshake.run(PemTls.serverContext(both, both), EC.clientContext(), "localhost");
        assertThat(r.echoed()).isEqualTo(42);
    }

    @Test
    void buildsAContextFromText() throws Exception {
        SSLContext server = PemTls.serverContext(EC.certificatePem(), EC.privateKeyPem());
        assertThat(Handshake.run(server, PemTls.trustingContext(java.util.List.of(EC.certificate())), "localhost").echoed())
                .isEqualTo(42);
    }

    @Test
    @DisplayName("RFC 5208 §5: RSA, EC and Ed25519 PKCS#8 keys are recognised by trying each key factory")
    void detectsKeyTypes() throws Exception {
        assertThat(PemTls.parsePrivateKey(RSA.privateKeyPem(), "k").getAlgorithm()).isEqualTo("RSA");
        assertThat(PemTls.parsePrivateKey(EC.privateKeyPem(), "k").getAlgorithm()).isEqualTo("EC");
        PrivateKey ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate();
        String edPem = Pem.encode("PRIVATE KEY", ed.getEncoded());
        assertThat(PemTls.parsePrivateKey(edPem, "k").getEncoded()).isEqualTo(ed.getEncoded());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.pem");
        expect(() -> PemTls.serverContext(missing, missing), Reason.MISSING_FILE, missing.toString());
        expect(() -> PemTls.readPrivateKey(missing), Reason.MISSING_FILE, "nope.pem");
    }

    @Test
    void aDirectoryIsUnreadable() {
        expect(() -> PemTls.readCertificates(dir), Reason.UNREADABLE_FILE, dir.toString());
    }

    @Test
    void fileWithoutBlocks() throws Exception {
        Path empty = write("empty.pem", "just text\n");
        expect(() -> PemTls.readCertificates(empty), Reason.NO_PEM_BLOCK, "empty.pem");
        expect(() -> PemTls.readPrivateKey(empty), Reason.NO_PEM_BLOCK, "empty.pem");
        expect(() -> PemTls.parsePrivateKey(EC.certificatePem(), "cert-only.pem"), Reason.NO_PEM_BLOCK, "cert-only.pem");
        expect(() -> PemTls.parseCertificates(EC.privateKeyPem(), "key-only.pem"), Reason.NO_PEM_BLOCK, "key-only.pem");
    }

    @Test
    void garbledBase64() throws Exception {
        String pem = EC.certificatePem();
        int mid = pem.indexOf('\n') + 10;
        Path garbled = write("garbled.pem", pem.substring(0, mid) + "%$!" + pem.substring(mid));
        expect(() -> PemTls.readCertificates(garbled), Reason.MALFORMED_PEM, "garbled.pem");
    }

    @Test
    void missingEndLine() {
        String pem = EC.certificatePem();
        expect(() -> PemTls.parseCertificates(pem.substring(0, pem.indexOf("-----END")), "cut.pem"),
                Reason.MALFORMED_PEM, "cut.pem");
        expect(() -> PemTls.parseCertificates("-----BEGIN CERTIFICATE\nAAAA\n", "dash.pem"), Reason.MALFORMED_PEM, "dash.pem");
        String mismatched = pem.replace("-----END CERTIFICATE-----", "-----END X509 CRL-----");
        expect(() -> PemTls.parseCertificates(mismatched, "mismatch.pem"), Reason.MALFORMED_PEM, "mismatch.pem");
    }

    @Test
    void certificateBlockThatIsNotACertificate() {
        String pem = Pem.encode("CERTIFICATE", new byte[] {0x30, 0x03, 0x02, 0x01, 0x05});
        expect(() -> PemTls.parseCertificates(EC.certificatePem() + pem, "bad.pem"), Reason.MALFORMED_CERTIFICATE, "certificate 2");
    }

    @Test
    void keyBlockThatIsNotAKey() {
        String pem = Pem.encode("PRIVATE KEY", new byte[] {0x30, 0x03, 0x02, 0x01, 0x00});
        expect(() -> PemTls.parsePrivateKey(pem, "bad-key.pem"), Reason.MALFORMED_KEY, "bad-key.pem");
        expect(() -> PemTls.parsePrivateKey(EC.privateKeyPem() + RSA.privateKeyPem(), "two.pem"), Reason.MALFORMED_KEY, "more than one");
    }

    @Test
    void encryptedAndLegacyKeysAreNamedAsSuch() {
        byte[] any = {0x30, 0x00};
        expect(() -> PemTls.parsePrivateKey(Pem.encode("ENCRYPTED PRIVATE KEY", any), "enc.pem"), Reason.ENCRYPTED_KEY, "encrypted");
        expect(() -> PemTls.parsePrivateKey(Pem.encode("RSA PRIVATE KEY", any), "pkcs1.pem"), Reason.UNSUPPORTED_KEY_FORMAT, "pkcs8");
        expect(() -> PemTls.parsePrivateKey(Pem.encode("EC PRIVATE KEY", any), "sec1.pem"), Reason.UNSUPPORTED_KEY_FORMAT, "pkcs8");
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateIsRefused() {
        SelfSignedCertificate otherEc = SelfSignedCertificate.generate("localhost");
        expect(() -> PemTls.serverContext(EC.certificatePem(), otherEc.privateKeyPem()), Reason.KEY_MISMATCH, "does not match");
        expect(() -> PemTls.serverContext(EC.certificatePem(), RSA.privateKeyPem()), Reason.KEY_MISMATCH, "does not match");
    }

    @Test
    void errorsNeverQuoteKeyMaterial() {
        String keyPem = EC.privateKeyPem();
        String body = Base64.getEncoder().encodeToString(EC.privateKey().getEncoded());
        String garbled = keyPem.replace(body.substring(10, 14), "!!!!");
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> PemTls.parsePrivateKey(garbled, "k.pem"));
        assertThat(t).isInstanceOf(TlsMaterialException.class);
        for (Throwable c = t; c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain(body.substring(0, 10), body.substring(20, 30));
        }
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static void expect(ThrowingCallable call, Reason reason, String inMessage) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(TlsMaterialException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).containsIgnoringCase(inMessage).startsWith(e.source() + ": ");
                });
    }
}
