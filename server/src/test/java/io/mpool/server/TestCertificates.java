package io.mpool.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test CA and a server certificate it signed (for localhost and 127.0.0.1), made at test time
 * with the JDK's {@code keytool}: the server's PKCS#12 keystore, the same key and chain as PEM
 * files (written from the keystore with the JDK), the CA's certificate as PEM (for
 * {@code curl --cacert}), and a client {@link SSLContext} that trusts the CA.
 */
record TestCertificates(Path dir, Path keystore, Path certificatePem, Path keyPem, Path caPem) {
    static final String PASSWORD = "changeit";

    /** Makes a CA and a server certificate of {@code keyAlgorithm} (RSA or EC) in {@code dir}. */
    static TestCertificates create(Path dir, String keyAlgorithm) throws IOException, GeneralSecurityException {
        Path ca = dir.resolve("ca.p12");
        Path server = dir.resolve("server.p12");
        Path caPem = dir.resolve("ca.pem");
        Path request = dir.resolve("server.csr");
        Path signed = dir.resolve("server.crt");
        keytool("-genkeypair", "-keystore", ca, "-alias", "ca", "-keyalg", keyAlgorithm, "-dname", "CN=mpool test CA",
                "-ext", "bc:c", "-validity", "2");
        keytool("-exportcert", "-rfc", "-keystore", ca, "-alias", "ca", "-file", caPem);
        keytool("-genkeypair", "-keystore", server, "-alias", "server", "-keyalg", keyAlgorithm, "-dname", "CN=localhost",
                "-validity", "2");
        keytool("-certreq", "-keystore", server, "-alias", "server", "-file", request);
        keytool("-gencert", "-rfc", "-keystore", ca, "-alias", "ca", "-infile", request, "-outfile", signed,
                "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "2");
        keytool("-importcert", "-noprompt", "-keystore", server, "-alias", "ca", "-file", caPem);
        keytool("-importcert", "-keystore", server, "-alias", "server", "-file", signed);

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(server)) {
            store.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("server", PASSWORD.toCharArray());
        Path keyPem = dir.resolve("server.key");
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        StringBuilder chain = new StringBuilder();
        for (Certificate certificate : store.getCertificateChain("server")) {
            chain.append(pem("CERTIFICATE", certificate.getEncoded()));
        }
        Path certificatePem = dir.resolve("server.pem");
        Files.writeString(certificatePem, chain, StandardCharsets.US_ASCII);
        return new TestCertificates(dir, server, certificatePem, keyPem, caPem);
    }

    /** A client context that trusts the test CA only. */
    SSLContext clientContext() throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void keytool(Object... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        for (Object argument : arguments) {
            command.add(argument.toString());
        }
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        if (command.contains("-genkeypair")) {
            command.addAll(List.of("-keypass", PASSWORD));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool did not finish: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("keytool failed: " + command + "\n" + output);
        }
    }
}
