package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.testing.Await;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Clients that misbehave at the transport level; after each, every pool and page is back. */
class FaultsTest {
    private static final int CLIENT_THREADS = 4;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aClientThatStopsReadingALargeResponseHoldsOnlyAFewBuffers() throws Exception {
        try (Socket socket = fixture.socket(10_000)) {
            socket.getOutputStream().write(RawHttp.get("/bytes/500000000"));
            // The server fills the socket buffers, then must wait: then its pool holds only a few buffers.
            Await.until("the server's answer to fill the socket", ServerFixture.SETTLE,
                    () -> TcpState.of(fixture.port(), socket.getLocalPort()), s -> s != null && s.peerWindowClosed());
            assertEquals(1, fixture.server().registry().size(), "the one connection");
            for (ConnectionBufferPool connection : fixture.server().registry().pools()) {
                long reserved = connection.summary().bytesReserved();
                assertTrue(reserved > 0 && reserved <= 4 * 16384 + 4096, "pool reserved " + reserved
                        + " bytes while the client did not read");
            }
            socket.setSoLinger(true, 0); // then it vanishes with a reset
        }
        fixture.awaitNoLivePools();
        assertHello();
    }

    @Test
    void aThousandConnectionsOpenedAndClosedAbruptlyLeakNothing() throws Exception {
        abruptConnections(1_000, 100);
    }

    @Test
    @Tag("slow")
    void tenThousandConnectionsOpenedAndClosedAbruptlyLeakNothing() throws Exception {
        abruptConnections(10_000, 5_000);
    }

    /**
     * {@code count} connections from 4 threads, each ending with a reset at a different point. A
     * connection reset before the server accepted it never gets a pool: in a short burst most are
     * (so at least {@code minPools} must reach the server), in a long one about half.
     */
    private void abruptConnections(int count, int minPools) throws Exception {
        int threadsBefore = serverThreads();
        ExecutorService executor = Executors.newFixedThreadPool(CLIENT_THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < CLIENT_THREADS; t++) {
                int self = t;
                futures.add(executor.submit(() -> {
                    for (int i = 0; i < count / CLIENT_THREADS; i++) {
                        try (Socket socket = fixture.socket(10_000)) {
                            switch ((i + self) % 4) {
                                case 0 -> { } // connect and vanish
                                case 1 -> socket.getOutputStream().write("GET /hel".getBytes(StandardCharsets.US_ASCII));
                                case 2 -> socket.getOutputStream().write(
                                        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nabc".getBytes(StandardCharsets.US_ASCII));
                                default -> socket.getOutputStream().write(RawHttp.get("/bytes/1000000"));
                            }
                            socket.setSoLinger(true, 0);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            executor.shutdownNow();
        }
        ServerTotals totals = fixture.awaitAllPoolsDestroyed();
        assertTrue(totals.poolsCreated() >= minPools, "the server saw the connections: " + totals);
        assertEquals(totals.poolsCreated(), totals.poolsDestroyed());
        assertEquals(threadsBefore, serverThreads(), "server threads before and after");
        assertHello();
    }

    private void assertHello() throws IOException {
        try (RawHttp http = fixture.connect()) {
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    private static int serverThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("mpool")).count();
    }
}
