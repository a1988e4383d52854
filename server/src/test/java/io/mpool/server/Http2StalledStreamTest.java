package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionSummary;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stream whose handler does not read its body: what of the connection's memory its unread bytes
 * pin while the connection's other streams go on. Undertow's HTTP/2 hands a stream's DATA to it as
 * views of the connection's read buffers, so a stalled stream keeps the buffers its bytes came in
 * (its body is not copied into its own region, as nginx's preread does); Undertow stops reading
 * the connection at {@link #UNDERTOW_MAX_QUEUED_READ_BUFFERS} queued buffers, which bounds them,
 * and the stream's window (64 KB) bounds its bytes.
 */
class Http2StalledStreamTest {
    private static final CountDownLatch RELEASE = new CountDownLatch(1);
    /** {@code UndertowOptions.MAX_QUEUED_READ_BUFFERS}' default, which the server does not change. */
    private static final int UNDERTOW_MAX_QUEUED_READ_BUFFERS = UndertowOptions.DEFAULT_MAX_QUEUED_READ_BUFFERS;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config,
            routes -> exchange -> (exchange.getRequestPath().equals("/stall") ? STALL : routes).handleRequest(exchange));

    /** Reads nothing until released, then echoes. */
    private static final HttpHandler STALL = exchange -> exchange.dispatch(() -> {
        try {
            RELEASE.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exchange.dispatch(exchange.getIoThread(), () -> RequestBody.read(exchange, (done, body) ->
                done.getResponseSender().send("read " + body.size())));
    });

    private ConnectionSummary summary() {
        List<ConnectionBufferPool> connections = fixture.server().registry().pools();
        assertEquals(1, connections.size());
        return connections.get(0).summary();
    }

    @Test
    void aStalledStreamPinsAtMostUndertowsQueuedReadBuffersAndTheOtherStreamsGoOn() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/stall"), false);
            byte[] kilobyte = new byte[1024];
            for (int i = 0; i < 63; i++) { // within the stream's window: 63 frames of 1 KB
                h2.data(1, kilobyte, false);
                h2.headers(3 + 2 * i, H2Frames.requestHeaders("GET", "/hello"), true); // another stream between each
                assertEquals("hello\n", new String(h2.response(3 + 2 * i).body(), StandardCharsets.US_ASCII));
            }
            ConnectionSummary stalled = summary(); // 7 buffers (16 KB each) when this was written
            assertTrue(stalled.openBuffers() <= UNDERTOW_MAX_QUEUED_READ_BUFFERS, stalled.toString());
            assertTrue(stalled.bytesReserved() < stalled.openBuffers() * 16_384L + 64 * 1024, stalled.toString());
            RELEASE.countDown();
            h2.data(1, kilobyte, true);
            assertEquals("read 65536", new String(h2.response(1).body(), StandardCharsets.US_ASCII));
        }
    }
}
