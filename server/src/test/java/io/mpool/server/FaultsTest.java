package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ServerStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Clients that misbehave at the transport level; after each, every pool and page is back. */
class FaultsTest {

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aClientThatStopsReadingALargeResponseHoldsOnlyAFewBuffers() throws Exception {
        try (Socket socket = socket()) {
            socket.getOutputStream().write(RawHttp.get("/bytes/500000000"));
            long peak = 0;
            for (int i = 0; i < 50; i++) { // the server fills the socket buffers, then must wait
                Thread.sleep(20);
                for (ConnectionBufferPool connection : fixture.server().registry().connections()) {
                    peak = Math.max(peak, connection.summary().bytesReserved());
                }
            }
            System.out.println("client not reading a 500 MB response: connection pool peak " + peak + " bytes");
            assertTrue(peak > 0 && peak <= 4 * 16384 + 4096, "pool reserved " + peak + " bytes while the client did not read");
            socket.setSoLinger(true, 0); // then it vanishes with a reset
        }
        fixture.awaitNoLivePools();
        assertHello();
    }

    @Test
    void tenThousandConnectionsOpenedAndClosedAbruptlyLeakNothing() throws Exception {
        int threadsBefore = serverThreads();
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int self = t;
                futures.add(executor.submit(() -> {
                    for (int i = 0; i < 2_500; i++) {
                        try (Socket socket = socket()) {
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
        ServerStats.Totals totals = fixture.awaitAllPoolsDestroyed();
        // A connection reset before the server accepted it never gets a pool; most do.
        System.out.println("10,000 abrupt connections: " + totals);
        assertTrue(totals.poolsCreated() >= 5_000, "the server saw the connections: " + totals);
        assertEquals(totals.poolsCreated(), totals.poolsDestroyed());
        assertEquals(threadsBefore, serverThreads(), "server threads before and after");
        assertHello();
    }

    private Socket socket() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
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
