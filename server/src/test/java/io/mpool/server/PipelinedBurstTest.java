package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mpool.server.connection.ConnectionSummary;
import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
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
            var connection = fixture.server().registry().pools().get(0);
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
    /** What a wait for a blocked write sees: the server's socket and the live connections. */
    private record Blocked(TcpState socket, List<ConnectionSummary> connections) {
    }

    @Test
    void aBatchAbandonedByTheClientIsReclaimedWhenTheConnectionCloses() throws Exception {
        byte[] pair = RawHttp.concat(GET, RawHttp.get("/bytes/60000"));
        byte[] burst = RawHttp.concat(Collections.nCopies(500, pair).toArray(new byte[0][]));
        try (RawHttp http = fixture.connect()) {
            http.send(burst); // about 30 MB of answers, never read
            // The server's writes are blocked (the client's window closed) with a batch in hand.
            Await.until("the server to block on a client that does not read, with buffers in hand",
                    ServerFixture.SETTLE, () -> new Blocked(TcpState.of(fixture.port(), http.localPort()),
                            fixture.server().registry().pools().stream().map(c -> c.summary()).toList()),
                    blocked -> blocked.socket() != null && blocked.socket().peerWindowClosed()
                            && blocked.connections().size() == 1 && blocked.connections().get(0).openBuffers() > 0);
            http.abort();
        }
        fixture.awaitAllPoolsDestroyed();
    }
}
