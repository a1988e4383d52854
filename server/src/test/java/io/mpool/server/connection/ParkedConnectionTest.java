package io.mpool.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.RawHttp;
import io.mpool.server.ServerFixture;
import io.mpool.server.TcpState;
import io.mpool.testing.Await;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A keep-alive connection the sweep found idle has Undertow's read listener taken away (parked,
 * {@code HttpConnections.park}) and gets a new one when its next bytes come. A request that comes
 * then is answered as on any connection, whenever its bytes arrive: after the park, or while the
 * park is still queued on the connection's IO thread (held here by a task that waits), the client's
 * close right behind them. The sweeps run by hand; the IO thread is held by hand.
 */
class ParkedConnectionTest {
    private static final byte[] HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_HOST = "GET /hello HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aRequestWithoutHostOnAParkedConnectionIsAnswered400() throws Exception {
        try (Socket socket = RawHttp.socket(fixture.port(), 10_000)) {
            Connection connection = servedOnceThenSweptIdle(socket);
            Await.until("the connection parked (its own read listener the channel's)", ServerFixture.SETTLE,
                    () -> connection.channel().getSourceChannel().getReadListener() == connection, parked -> parked);

            socket.getOutputStream().write(NO_HOST);
            socket.shutdownOutput();
            assertTrue(RawHttp.readUntilClosed(socket.getInputStream()).startsWith("HTTP/1.1 400 "), "answered 400");
        }
    }

    @Test
    void aRequestWithoutHostThatComesBeforeTheQueuedParkRunsIsAnswered400() throws Exception {
        try (Socket socket = RawHttp.socket(fixture.port(), 10_000)) {
            Connection connection = servedOnceThenIdle(socket);
            HeldIoThread held = HeldIoThread.hold(connection);
            try {
                sweepTwice(); // the park is queued behind the held task
                socket.getOutputStream().write(NO_HOST);
                socket.shutdownOutput();
                // The request and the close (its FIN counts one in the queue) unread in the server's socket.
                Await.until("the request in the server's socket buffer, unread", ServerFixture.SETTLE,
                        () -> TcpState.of(fixture.port(), socket.getLocalPort()), server -> server != null
                                && server.rxQueue() == NO_HOST.length + 1);
            } finally {
                held.release();
            }
            assertTrue(RawHttp.readUntilClosed(socket.getInputStream()).startsWith("HTTP/1.1 400 "), "answered 400");
        }
    }

    @Test
    void aRequestOnAParkedConnectionIsServedAndTheConnectionKeptAlive() throws Exception {
        try (RawHttp http = new RawHttp(fixture.port())) {
            http.send(HELLO);
            assertEquals(200, http.read().status());
            Connection connection = only();
            Await.until("the first request's end", ServerFixture.SETTLE, () -> connection.pool().summary().resets(),
                    resets -> resets == 1);
            sweepTwice();
            Await.until("the connection parked", ServerFixture.SETTLE,
                    () -> connection.channel().getSourceChannel().getReadListener() == connection, parked -> parked);
            for (int i = 0; i < 3; i++) {
                http.send(HELLO);
                assertEquals(200, http.read().status());
            }
        }
    }

    @Test
    void aParkedConnectionLetsUndertowsConnectionGoAndServesItsNextRequestsOnANewOne() throws Exception {
        try (RawHttp http = new RawHttp(fixture.port())) {
            for (int round = 0; round < 3; round++) {
                http.send(HELLO);
                assertEquals(200, http.read().status());
                Connection connection = only();
                int served = round + 1;
                Await.until("the request's end", ServerFixture.SETTLE, () -> connection.pool().summary().resets(),
                        resets -> resets == served);
                sweepTwice();
                // Undertow's connection was the channel's close listener (and all that kept it reachable).
                Await.until("Undertow's connection let go: the connection itself is the channel's close listener",
                        ServerFixture.SETTLE, () -> connection.channel().getCloseListener() == connection
                                && connection.channel().getSourceChannel().getReadListener() == connection,
                        released -> released);
                assertEquals(1, fixture.admin("/admin/pools", null).json().path("connections").size(),
                        "the admin view shows the parked connection");
            }
            http.send(RawHttp.concat(HELLO, HELLO)); // pipelined, on the new one
            assertEquals(200, http.read().status());
            assertEquals(200, http.read().status());
        }
        fixture.awaitAllPoolsDestroyed(); // its close, with no Undertow connection between, tears it down
    }

    /** Serves one request on {@code socket}, then sweeps by hand until the connection is idle; returns it. */
    private Connection servedOnceThenSweptIdle(Socket socket) throws IOException {
        Connection connection = servedOnceThenIdle(socket);
        sweepTwice();
        return connection;
    }

    private Connection servedOnceThenIdle(Socket socket) throws IOException {
        socket.getOutputStream().write(HELLO);
        assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status());
        Connection connection = only();
        Await.until("the first request's end", ServerFixture.SETTLE, () -> connection.pool().summary().resets(),
                resets -> resets == 1);
        return connection;
    }

    /** Two sweeps: the first one after a request only notes it, the second finds the connection idle. */
    private void sweepTwice() {
        long now = System.nanoTime();
        fixture.registry().sweep(now);
        fixture.registry().sweep(now + 1);
    }

    private Connection only() {
        List<Connection> connections = fixture.registry().connections();
        assertEquals(1, connections.size(), "one connection");
        return connections.get(0);
    }
}
