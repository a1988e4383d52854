package io.mpool.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.RawHttp;
import io.mpool.server.ServerFixture;
import io.mpool.server.TcpState;
import io.mpool.server.config.RequestLimits;
import io.mpool.testing.Await;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read timeout, when the connection's IO thread was busy elsewhere: a new connection's first
 * read finds nothing and stamps its wait; its request then comes, but the thread that would read
 * it is held up (here by a task that waits; in the chaos soak by the load) while the sweep passes
 * the read timeout. The sweep cannot see the socket, so it used to close the connection with the
 * request unread in it: the client, which had sent everything, got no answer. Now the IO thread
 * reads what came first and times the read out only if nothing did. The IO thread is held and the
 * sweeps run by hand, at a time past the read timeout. The idle timeout (a keep-alive connection's
 * next request) is decided the same way.
 */
class TimeoutsBehindBusyIoThreadTest {
    private static final byte[] NO_HOST = "GET /hello HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** A sweep's clock one second past the fixture's read timeout (the defaults'). */
    private static final long PAST_READ_TIMEOUT_NANOS = RequestLimits.DEFAULTS.readTimeout().toNanos() + 1_000_000_000L;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aRequestThatCameWhileTheIoThreadWasBusyIsAnsweredNotTimedOut() throws Exception {
        try (Socket socket = RawHttp.socket(fixture.port(), 10_000)) {
            Connection connection = accepted();
            // Held after the connection's set-up, whose first read found nothing and stamped the wait.
            HeldIoThread held = HeldIoThread.hold(connection);
            try {
                socket.getOutputStream().write(NO_HOST);
                socket.shutdownOutput();
                // The request and the close (its FIN counts one in the queue) unread in the server's socket.
                Await.until("the request in the server's socket buffer, unread", ServerFixture.SETTLE,
                        () -> TcpState.of(fixture.port(), socket.getLocalPort()),
                        server -> server != null && server.rxQueue() == NO_HOST.length + 1);
                long late = System.nanoTime() + PAST_READ_TIMEOUT_NANOS;
                fixture.registry().sweep(late);
                fixture.registry().sweep(late + PAST_READ_TIMEOUT_NANOS);
            } finally {
                held.release();
            }
            String answer = RawHttp.readUntilClosed(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 400 "), "answered (no Host: 400), not closed: [" + answer + "]");
        }
    }

    /**
     * The idle timeout, likewise: a keep-alive connection's next request came while its IO thread
     * was busy and the sweep passed the idle timeout; it used to be closed with the request unread.
     */
    @Test
    void aNextRequestThatCameWhileTheIoThreadWasBusyIsAnsweredNotClosedAsIdle() throws Exception {
        byte[] next = RawHttp.get("/hello");
        try (Socket socket = RawHttp.socket(fixture.port(), 10_000)) {
            socket.getOutputStream().write(RawHttp.get("/hello"));
            assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status(), "the first request");
            Connection connection = endedItsRequest();
            long seen = System.nanoTime();
            fixture.registry().sweep(seen); // sees it wait for its next request
            HeldIoThread held = HeldIoThread.hold(connection);
            try {
                socket.getOutputStream().write(next);
                Await.until("the next request in the server's socket buffer, unread", ServerFixture.SETTLE,
                        () -> TcpState.of(fixture.port(), socket.getLocalPort()),
                        server -> server != null && server.rxQueue() == next.length);
                fixture.registry().sweep(seen + RequestLimits.DEFAULTS.idleTimeout().toNanos() + 1_000_000_000L);
            } finally {
                held.release();
            }
            assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status(),
                    "the request that came before the idle timeout was acted on is answered");
        }
    }

    /** A keep-alive connection that sends nothing more is still closed at the idle timeout. */
    @Test
    void anIdleConnectionIsStillClosedAtTheIdleTimeout() throws Exception {
        try (Socket socket = RawHttp.socket(fixture.port(), 10_000)) {
            socket.getOutputStream().write(RawHttp.get("/hello"));
            assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status(), "the first request");
            endedItsRequest();
            long seen = System.nanoTime();
            fixture.registry().sweep(seen);
            fixture.registry().sweep(seen + RequestLimits.DEFAULTS.idleTimeout().toNanos() + 1_000_000_000L);
            assertEquals("", RawHttp.readUntilClosed(socket.getInputStream()), "closed, nothing more sent");
        }
    }

    @Test
    void aConnectionThatSendsNothingIsStillClosedAtTheReadTimeout() throws Exception {
        try (Socket socket = RawHttp.socket(fixture.port(), 10_000)) {
            Connection connection = accepted();
            CountDownLatch setUp = new CountDownLatch(1);
            connection.channel().getIoThread().execute(setUp::countDown); // after its first read
            setUp.await();
            fixture.registry().sweep(System.nanoTime() + PAST_READ_TIMEOUT_NANOS);
            assertEquals("", RawHttp.readUntilClosed(socket.getInputStream()), "closed without an answer (no request)");
        }
    }

    private Connection accepted() {
        return Await.until("the connection accepted", ServerFixture.SETTLE, () -> fixture.registry().connections(),
                connections -> connections.size() == 1).get(0);
    }

    /**
     * The connection, once its request has ended on the server (the client may read the answer
     * before that): from then on the sweeps see it wait for its next request.
     */
    private Connection endedItsRequest() {
        Connection connection = accepted();
        Await.until("the first request ended on the server", ServerFixture.SETTLE, connection::requestRunning,
                running -> !running);
        return connection;
    }
}
