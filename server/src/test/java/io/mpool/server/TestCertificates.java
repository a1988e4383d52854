package io.mpool.server;

import io.mpool.server.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * A test CA and a server certificate it signed (for localhost and 127.0.0.1), made at test time
 * with the JDK's {@code keytool}: the server's PKCS#12 keystore, the same key and chain as PEM
 * files (written from the keystore with the JDK), the CA's certificate as PEM (for
 * {@code curl --cacert}), the HTTPS listener that serves them and clients that trust the CA.
 *
 * <p>keytool takes a second or more per set (a JVM per step): {@link #rsa()} and {@link #ec()} are
 * made once per JVM run and shared by every test class that only needs a certificate to serve;
 * {@link #openssl()}, the same in PEM only, takes openssl a fraction of that.
 */
record TestCertificates(Path dir, Path keystore, Path certificatePem, Path keyPem, Path caPem) {
    static final String PASSWORD = "changeit";
    private static TestCertificates rsa;
    private static TestCertificates ec;
    private static TestCertificates openssl;

    /** The run's RSA set, made at the first call. */
    static synchronized TestCertificates rsa() {
        if (rsa == null) {
            rsa = createOnce("RSA");
        }
        return rsa;
    }

    /** The run's EC (P-256) set, made at the first call. */
    static synchronized TestCertificates ec() {
        if (ec == null) {
            ec = createOnce("EC");
        }
        return ec;
    }

    /**
     * The run's EC P-256 set made by {@link OpensslCertificates} (PEM, as a {@code kubernetes.io/tls}
     * Secret holds it; no keystore: {@link #keystore()} is null), made at the first call.
     */
    static synchronized TestCertificates openssl() {
        if (openssl == null) {
            try {
                Path dir = temporaryDirectory("openssl");
                OpensslCertificates ca = OpensslCertificates.createCa(dir);
                OpensslCertificates.Pair pair = ca.issue(1);
                openssl = new TestCertificates(dir, null, Files.writeString(dir.resolve("tls.crt"), pair.certificatePem()),
                        Files.writeString(dir.resolve("tls.key"), pair.keyPem()), ca.caPem());
            } catch (IOException e) {
                throw new IllegalStateException("cannot make the test certificates (openssl)", e);
            }
        }
        return openssl;
    }

    /** A set made by keytool in a temporary directory that goes when the JVM ends. */
    private static TestCertificates createOnce(String keyAlgorithm) {
        try {
            return create(temporaryDirectory(keyAlgorithm.toLowerCase(Locale.ROOT)), keyAlgorithm);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the test certificates (" + keyAlgorithm + ")", e);
        }
    }

    private static Path temporaryDirectory(String kind) throws IOException {
        Path dir = Files.createTempDirectory("mpool-tls-" + kind);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        return dir;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

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

    /** An HTTPS listener on a free loopback port serving this certificate. */
    TlsSettings listener(Duration handshakeTimeout) {
        return new TlsSettings("127.0.0.1", 0, TlsContexts.fromPem(certificatePem, keyPem), handshakeTimeout);
    }

    /** A new client that trusts the test CA only (a session cache of its own). */
    TlsClient client() throws IOException, GeneralSecurityException {
        return TlsClient.trusting(caPem);
    }

    /** A new client context that trusts the test CA only, for clients other than {@link TlsClient}'s sockets. */
    SSLContext clientContext() throws IOException, GeneralSecurityException {
        return client().context();
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
