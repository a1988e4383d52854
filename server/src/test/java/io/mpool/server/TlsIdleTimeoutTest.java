package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.TlsSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle keep-alive connection over TLS lives until the idle timeout, as a plain one does, and is
 * not cut at the (shorter) read timeout: Undertow's TLS conduit runs the reader again after a
 * response though no byte came, and that empty read must not count as a stalled read. Read timeout
 * 1 s, idle timeout 6 s: the connection is asked again 4 s after its answer, long past any read
 * timeout and its sweep, and well before the idle timeout can close it (the idle clock starts at
 * the first sweep that sees the connection idle, so a slow machine only moves the close later).
 */
class TlsIdleTimeoutTest {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(6);
    private static final int QUIET_MILLIS = 4_000;
    private static OpensslCertificates ca;
    private static Path certificate;
    private static Path key;

    @TempDir
    static Path shared;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits()
            .withTimeouts(READ_TIMEOUT, Duration.ofSeconds(60), Duration.ofSeconds(10), IDLE_TIMEOUT)))
            .withTls(new TlsSettings("127.0.0.1", 0, TlsContexts.fromPem(certificate, key), Duration.ofSeconds(10)));

    @BeforeAll
    static void makeCertificates() throws IOException {
        ca = OpensslCertificates.createCa(Files.createDirectory(shared.resolve("ca")));
        OpensslCertificates.Pair pair = ca.issue(9);
        certificate = Files.writeString(shared.resolve("tls.crt"), pair.certificatePem());
        key = Files.writeString(shared.resolve("tls.key"), pair.keyPem());
    }

    @Test
    void anIdleTlsConnectionOutlivesTheReadTimeoutAndClosesAtTheIdleTimeout() throws Exception {
        Socket raw = new Socket();
        raw.connect(new InetSocketAddress("127.0.0.1", fixture.server().tlsPort()), 5_000);
        try (SSLSocket socket = (SSLSocket) ca.clientContext().getSocketFactory().createSocket(raw, "localhost",
                fixture.server().tlsPort(), true)) {
            socket.setSoTimeout(20_000);
            assertTrue(hello(socket).endsWith("hello\n"));
            // Nothing for 4 s: the server must not close it (a read past the end would end the wait).
            socket.setSoTimeout(QUIET_MILLIS);
            assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read(),
                    "the server closed an idle TLS connection before its idle timeout");
            socket.setSoTimeout(20_000);
            assertTrue(hello(socket).endsWith("hello\n"), "still served after 4 idle seconds");
            // Then the idle timeout closes it.
            try {
                assertEquals(-1, socket.getInputStream().read());
            } catch (SocketException reset) {
                // closed: a reset is a close too
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }

    private static String hello(SSLSocket socket) throws IOException {
        socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        while (!answer.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\nhello\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-answer: " + answer);
            }
            answer.write(b);
        }
        return answer.toString(StandardCharsets.US_ASCII);
    }
}
