package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ConnectionSummary;
import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Long pipelined bursts: every response in order and every request accounted for by a reset, and
 * a burst whose answers can never be sent (the client stopped reading and went away) leaves no
 * pool behind.
 */
class PipelinedBurstTest {
    private static final byte[] GET = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aBatchOfPipelinedResponsesIsAnsweredInOrderAndEveryRequestIsReset() throws Exception {
        int count = 200;
        byte[][] requests = new byte[count][];
        for (int i = 0; i < count; i++) {
            requests[i] = i % 10 == 9 ? RawHttp.post("/echo", "text/plain", ("body-" + i).getBytes(StandardCharsets.US_ASCII))
                    : GET;
        }
        try (RawHttp http = fixture.connect()) {
            http.send(RawHttp.concat(requests));
            for (int i = 0; i < count; i++) {
                assertEquals(i % 10 == 9 ? "body-" + i : "hello\n", http.read().text(), "response " + i);
            }
            var connection = fixture.server().registry().connections().get(0);
            var summary = Await.until("the last reset and every buffer back", ServerFixture.SETTLE, connection::summary,
                    s -> !s.resetPending() && s.openBuffers() == 0);
            assertEquals(count, summary.resets() + summary.resetsCoalesced(), summary.toString());
        }
    }

    /**
     * The client pipelines far more than the socket buffers hold and never reads: the server's
     * writes block with buffers in hand. When the client resets the connection, the pool is
     * destroyed (the fixture checks that no pool is live and no page outstanding after the
     * test). ConnectionBufferPoolTest covers the reclaim of buffers Undertow never closes.
     */
    @Test
    void aBatchAbandonedByTheClientIsReclaimedWhenTheConnectionCloses() throws Exception {
        byte[] pair = RawHttp.concat(GET, RawHttp.get("/bytes/60000"));
        byte[] burst = RawHttp.concat(Collections.nCopies(500, pair).toArray(new byte[0][]));
        try (RawHttp http = fixture.connect()) {
            http.send(burst); // about 30 MB of answers, never read
            long deadline = System.nanoTime() + ServerFixture.SETTLE.toNanos();
            ConnectionSummary summary = null;
            long requestsBefore = -1;
            while (System.nanoTime() < deadline) {
                var live = fixture.server().registry().connections();
                summary = live.isEmpty() ? null : live.get(0).summary();
                if (summary != null && summary.openBuffers() > 0 && summary.requests() == requestsBefore) {
                    break; // the server's writes are blocked with a batch in hand: no request ends
                }
                requestsBefore = summary == null ? -1 : summary.requests();
                Thread.sleep(50);
            }
            assertTrue(summary != null && summary.openBuffers() > 0, "the server never blocked on a client that does not read: " + summary);
            http.abort();
        }
        fixture.awaitAllPoolsDestroyed();
    }
}
