package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.mempool.MpPool;
import io.mpool.server.connection.Connection;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an idle connection holds. One that has sent nothing holds only its pool's node at once:
 * Undertow's first read finds no bytes and its buffer goes back to the arena, and building
 * Undertow's listener takes no buffer. A keep-alive connection between requests keeps its buffers
 * for the next request. Once the sweep finds a connection idle, it gives everything back, its node
 * (and the head buffer in it) too, as nginx frees an idle connection's header buffer; the next
 * request takes a node again. Of the heap, it keeps four objects of mpool's own (counted in a class
 * histogram of the live heap) and no per-request state of Undertow's.
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

    /**
     * An idle keep-alive connection keeps four objects of mpool's (the connection, its pool, its
     * watchdog and its framing check: its request tracker, root handler, place in the accept limit
     * and HTTP/2 preface check are folded into the connection), no second close listener, no view
     * of the /hello body, and none of Undertow's parse state (its read listener is made again by
     * the next bytes), nor its HTTP/1.1 connection (let go while parked). Counted as the difference
     * of two class histograms of the live heap.
     */
    @Test
    void idleConnectionsKeepFourObjectsOfMpoolsAndNoParseState() throws Exception {
        int count = 200;
        List<RawHttp> idle = new ArrayList<>();
        RawHttp warm = fixture.connect(); // kept open: a closed one may stay reachable until its key is cancelled
        idle.add(warm);
        assertEquals("hello\n", warm.exchange(RawHttp.get("/hello")).text()); // lazily made shared objects
        // An arena page keeps its head buffer's view for the next connection that takes it
        // (ArenaBlock.ownerView): as many connections first, so that the pages these take have theirs.
        List<RawHttp> warmPages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            warmPages.add(fixture.connect());
            assertEquals("hello\n", warmPages.get(i).exchange(RawHttp.get("/hello")).text());
        }
        for (RawHttp http : warmPages) {
            http.close();
        }
        // Earlier tests' servers and connections (same JVM) must be gone first, or their collection
        // between the two histograms would hide what these connections add.
        Await.until("the connections of earlier servers to be collected", ServerFixture.SETTLE,
                () -> LiveHeap.histogram().getOrDefault(Connection.class.getName(), new long[2])[0],
                live -> live == fixture.server().registry().size());
        Map<String, long[]> before = LiveHeap.histogram();
        try {
            for (int i = 0; i < count; i++) {
                RawHttp http = fixture.connect();
                idle.add(http);
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
            }
            awaitNoArenaMemory(count + 1);
            Await.until("the idle sweep to drop every connection's request state", ServerFixture.SETTLE,
                    () -> fixture.server().registry().connections().stream()
                            .filter(Connection::holdsFramingScanner).count(),
                    holding -> holding == 0);
            Map<String, long[]> grown = LiveHeap.grown(before, LiveHeap.histogram());
            String table = LiveHeap.describe(grown, count);
            // The server's packages (io.mpool.server.connection, .transport, ...), not this test's clients.
            Predicate<String> mpool = name -> name.matches("io\\.mpool\\.server\\.[a-z]+\\..*");
            assertEquals(4.0, (double) LiveHeap.instances(grown, mpool) / count, 0.1,
                    "mpool's objects per idle connection:\n" + table);
            assertTrue(LiveHeap.bytes(grown, mpool) / count <= 336, "mpool's bytes per idle connection:\n" + table);
            assertTrue(LiveHeap.instances(grown, name -> name.startsWith("org.xnio.StreamConnection$$Lambda")) < count / 10,
                    "no merged close listener per connection:\n" + table);
            // Direct buffers but the arena blocks' own (the free pages the arena keeps vary from run to run).
            // A page's head buffer view is the arena's too: the warm-up above made those.
            long views = LiveHeap.instances(grown, name -> name.startsWith("java.nio.DirectByteBuffer"))
                    - LiveHeap.instances(grown, "io.mpool.mempool.ArenaBlock"::equals);
            assertTrue(views < count / 10, "no view of the /hello body per connection (" + views + "):\n" + table);
            assertTrue(LiveHeap.instances(grown, name -> name.equals("io.undertow.server.protocol.http.HttpReadListener")
                    || name.equals("io.undertow.server.protocol.http.RequestState")) < count / 10,
                    "no read listener or parse state per idle connection:\n" + table);
            assertTrue(LiveHeap.instances(grown, name -> name.startsWith("io.undertow.server.protocol.http.")) < count / 10,
                    "none of Undertow's HTTP/1.1 connection objects per idle connection:\n" + table);
            // Parked connections still serve: one request each, a pipelined pair, and a refused one.
            for (RawHttp http : idle) {
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
            }
            RawHttp first = idle.get(0);
            first.send(RawHttp.concat(RawHttp.get("/hello"), RawHttp.get("/hello")));
            assertEquals("hello\n", first.read().text());
            assertEquals("hello\n", first.read().text());
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
