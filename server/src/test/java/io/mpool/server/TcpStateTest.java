package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The kernel's view of a socket that filled: what the tests that need a full socket wait for. */
class TcpStateTest {

    @Test
    void aSenderWhosePeerDoesNotReadSeesThePeersWindowClose() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            try (Socket client = new Socket(); SocketChannel sender = acceptAfterConnect(listener, client, port)) {
                TcpState idle = TcpState.of(port, client.getLocalPort());
                assertNotNull(idle, "the accepted socket is listed");
                assertFalse(idle.peerWindowClosed(), idle.toString());
                sender.configureBlocking(false);
                ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
                long sent = 0;
                for (int written = 1; written > 0; chunk.clear()) {
                    written = sender.write(chunk);
                    sent += written;
                }
                long total = sent;
                TcpState full = Await.until("the client's window to close", Duration.ofSeconds(10),
                        () -> TcpState.of(port, client.getLocalPort()), s -> s.peerWindowClosed());
                assertTrue(full.txQueue() > 0 && full.txQueue() < total, full + " of " + total + " bytes written");
                TcpState reader = TcpState.of(client.getLocalPort(), port);
                assertEquals(total - full.txQueue(), reader.rxQueue(), "what left the sender waits unread: " + reader);
            }
        }
    }

    private static SocketChannel acceptAfterConnect(ServerSocketChannel listener, Socket client, int port)
            throws Exception {
        client.setReceiveBufferSize(4096); // before connecting: a small window
        client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        return listener.accept();
    }
}
