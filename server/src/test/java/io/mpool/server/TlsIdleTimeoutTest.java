package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits()
            .withTimeouts(READ_TIMEOUT, Duration.ofSeconds(60), Duration.ofSeconds(10), IDLE_TIMEOUT)))
            .withTls(TestCertificates.openssl().listener(Duration.ofSeconds(10)));

    @Test
    void anIdleTlsConnectionOutlivesTheReadTimeoutAndClosesAtTheIdleTimeout() throws Exception {
        try (SSLSocket socket = TestCertificates.openssl().client().connect(fixture.server().tlsPort(), 20_000)) {
            assertTrue(TlsClient.hello(socket).endsWith("hello\n"));
            // Nothing for 4 s: the server must not close it (a read past the end would end the wait).
            socket.setSoTimeout(QUIET_MILLIS);
            assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read(),
                    "the server closed an idle TLS connection before its idle timeout");
            socket.setSoTimeout(20_000);
            assertTrue(TlsClient.hello(socket).endsWith("hello\n"), "still served after 4 idle seconds");
            // Then the idle timeout closes it.
            try {
                assertEquals(-1, socket.getInputStream().read());
            } catch (SocketException reset) {
                // closed: a reset is a close too
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }
}
