package io.mpool.server;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test CA made with {@code openssl} and server certificates it signs for localhost and
 * 127.0.0.1, each with a serial of the caller's choosing (so a client can tell which one a
 * handshake got) and its own EC P-256 key in PEM PKCS#8, the form a {@code kubernetes.io/tls}
 * Secret holds.
 */
public final class OpensslCertificates {
    public static final Path OPENSSL = Path.of("/usr/bin/openssl");
    private final Path dir;
    private final Path caKey;
    private final Path caPem;

    private OpensslCertificates(Path dir) {
        this.dir = dir;
        this.caKey = dir.resolve("ca.key");
        this.caPem = dir.resolve("ca.pem");
    }

    /** A new CA in {@code dir}. */
    public static OpensslCertificates createCa(Path dir) throws IOException {
        OpensslCertificates ca = new OpensslCertificates(dir);
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ca.caKey.toString());
        openssl("req", "-x509", "-new", "-key", ca.caKey.toString(), "-subj", "/CN=mpool test CA", "-days", "2",
                "-out", ca.caPem.toString());
        return ca;
    }

    /** A server certificate and key, as PEM text. */
    public record Pair(BigInteger serial, String certificatePem, String keyPem) {
    }

    /** A server certificate with {@code serial}, signed by this CA, with a key of its own. */
    public Pair issue(long serial) throws IOException {
        Path key = dir.resolve("server-" + serial + ".key");
        Path request = dir.resolve("server-" + serial + ".csr");
        Path certificate = dir.resolve("server-" + serial + ".pem");
        Path extensions = dir.resolve("san.ext");
        Files.writeString(extensions, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=localhost", "-out", request.toString());
        openssl("x509", "-req", "-in", request.toString(), "-CA", caPem.toString(), "-CAkey", caKey.toString(),
                "-set_serial", Long.toString(serial), "-days", "2", "-extfile", extensions.toString(),
                "-out", certificate.toString());
        return new Pair(BigInteger.valueOf(serial), Files.readString(certificate), Files.readString(key));
    }

    public Path caPem() {
        return caPem;
    }

    /** A new client that trusts this CA only (a session cache of its own). */
    TlsClient client() throws IOException, GeneralSecurityException {
        return TlsClient.trusting(caPem);
    }

    private static void openssl(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(OPENSSL.toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("openssl did not finish: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("openssl failed: " + command + "\n" + output);
        }
    }
}
