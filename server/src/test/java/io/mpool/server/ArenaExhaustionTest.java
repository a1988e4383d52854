package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tiny arena under more connections than it can hold: new work is refused cleanly (503 with
 * {@code Retry-After}, then closed; never a hang or a wrong answer), the refusals are counted, and
 * full service resumes once the load drops.
 */
class ArenaExhaustionTest {
    private static final long ARENA = 512 * 1024;
    private static final int MAX_HOLDERS = 40;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withMemory(16384, ARENA, 128 * 1024));

    @Test
    void exhaustionRefusesNewWorkCleanlyAndServiceResumes() throws Exception {
        assertEquals(ARENA, fixture.server().arena().maxBytes(), "the arena has the configured bound");
        List<Socket> holders = new ArrayList<>();
        try {
            // Each held upload pins a read buffer and the handler's buffer in the arena.
            for (int i = 0; i < MAX_HOLDERS && fixture.server().stats().arenaRejections() == 0; i++) {
                Socket socket = fixture.socket(10_000);
                holders.add(socket);
                try {
                    socket.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().write(new byte[20_000]);
                } catch (SocketException refused) {
                    // this one tipped the arena over: it got its 503 and was closed while we wrote
                }
                fixture.awaitReadByServer(holders.get(holders.size() - 1));
            }
            ServerTotals during = fixture.server().totals();
            assertTrue(during.arenaRejections() > 0, "the arena ran out within " + MAX_HOLDERS + " uploads: "
                    + during + " " + fixture.server().arena().stats());
            assertTrue(fixture.server().arena().stats().exhaustions() > 0);
            RawHttp.Exchange refused = RawHttp.sendAll(fixture.port(), "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 10_000);
            assertEquals(List.of(503), refused.statuses(), "a new request while the arena is exhausted: "
                    + refused.text() + " (" + refused.ending() + ") " + during);
            assertTrue(refused.text().contains("\r\nRetry-After: 1\r\n"), refused.text());
            assertTrue(refused.text().contains("\r\nConnection: close\r\n"), refused.text());
            assertTrue(fixture.server().stats().arenaRejections() > during.arenaRejections(),
                    "the refusal is counted");
            assertTrue(fixture.server().arena().stats().reservedBytes() <= ARENA, "the bound holds");
        } finally {
            for (Socket socket : holders) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(0, fixture.server().arena().stats().outstandingBlocks(), "all memory back after the load");
        for (int i = 0; i < 20; i++) {
            try (RawHttp http = fixture.connect()) {
                RawHttp.Response answer = http.exchange(RawHttp.get("/hello"));
                assertEquals(200, answer.status(), "full service resumes; attempt " + i + " got: " + answer.text()
                        + " " + fixture.server().arena().stats() + " " + fixture.server().totals());
            }
        }
    }
}
