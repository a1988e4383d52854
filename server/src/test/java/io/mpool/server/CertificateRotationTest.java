package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.config.TlsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS certificate rotated while the server runs, the way Kubernetes updates a mounted
 * {@code kubernetes.io/tls} Secret ({@code tls.crt -> ..data/tls.crt}, {@code ..data} a symlink to
 * a timestamped directory, swapped by one rename) and the way an operator copies files over the
 * old ones: a new handshake gets the new certificate (its serial), a connection opened before
 * keeps its session and keeps being served, and garbage in place of the certificate is refused
 * while the certificate in use stays. Certificates made by openssl; pages back to 0 after each
 * test (the fixture checks).
 */
class CertificateRotationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static OpensslCertificates ca;
    private static OpensslCertificates.Pair first;
    private static OpensslCertificates.Pair second;

    @TempDir
    static Path shared;

    /** The mounted Secret of this test: {@code tls.crt} and {@code tls.key} through {@code ..data}. */
    private final Path mount = mountSecret(first, "..2026_12_01_v1");

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(new TlsSettings("127.0.0.1", 0,
            CertificateFiles.pem(mount.resolve("tls.crt"), mount.resolve("tls.key")).source(), WAIT));

    @BeforeAll
    static void makeCertificates() throws IOException {
        ca = OpensslCertificates.createCa(Files.createDirectory(shared.resolve("ca")));
        first = ca.issue(1001);
        second = ca.issue(1002);
    }

    private static Path mountSecret(OpensslCertificates.Pair pair, String version) {
        try {
            Path mount = Files.createTempDirectory(shared, "secret");
            writeVersion(mount, version, pair);
            Files.createSymbolicLink(mount.resolve("..data"), Path.of(version));
            Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data", "tls.crt"));
            Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data", "tls.key"));
            return mount;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeVersion(Path mount, String version, OpensslCertificates.Pair pair) throws IOException {
        Path dir = Files.createDirectory(mount.resolve(version));
        Files.writeString(dir.resolve("tls.crt"), pair.certificatePem());
        Files.writeString(dir.resolve("tls.key"), pair.keyPem());
    }

    /** What kubelet does: the new version beside the old, then {@code ..data} renamed to point at it. */
    private void swapSecret(OpensslCertificates.Pair pair, String version) throws IOException {
        writeVersion(mount, version, pair);
        Path next = Files.createSymbolicLink(mount.resolve("..data_tmp"), Path.of(version));
        Files.move(next, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aSecretSwappedBySymlinkReachesNewHandshakesAndOpenConnectionsKeepTheirs() throws Exception {
        try (SSLSocket before = tlsSocket()) {
            assertEquals(first.serial(), serial(before));
            assertHello(before);
            swapSecret(second, "..2026_12_02_v2");
            awaitTrue(() -> fixture.server().totals().certificateReloads() == 1, "the swap is seen");
            // One atomic rename: no state in between that could be refused.
            assertEquals(0, fixture.server().totals().certificateReloadFailures());
            try (SSLSocket after = tlsSocket()) {
                assertEquals(second.serial(), serial(after));
                assertHello(after);
            }
            assertHello(before);
            assertEquals(first.serial(), serial(before));
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void filesOverwrittenInPlaceReachNewHandshakes() throws Exception {
        try (SSLSocket before = tlsSocket()) {
            assertEquals(first.serial(), serial(before));
            // Through the symlinks, into the files themselves: in between, the new certificate
            // with the old key may be seen and refused; the reload happens once both are new.
            Files.writeString(mount.resolve("tls.crt"), second.certificatePem());
            Files.writeString(mount.resolve("tls.key"), second.keyPem());
            awaitTrue(() -> fixture.server().totals().certificateReloads() == 1, "the new pair is read");
            try (SSLSocket after = tlsSocket()) {
                assertEquals(second.serial(), serial(after));
                assertHello(after);
            }
            assertHello(before);
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void garbageInPlaceOfTheCertificateKeepsTheOneInUse() throws Exception {
        try (SSLSocket before = tlsSocket()) {
            assertHello(before);
            Files.writeString(mount.resolve("tls.crt"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
            awaitTrue(() -> fixture.server().totals().certificateReloadFailures() >= 1, "the garbage is refused");
            try (SSLSocket after = tlsSocket()) {
                assertEquals(first.serial(), serial(after));
                assertHello(after);
            }
            assertHello(before);
            assertEquals(0, fixture.server().totals().certificateReloads());
            // Put right again: taken.
            Files.writeString(mount.resolve("tls.crt"), first.certificatePem());
            awaitTrue(() -> fixture.server().totals().certificateReloads() == 1, "the good file is read again");
        }
        // The same counts on /admin/pools and /metrics.
        long failures = fixture.server().totals().certificateReloadFailures();
        JsonNode totals = fixture.admin("/admin/pools", null).json().path("totals");
        assertEquals(1, totals.path("certificateReloads").asLong(), totals.toString());
        assertEquals(failures, totals.path("certificateReloadFailures").asLong(), totals.toString());
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            PrometheusText metrics = PrometheusText.parse(admin.exchange(RawHttp.getFresh("/metrics")).text());
            assertEquals(1, metrics.count("mpool_tls_certificate_reloads_total"));
            assertEquals(failures, metrics.count("mpool_tls_certificate_reload_failures_total"));
        }
        fixture.awaitAllPoolsDestroyed();
    }

    private SSLSocket tlsSocket() throws IOException, GeneralSecurityException {
        // A client of its own: no session to resume from another test's handshake.
        return ca.client().connect(fixture.server().tlsPort(), (int) WAIT.toMillis());
    }

    private static BigInteger serial(SSLSocket socket) throws IOException {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** One keep-alive GET /hello on {@code socket}, answered "hello\n". */
    private static void assertHello(SSLSocket socket) throws IOException {
        String answer = TlsClient.hello(socket);
        assertTrue(answer.endsWith("\r\n\r\nhello\n"), answer);
        assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(20);
        }
    }
}
