package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin listener is bound to 127.0.0.1 only. Proven with another loopback address (127.0.0.2
 * reaches this machine, but not a socket bound to 127.0.0.1) and by the bound address; these
 * tests send nothing to non-loopback addresses.
 */
class AdminExposureTest {

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void theAdminListenerIsNotReachableOnAnyOtherAddress() throws Exception {
        assertEquals(InetAddress.getByName("127.0.0.1"), fixture.server().adminAddress().getAddress());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.server().adminPort()), 2_000);
            assertTrue(socket.isConnected());
        }
        // Control: 127.0.0.2 itself works (a socket bound there accepts connections) ...
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"));
             Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.2", other.getLocalPort()), 2_000);
            assertTrue(socket.isConnected());
        }
        // ... but the admin port there is closed: the refusal comes from the admin binding.
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.2", fixture.server().adminPort()), 2_000);
            }
        });
    }
}
