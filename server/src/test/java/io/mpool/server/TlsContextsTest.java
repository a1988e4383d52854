package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.cli.MainTestAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates and keys from files with the JDK alone: PEM (RSA and EC, PKCS#8) and PKCS#12;
 * every refusal names the file and says what is wrong; the command line exits 2 with it.
 */
class TlsContextsTest {
    @TempDir
    Path dir;

    /** The run's RSA and EC sets (keytool takes a second or two per step: made once per JVM run). */
    private final TestCertificates rsa = TestCertificates.rsa();
    private final TestCertificates ec = TestCertificates.ec();

    @Test
    void rsaAndEcPemFilesAndKeystoresMakeAServerContext() throws Exception {
        for (TestCertificates certificates : new TestCertificates[] {rsa, ec}) {
            assertServerContext(TlsContexts.fromPem(certificates.certificatePem(), certificates.keyPem()));
            assertServerContext(TlsContexts.fromPkcs12(certificates.keystore(),
                    TestCertificates.PASSWORD.toCharArray()));
        }
    }

    private static void assertServerContext(SSLContext context) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        assertNotNull(engine.getSession());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("missing.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsContexts.fromPem(missing, missing));
        assertTrue(e.getMessage().startsWith("--tls-cert=" + missing + " (expected: a readable file: "), e.getMessage());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsContexts.fromPem(rsa.certificatePem(), ec.keyPem()));
        assertTrue(e.getMessage().startsWith("--tls-key=" + ec.keyPem() + " (expected: the private key of the"
                + " certificate in --tls-cert=" + rsa.certificatePem()), e.getMessage());
        assertTrue(e.getMessage().endsWith("this key does not match it)"), e.getMessage());
    }

    @Test
    void aPkcs1KeyGetsTheConversionHint() throws Exception {
        Path pkcs1 = dir.resolve("pkcs1.key");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsContexts.fromPem(rsa.certificatePem(), pkcs1));
        assertEquals("--tls-key=" + pkcs1 + " (expected: a PKCS#8 key, not PKCS#1/SEC1: convert it with"
                + " 'openssl pkcs8 -topk8 -nocrypt -in " + pkcs1 + "')", e.getMessage());
    }

    @Test
    void aCertificateFileWithoutCertificatesIsRefused() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsContexts.fromPem(empty, empty));
        assertTrue(e.getMessage().startsWith("--tls-cert=" + empty + " (expected: "), e.getMessage());
    }

    @Test
    void aWrongKeystorePasswordNamesTheKeystore() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsContexts.fromPkcs12(rsa.keystore(), "wrong".toCharArray()));
        assertTrue(e.getMessage().startsWith("--tls-keystore=" + rsa.keystore() + " (expected: a readable PKCS#12"
                + " keystore and its password in MPOOL_TLS_KEYSTORE_PASSWORD"), e.getMessage());
    }

    @Test
    void theCommandLineExits2NamingTheFile() throws Exception {
        Path missing = dir.resolve("missing.pem");
        MainTestAccess.Run run = MainTestAccess.run("--port", "0", "--admin-port", "0", "--tls-port", "0",
                "--tls-cert", missing.toString(), "--tls-key", rsa.keyPem().toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("mpool-server: --tls-cert=" + missing + " (expected: a readable file"), run.err());
        run = MainTestAccess.run("--port", "0", "--admin-port", "0", "--tls-port", "0",
                "--tls-cert", rsa.certificatePem().toString(), "--tls-key", ec.keyPem().toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("this key does not match it"), run.err());
        run = MainTestAccess.run("--port", "0", "--admin-port", "0", "--tls-port", "0");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("mpool-server: --tls-port=0 (expected: --tls-cert and --tls-key, or"
                + " --tls-keystore)"), run.err());
        run = MainTestAccess.run("--port", "0", "--admin-port", "0", "--tls-cert", rsa.certificatePem().toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("mpool-server: --tls-port is not set"), run.err());
    }
}
