package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.connection.Connection;
import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an idle HTTP/2 connection (h2c by prior knowledge, after one stream) holds of Undertow's
 * HTTP/1.1, which set the connection up before its preface came: nothing. Its HTTP/1.1 connection,
 * read listener and parse state go once HTTP/2 has taken over (counted in a class histogram of the
 * live heap); the connection serves its next stream, the admin view shows it, and its close still
 * tears it down (the fixture checks every pool destroyed and every page back).
 */
class IdleHttp2ConnectionMemoryTest {
    private static final byte[] HELLO = H2Frames.requestHeaders("GET", "/hello");

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void idleHttp2ConnectionsKeepNoneOfUndertowsHttp11Objects() throws Exception {
        int count = 100;
        List<H2Frames> idle = new ArrayList<>();
        try {
            H2Frames warm = servedOneStream(); // lazily made shared objects; kept open
            idle.add(warm);
            Await.until("the connections of earlier servers to be collected", ServerFixture.SETTLE,
                    () -> LiveHeap.histogram().getOrDefault(Connection.class.getName(), new long[2])[0],
                    live -> live == fixture.server().registry().size());
            Map<String, long[]> before = LiveHeap.histogram();
            for (int i = 0; i < count; i++) {
                idle.add(servedOneStream());
            }
            Await.until("the idle sweep to take every connection's memory back (bytes reserved per connection)",
                    ServerFixture.SETTLE, () -> fixture.server().registry().pools().stream()
                            .map(c -> c.summary().bytesReserved()).toList(),
                    held -> held.stream().allMatch(bytes -> bytes == 0));
            Map<String, long[]> grown = LiveHeap.grown(before, LiveHeap.histogram());
            String table = LiveHeap.describe(grown, count);
            assertTrue(LiveHeap.instances(grown, name -> name.startsWith("io.undertow.server.protocol.http.")) < count / 10,
                    "none of Undertow's HTTP/1.1 objects per idle HTTP/2 connection:\n" + table);
            assertTrue(LiveHeap.instances(grown, "io.undertow.protocols.http2.Http2Channel"::equals) >= count,
                    "the HTTP/2 channels are all there:\n" + table);

            JsonNode connections = fixture.admin("/admin/pools", null).json().path("connections");
            assertEquals(count + 1, connections.size(), "the admin view shows every idle connection");
            for (JsonNode connection : connections) {
                assertEquals("h2c", connection.path("protocol").asText(), connection.toString());
            }
            for (H2Frames h2 : idle) {
                h2.headers(3, HELLO, true);
                assertEquals("hello\n", new String(h2.response(3).body(), StandardCharsets.US_ASCII),
                        "an idle HTTP/2 connection serves its next stream");
            }
        } finally {
            for (H2Frames h2 : idle) {
                h2.close();
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /** A new h2c connection (prior knowledge) that has been answered one GET /hello on stream 1. */
    private H2Frames servedOneStream() throws Exception {
        H2Frames h2 = new H2Frames(fixture.port(), 10_000);
        h2.headers(1, HELLO, true);
        assertEquals("hello\n", new String(h2.response(1).body(), StandardCharsets.US_ASCII));
        return h2;
    }
}
