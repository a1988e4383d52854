package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mpool.mempool.MpPool;
import io.mpool.server.connection.Connection;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.testing.Await;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an idle connection holds. One that has sent nothing holds only its pool's node at once:
 * Undertow's first read finds no bytes and its buffer goes back to the arena, and building
 * Undertow's listener takes no buffer. A keep-alive connection between requests keeps its buffers
 * for the next request. Once the sweep finds a connection idle, it gives everything back, its node
 * (and the head buffer in it) too, as nginx frees an idle connection's header buffer; the next
 * request takes a node again.
 */
class IdleConnectionMemoryTest {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void silentConnectionsHoldOneNodeEach() throws Exception {
        int count = 50;
        List<RawHttp> silent = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                silent.add(fixture.connect());
            }
            Await.until(count + " connections holding at most a node each", ServerFixture.SETTLE,
                    () -> fixture.server().registry().pools().stream().map(c -> c.summary()).toList(),
                    summaries -> summaries.size() == count
                            && summaries.stream().allMatch(s -> s.bytesReserved() <= MpPool.NODE_SIZE));
            assertEquals(0, fixture.server().arena().stats().largeBlocksInUse(), "no buffer held while waiting");
            awaitNoArenaMemory(count);
            // They still work once they speak.
            assertEquals("hello\n", silent.get(0).exchange(RawHttp.get("/hello")).text());
        } finally {
            for (RawHttp http : silent) {
                http.close();
            }
        }
    }

    @Test
    void keepAliveConnectionsIdleAfterOneRequestGiveEverythingBack() throws Exception {
        int count = 200;
        List<RawHttp> idle = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                RawHttp http = fixture.connect();
                idle.add(http);
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
            }
            awaitNoArenaMemory(count);
            assertEquals("hello\n", idle.get(count - 1).exchange(RawHttp.get("/hello")).text(), "still served");
            assertEquals("hello\n", idle.get(0).exchange(RawHttp.get("/hello")).text(), "and again");
        } finally {
            for (RawHttp http : idle) {
                http.close();
            }
        }
    }

    @Test
    void idleConnectionsHoldNoPoolBytesAndNoPerRequestState() throws Exception {
        int count = 20;
        List<RawHttp> idle = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                RawHttp http = fixture.connect();
                idle.add(http);
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
            }
            awaitNoArenaMemory(count);
            Await.until("the idle sweep to drop every connection's framing scanner", ServerFixture.SETTLE,
                    () -> fixture.server().registry().connections().stream()
                            .filter(Connection::holdsFramingScanner).count(),
                    holding -> holding == 0);
            for (ConnectionBufferPool pool : fixture.server().registry().pools()) {
                assertNull(pool.row().pool(), "no request pool kept while idle: " + pool.summary());
                assertEquals(0, pool.summary().bytesReserved(), "no pool bytes: " + pool.summary());
                assertEquals(0, pool.summary().openBuffers(), "no buffer out: " + pool.summary());
            }
            // The next requests make the scanner again: two pipelined ones, and a refused one,
            // framed as by the scanner a new connection gets.
            RawHttp first = idle.get(0);
            first.send(RawHttp.concat(RawHttp.get("/hello"), RawHttp.get("/hello")));
            assertEquals("hello\n", first.read().text());
            assertEquals("hello\n", first.read().text());
            RawHttp second = idle.get(1);
            second.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
            assertEquals(400, second.read().status(), "Content-Length repeated is still refused");
        } finally {
            for (RawHttp http : idle) {
                http.close();
            }
        }
    }

    /** Waits (bounded) for the idle sweep to take every connection's memory back, then checks it did. */
    private void awaitNoArenaMemory(int connections) {
        Await.until("the idle sweep to take every connection's memory back (bytes reserved per connection)",
                ServerFixture.SETTLE, () -> fixture.server().registry().pools().stream()
                        .map(c -> c.summary().bytesReserved()).toList(),
                held -> held.stream().allMatch(bytes -> bytes == 0));
        assertEquals(connections, fixture.server().registry().size(), "every connection still open");
        assertEquals(0, fixture.server().arena().stats().pagesInUse());
        assertEquals(0, fixture.server().arena().stats().largeBlocksInUse());
    }
}
