package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How a TLS connection ends after an answer with {@code Connection: close}: the server sends its
 * {@code close_notify} and FIN, then waits for the client's {@code close_notify} before it closes,
 * as stock Undertow does. Closed at once instead, the JDK's engine fails the connection (its
 * inbound side closed before the peer's {@code close_notify}: an exception per connection), and
 * the client's {@code close_notify}, arriving at a closed socket, is answered with a TCP reset.
 *
 * <p>Seen by the kernel: the server's side of a connection closed in order (both FINs, the server's
 * first) stays in TIME_WAIT; one that a reset ended is gone from {@code /proc/net/tcp}.
 */
class TlsCloseAfterAnswerTest {
    /** {@code tr} of a socket in TIME_WAIT in {@code /proc/net/tcp}. */
    private static final int TIME_WAIT_TIMER = 3;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.openssl().listener(Duration.ofSeconds(10)));

    @Test
    void theServerReadsTheClientsCloseNotifyBeforeItClosesSoNothingIsReset() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/net/tcp")), "no /proc/net/tcp: the kernel's socket states are not there");
        int port = fixture.server().tlsPort();
        TlsClient client = TestCertificates.openssl().client();
        for (int i = 0; i < 3; i++) {
            try (SSLSocket socket = client.connect(port, 20_000)) {
                int clientPort = socket.getLocalPort();
                socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                String answer = new String(TlsClient.readUntilClosed(socket.getInputStream()), StandardCharsets.US_ASCII);
                assertTrue(answer.startsWith("HTTP/1.1 200 ") && answer.endsWith("\r\n\r\nhello\n"), answer);
                socket.shutdownOutput(); // the client's close_notify; its socket stays open
                Await.until("the server's side of connection " + i + " (client port " + clientPort
                        + ") in TIME_WAIT (closed in order; gone from /proc/net/tcp: reset)", Duration.ofSeconds(10),
                        () -> TcpState.of(port, clientPort), server -> server != null && server.timer() == TIME_WAIT_TIMER);
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }
}
