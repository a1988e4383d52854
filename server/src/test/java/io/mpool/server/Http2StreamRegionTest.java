package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.mempool.MpPool;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionSummary;
import io.mpool.testing.Await;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A region per HTTP/2 stream: what a handler takes through {@link RequestRegion} on one stream is
 * that stream's, held while it runs and given back when it ends, whatever the connection's other
 * streams do; and the connection's cap covers all its streams (a stream that would pass it is
 * answered 503, the others go on).
 */
class Http2StreamRegionTest {
    /** What /scratch takes from its request's region. */
    private static final int SCRATCH = 64 * 1024;
    private static final long CONNECTION_CAP = 256 * 1024;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withMemory(config.bufferSize(), config.arenaMaxBytes(),
            CONNECTION_CAP),
            routes -> exchange -> (exchange.getRequestPath().equals("/scratch") ? SCRATCH_ROUTE : routes)
                    .handleRequest(exchange));

    /** Takes {@value #SCRATCH} bytes of region memory, fills it, then echoes the body with the region's size. */
    private static final HttpHandler SCRATCH_ROUTE = exchange -> {
        ByteBuffer scratch = RequestRegion.of(exchange).allocate(SCRATCH);
        while (scratch.hasRemaining()) {
            scratch.put((byte) 's');
        }
        RequestBody.read(exchange, (done, body) -> {
            done.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
            done.getResponseSender().send("scratch " + scratch.capacity() + " body " + body.size());
        });
    };

    private ConnectionSummary summary() {
        List<ConnectionBufferPool> connections = fixture.server().registry().pools();
        assertEquals(1, connections.size());
        return connections.get(0).summary();
    }

    @Test
    void eachStreamsRegionIsItsOwnAndGoesWhenTheStreamEnds() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("GET", "/hello"), true);
            h2.response(1);
            H2Frames.await(() -> summary().streams() == 0, "the first stream's region destroyed");
            // Its pool, down to its one node, is kept as a spare for the next stream.
            long idle = summary().bytesReserved();
            for (int round = 0; round < 50; round++) { // 50 x 64 KB: far past the cap if they added up
                int first = 3 + 4 * round;
                int second = first + 2;
                h2.headers(first, H2Frames.requestHeaders("POST", "/scratch"), false);
                h2.headers(second, H2Frames.requestHeaders("POST", "/scratch"), false);
                // A stream's region exists from its HEADERS on; its scratch once its handler ran.
                H2Frames.await(() -> summary().streams() == 2 && summary().bytesReserved() >= idle + 2L * SCRATCH,
                        "two streams hold their scratch, each in its own region");
                h2.data(first, "one".getBytes(StandardCharsets.US_ASCII), true);
                assertEquals("scratch 65536 body 3", new String(h2.response(first).body(), StandardCharsets.US_ASCII));
                h2.data(second, "two!".getBytes(StandardCharsets.US_ASCII), true);
                assertEquals("scratch 65536 body 4", new String(h2.response(second).body(), StandardCharsets.US_ASCII));
                H2Frames.await(() -> summary().streams() == 0, "both regions destroyed");
                // Both scratches gone; two spare nodes kept (two streams ran at once), one more than before.
                assertEquals(idle + MpPool.NODE_SIZE, summary().bytesReserved(), "round " + round + ": " + summary());
            }
            // Idle, the connection gives its memory back (the sweep), and its spare nodes go within a second.
            Await.until("the idle connection's memory and its spare nodes given back", Duration.ofSeconds(20),
                    this::summary, summary -> summary.bytesReserved() == 0);
        }
        assertEquals(0, fixture.server().stats().resets(), "no HTTP/1.1 reset ran for a stream");
    }

    @Test
    void theConnectionsCapCoversItsStreams() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            int streams = (int) (CONNECTION_CAP / SCRATCH) + 1; // together past the cap
            for (int i = 0; i < streams; i++) {
                h2.headers(1 + 2 * i, H2Frames.requestHeaders("POST", "/scratch"), false);
            }
            int refused = 0;
            int served = 0;
            for (int i = 0; i < streams; i++) {
                h2.data(1 + 2 * i, new byte[0], true);
            }
            for (int i = 0; i < streams; i++) {
                try {
                    H2Frames.Response response = h2.response(1 + 2 * i);
                    if (new String(response.body(), StandardCharsets.US_ASCII).startsWith("scratch")) {
                        served++;
                    } else {
                        refused++; // 503
                    }
                } catch (IOException reset) {
                    refused++; // REFUSED_STREAM
                }
            }
            assertTrue(refused >= 1 && served >= 1, "served " + served + ", refused " + refused);
        }
        assertTrue(fixture.server().stats().connectionCapExceeded() >= 1);
    }
}
