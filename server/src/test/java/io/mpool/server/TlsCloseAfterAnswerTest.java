package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * {@code close_notify}, then keeps the connection until the client's {@code close_notify} has come,
 * as stock Undertow does, and only then closes. Closed at once instead, the JDK's engine fails the
 * connection (its inbound side closed before the peer's {@code close_notify}: a fatal exception,
 * stack trace and all, per connection), and the client's own {@code close_notify}, arriving at a
 * closed socket, is answered with a TCP reset.
 *
 * <p>Seen by the kernel ({@code /proc/net/tcp}): when the client has read the whole answer and the
 * server's {@code close_notify}, the server's side of the socket is still held by the server (it has
 * an inode); closed at once, it would be the kernel's alone (inode 0) by then.
 */
class TlsCloseAfterAnswerTest {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.openssl().listener(Duration.ofSeconds(10)));

    @Test
    void theServerKeepsTheConnectionUntilTheClientsCloseNotify() throws Exception {
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
                TcpState server = TcpState.of(port, clientPort);
                assertTrue(server != null && server.inode() != 0, "connection " + i + ": the server's side is " + server
                        + " once the client has the answer and its close_notify (expected: still held by the server,"
                        + " which waits for the client's close_notify; inode 0 or gone: closed at once)");
                assertEquals(1, fixture.server().registry().size(), "connections the server still holds");
                socket.shutdownOutput(); // the client's close_notify
                Await.until("connection " + i + " closed by the server after the client's close_notify",
                        Duration.ofSeconds(10), () -> fixture.server().registry().size(), open -> open == 0);
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }
}
