package io.mpool.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mpool.mempool.ArenaLeakCheck;
import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.MpPool;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The deferred reset/destroy rules of one connection's pool, without a network. */
class ConnectionBufferPoolTest {

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    private final PageArena arena = leaks.newArena(8 << 20);
    private final ServerStats stats = new ServerStats();
    private final ConnectionRegistry registry = new ConnectionRegistry(arena, 16384, 1 << 20,
            new DefaultByteBufferPool(false, 16384, -1, 4), stats);
    private int opened;
    private int destroyed;

    /** A pool not tied to a connection; {@link #live()} counts it until it is destroyed. */
    private ConnectionBufferPool open() {
        opened++;
        return registry.openPool("test", () -> destroyed++);
    }

    /** Pools opened and not yet destroyed. */
    private int live() {
        return opened - destroyed;
    }

    @Test
    void headsAreReadIntoTheNodesHeadBufferAndRequestsGetFullSizeBuffers() {
        ConnectionBufferPool connection = open();
        for (int request = 0; request < 3; request++) {
            PooledByteBuffer head = connection.allocate();
            assertEquals(ConnectionBufferPool.HEAD_BUFFER_SIZE, head.getBuffer().capacity(), "request " + request);
            assertEquals(0, head.getBuffer().position(), "handed out cleared");
            head.getBuffer().put((byte) 'G');
            PooledByteBuffer second = connection.allocate(); // the head buffer is out: full size
            assertEquals(16384, second.getBuffer().capacity());
            second.close();
            connection.requestStarted(); // takes the response's buffer now: the arena can still refuse
            assertEquals(1, arena.stats().largeBlocksInUse(), "one full-size buffer, none for the head");
            PooledByteBuffer response = connection.allocate();
            assertEquals(16384, response.getBuffer().capacity(), "while a request runs: full size");
            response.close();
            connection.requestEnded();
            head.close();
            assertEquals(request + 1, connection.summary().resets(), "request " + request);
            assertEquals(MpPool.NODE_SIZE + (request == 0 ? 0 : 16384), connection.summary().bytesReserved(),
                    "the node (with the head buffer) and, from the second request on, the kept buffer");
        }
        assertEquals(3, connection.summary().resets());
        connection.connectionClosed();
        assertEquals(0, arena.stats().pagesInUse() + arena.stats().largeBlocksInUse());
    }

    /**
     * Every read between requests gets a view of the head buffer of its own: a stale holder of an
     * earlier head buffer moving its position and limit never reaches a later holder's.
     */
    @Test
    void everyHeadBufferHandOutIsAViewOfItsOwn() {
        ConnectionBufferPool connection = open();
        ByteBuffer previous = null;
        for (int request = 0; request < 3; request++) {
            PooledByteBuffer head = connection.allocate();
            ByteBuffer view = head.getBuffer();
            assertEquals(ConnectionBufferPool.HEAD_BUFFER_SIZE, view.capacity(), "request " + request);
            assertEquals(0, view.position(), "handed out cleared, request " + request);
            assertEquals(view.capacity(), view.limit(), "handed out cleared, request " + request);
            if (previous != null) {
                assertSameMemoryOwnView(previous, view, "head buffer of request " + request);
            }
            view.put("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).flip(); // as Undertow reads
            connection.requestStarted();
            connection.requestEnded();
            head.close();
            previous = view;
        }
        connection.connectionClosed();
        assertEquals(0, arena.stats().pagesInUse() + arena.stats().largeBlocksInUse());
    }

    /**
     * The node's page goes from a closed connection to the next one, and with it the view the
     * page keeps for its owners ({@code ArenaBlock.ownerView}): the next connection's head buffer
     * must still be a view of its own, never the object a holder of the closed connection kept.
     */
    @Test
    void aNewConnectionOnAPageAnotherClosedNeverSharesAHeadBufferWithItsStaleHolder() {
        ConnectionBufferPool first = open();
        PooledByteBuffer firstHead = first.allocate();
        ByteBuffer stale = firstHead.getBuffer();
        stale.put("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).flip();
        firstHead.close();
        first.connectionClosed();
        assertEquals(0, arena.stats().pagesInUse(), "the first connection's node is back");
        ConnectionBufferPool second = open(); // takes the page the first gave back
        PooledByteBuffer secondHead = second.allocate();
        assertSameMemoryOwnView(stale, secondHead.getBuffer(), "the next connection's head buffer");
        secondHead.close();
        second.connectionClosed();
        assertEquals(0, arena.stats().pagesInUse() + arena.stats().largeBlocksInUse());
    }

    /**
     * Poison mode (`--debug poison`) makes a stale holder visible: a buffer Undertow closed, kept
     * by the connection for its next one, is filled with the freed pattern at once, so a holder
     * that goes on reading or sending it (Undertow keeps closed buffers in its response conduit's
     * gather array) sends 0xF7 bytes a client's byte-exact check catches, not another request's.
     */
    @Test
    void inPoisonModeABufferGivenBackShowsTheFreedPatternToItsStaleHolder() {
        PageArena poisoning = leaks.track(PageArena.builder().maxBytes(1 << 20)
                .debug(DebugOptions.NONE.withPoison(true)).build());
        ConnectionRegistry connections = new ConnectionRegistry(poisoning, 16384, 1 << 20,
                new DefaultByteBufferPool(false, 16384, -1, 4), stats);
        ConnectionBufferPool connection = connections.openPool("test", () -> { });
        PooledByteBuffer head = connection.allocate();
        ByteBuffer staleHead = head.getBuffer();
        staleHead.put("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        connection.requestStarted();
        PooledByteBuffer response = connection.allocate();
        ByteBuffer staleResponse = response.getBuffer();
        staleResponse.put("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        response.close();
        assertAllBytes(DebugOptions.POISON_FREED, staleResponse, "the closed response buffer, kept for the next");
        connection.requestEnded();
        head.close();
        assertAllBytes(DebugOptions.POISON_FREED, staleHead, "the closed head buffer");
        connection.connectionClosed();
        assertEquals(0, poisoning.stats().pagesInUse() + poisoning.stats().largeBlocksInUse());
    }

    private static void assertAllBytes(byte expected, ByteBuffer view, String what) {
        for (int i = 0; i < view.capacity(); i++) {
            if (view.get(i) != expected) {
                fail(what + ": byte " + i + " is " + view.get(i) + ", expected " + expected);
            }
        }
    }

    /**
     * The head buffer is kept memory: a reset leaves it alone, so it runs while Undertow still
     * holds the head buffer (Undertow closes it only after its root handler returned, and a
     * pipelined request's bytes may wait in it); a destroy gives the node back, so it waits.
     * Poisoning is on: a reset that touched the head buffer would overwrite the bytes in it.
     */
    @Test
    void aResetDoesNotWaitForTheHeadBufferButADestroyDoes() {
        PageArena poisoning = leaks.track(PageArena.builder().maxBytes(1 << 20)
                .debug(DebugOptions.NONE.withPoison(true).withParanoid(true)).build());
        ConnectionRegistry connections = new ConnectionRegistry(poisoning, 16384, 1 << 20,
                new DefaultByteBufferPool(false, 16384, -1, 4), stats);
        int[] destroyedPools = new int[1];
        ConnectionBufferPool connection = connections.openPool("test", () -> destroyedPools[0]++);
        PooledByteBuffer head = connection.allocate();
        byte[] pipelined = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        head.getBuffer().put(pipelined).flip().position(19); // the first request parsed, the second waits
        connection.requestStarted();
        PooledByteBuffer response = connection.allocate();
        response.getBuffer().put((byte) 'H');
        response.close();
        connection.requestEnded();
        ConnectionSummary summary = connection.summary();
        assertEquals(1, summary.resets(), "the reset ran with the head buffer still out: " + summary);
        assertFalse(summary.resetPending());
        assertEquals(0, stats.resetsDeferred());
        byte[] left = new byte[head.getBuffer().remaining()];
        head.getBuffer().get(left);
        assertEquals("GET /b HTTP/1.1\r\n\r\n", new String(left, StandardCharsets.US_ASCII), "the pipelined bytes survive");
        connection.connectionClosed();
        assertEquals(0, destroyedPools[0], "destroy waits for the head buffer: it lives in the node");
        head.close();
        assertEquals(1, destroyedPools[0]);
        assertEquals(0, poisoning.stats().pagesInUse() + poisoning.stats().largeBlocksInUse());
    }

    /**
     * The kept buffer (KeptBuffer): every request's first full-size buffer, untouched by resets
     * from the second request on; the first request's goes back at once (it may be the only one).
     */
    @Test
    void theKeptBufferServesEveryRequestAndGoesBackWhenTheConnectionIdles() {
        ConnectionBufferPool connection = open();
        ByteBuffer kept = null;
        for (int request = 0; request < 4; request++) {
            PooledByteBuffer head = connection.allocate();
            connection.requestStarted();
            assertEquals(1, arena.stats().largeBlocksInUse(), "taken at request start, request " + request);
            PooledByteBuffer response = connection.allocate();
            if (request == 1) {
                kept = response.getBuffer();
            } else if (request > 1) {
                assertSameMemoryOwnView(kept, response.getBuffer(), "request " + request);
            }
            assertEquals(0, response.getBuffer().position(), "handed out cleared");
            response.getBuffer().put((byte) 'H');
            response.close();
            connection.requestEnded();
            head.close();
            assertEquals(request + 1, connection.summary().resets());
            if (request == 0) {
                assertEquals(0, arena.stats().largeBlocksInUse(), "after one request the connection holds its node alone");
                assertEquals(MpPool.NODE_SIZE, connection.summary().bytesReserved());
            } else {
                assertEquals(1, arena.stats().largeBlocksInUse(), "only the kept buffer, across resets");
            }
        }
        assertEquals(MpPool.NODE_SIZE + 16384, connection.summary().bytesReserved(), "the node and the kept buffer");
        connection.releaseIdleMemory(); // notes the request count
        connection.releaseIdleMemory(); // no request since: idle
        assertEquals(0, arena.stats().largeBlocksInUse(), "an idle connection gives its buffer back");
        assertEquals(0, arena.stats().pagesInUse(), "and its node, head buffer included");
        assertEquals(0, connection.summary().bytesReserved());
        PooledByteBuffer head = connection.allocate(); // the next head: a node again
        assertEquals(1, arena.stats().pagesInUse());
        connection.requestStarted(); // busy again: a buffer taken from the arena again
        assertEquals(1, arena.stats().largeBlocksInUse());
        connection.requestEnded();
        head.close();
        connection.connectionClosed();
        assertEquals(0, arena.stats().pagesInUse() + arena.stats().largeBlocksInUse(), "destroy gives it back");
    }

    /** One keep-alive request as Undertow runs it: head buffer, request, response buffer, end. */
    private static void serveOneRequest(ConnectionBufferPool connection) {
        PooledByteBuffer head = connection.allocate();
        connection.requestStarted();
        connection.allocate().close();
        connection.requestEnded();
        head.close();
    }

    @Test
    void aResetNeverWaitsForBuffersUndertowHoldsAcrossRequestsAndLeavesTheirBytesAlone() {
        ConnectionBufferPool connection = open();
        serveOneRequest(connection);
        long resetsBefore = connection.summary().resets();
        connection.requestStarted();
        PooledByteBuffer pipelined = connection.allocate(); // the next request's bytes, read early
        PooledByteBuffer batch = connection.allocate(); // responses batched for a pipelining client
        pipelined.getBuffer().put("GET /next HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)).flip();
        batch.getBuffer().put("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        connection.allocateFromPool(1500, false).put(new byte[1500]); // the handler's memory: request tier
        connection.requestEnded();
        assertFalse(connection.summary().resetPending(), "Undertow's buffers are the connection's: reset at once");
        assertEquals(resetsBefore + 1, connection.summary().resets());
        assertEquals(ConnectionBufferPool.HEAD_BUFFER_SIZE, connection.summary().bytesUsed(),
                "the request's memory is back; only the head buffer stays at the start of the node");
        connection.requestStarted();
        ByteBuffer scratch = connection.allocateFromPool(2000, false); // reuses what the reset rewound
        scratch.put(new byte[2000]);
        assertEquals("GET /next HTTP/1.1\r\n", StandardCharsets.US_ASCII.decode(pipelined.getBuffer().duplicate()).toString(),
                "the next request's bytes survive the reset and the next request's memory");
        assertEquals(17, batch.getBuffer().position(), "so does the batch");
        pipelined.close();
        batch.close();
        connection.requestEnded();
        assertEquals(resetsBefore + 2, connection.summary().resets());
        assertEquals(3, arena.stats().largeBlocksInUse(),
                "closed buffers stay with the connection: the two held and the one the second request took for its answer");
        connection.releaseIdleMemory(); // first sweep: notes the request count
        connection.releaseIdleMemory(); // next sweep, no request in between: idle
        assertEquals(0, arena.stats().largeBlocksInUse(), "an idle connection gives its buffers back");
        assertEquals(0, connection.summary().bytesReserved(), "nor its node");
        connection.connectionClosed();
        assertEquals(0, live());
    }

    @Test
    void aConnectionKeepsAtMostFourFreeBuffersAndGivesTheRestBackAtOnce() {
        ConnectionBufferPool connection = open();
        serveOneRequest(connection);
        connection.requestStarted();
        List<PooledByteBuffer> open = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            open.add(connection.allocate());
        }
        assertEquals(6, arena.stats().largeBlocksInUse());
        open.forEach(PooledByteBuffer::close);
        assertEquals(ConnectionBuffers.FREE_MAX, arena.stats().largeBlocksInUse(), "four kept for reuse, two back");
        connection.requestEnded();
        connection.connectionClosed();
        assertEquals(0, arena.stats().outstandingBlocks());
    }

    @Test
    void buffersUndertowLeavesOpenAfterCloseAreReclaimedOnlyWhenNoRequestRuns() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        PooledByteBuffer batch = connection.allocate(); // Undertow's pipelining buffer
        PooledByteBuffer other = connection.allocate();
        connection.connectionClosed();
        assertEquals(0, connection.reclaimOrphanedBuffers(), "a request runs: its buffers may be in use");
        assertEquals(1, live());
        connection.requestEnded();
        assertEquals(1, live(), "destroy waits for the open buffers");
        assertEquals(2, connection.reclaimOrphanedBuffers());
        assertEquals(0, live(), "destroyed once nothing is open");
        assertEquals(2, stats.orphanedBuffersReclaimed());
        IllegalStateException stale = assertThrows(IllegalStateException.class, batch::getBuffer);
        assertTrue(stale.getMessage().contains("used after close"), stale.getMessage());
        assertFalse(other.isOpen());
        other.close(); // a late close of a reclaimed handle is harmless
        assertEquals(0, connection.reclaimOrphanedBuffers());
    }

    @Test
    void handlesClosedInAnyOrderLeaveTheOpenOnesOnTheListTheCloseReclaims() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        PooledByteBuffer oldest = connection.allocate();
        PooledByteBuffer middle = connection.allocate();
        PooledByteBuffer newest = connection.allocate();
        PooledByteBuffer last = connection.allocate();
        middle.close(); // inside the list
        last.close(); // its first
        connection.requestEnded();
        connection.connectionClosed();
        assertEquals(2, connection.reclaimOrphanedBuffers(), "the two still open, and only those");
        assertFalse(oldest.isOpen());
        assertFalse(newest.isOpen());
        assertEquals(0, live(), "destroyed: every block back");
    }

    @Test
    void aRunningRequestKeepsAPendingResetWaiting() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        connection.requestStarted(); // a pipelined request starts before the first one's end has run
        connection.requestEnded(); // first request done while the second runs
        assertTrue(connection.summary().resetPending(), "a request is running: no reset under it");
        assertEquals("a request is running", connection.summary().resetPendingReason());
        connection.requestEnded();
        ConnectionSummary summary = connection.summary();
        assertEquals(1, summary.resets());
        assertEquals(1, summary.resetsCoalesced(), "two request ends, one reset");
        connection.connectionClosed();
    }

    @Test
    void cachedBuffersServeTheNextRequestWithoutTheArena() {
        ConnectionBufferPool connection = open();
        serveOneRequest(connection); // past its first request, a connection keeps its buffer
        connection.requestStarted();
        PooledByteBuffer first = connection.allocate();
        ByteBuffer memory = first.getBuffer();
        memory.position(100);
        first.close();
        connection.requestEnded(); // reset: the buffer's block is cached
        long reservedBefore = arena.stats().reservedBytes();
        connection.requestStarted();
        PooledByteBuffer second = connection.allocate();
        assertEquals(1, arena.stats().largeBlocksInUse());
        assertEquals(reservedBefore, arena.stats().reservedBytes());
        assertEquals(0, second.getBuffer().position(), "handed out cleared");
        assertSameMemoryOwnView(memory, second.getBuffer(), "the cached block");
        assertThrows(IllegalStateException.class, first::getBuffer, "the old handle stays dead");
        second.close();
        connection.requestEnded();
        connection.connectionClosed();
        assertEquals(0, arena.stats().outstandingBlocks());
    }

    @Test
    void closedBuffersAreRecycledWithinTheRequest() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        PooledByteBuffer first = connection.allocate();
        ByteBuffer memory = first.getBuffer();
        memory.put((byte) 1);
        first.close();
        PooledByteBuffer second = connection.allocate();
        assertEquals(0, second.getBuffer().position(), "recycled buffers are cleared");
        assertSameMemoryOwnView(memory, second.getBuffer(), "same-size buffer reused");
        assertEquals(1, arena.stats().largeBlocksInUse());
        second.close();
        connection.requestEnded();
        connection.connectionClosed();
    }

    @Test
    void closeIsIdempotentAndABufferClosedTwiceIsNeverHandedOutTwice() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        PooledByteBuffer buffer = connection.allocate();
        buffer.close();
        buffer.close();
        assertFalse(buffer.isOpen());
        IllegalStateException e = assertThrows(IllegalStateException.class, buffer::getBuffer);
        assertTrue(e.getMessage().contains("used after close"), e.getMessage());
        PooledByteBuffer a = connection.allocate();
        PooledByteBuffer b = connection.allocate();
        assertNotSame(a.getBuffer(), b.getBuffer());
        a.close();
        b.close();
        connection.requestEnded();
        connection.connectionClosed();
    }

    @Test
    void destroyWaitsForOpenBuffersAndThenAllocateThrows() {
        ConnectionBufferPool connection = open();
        PooledByteBuffer held = connection.allocate();
        connection.connectionClosed();
        assertEquals(1, live(), "a buffer is still open: destroy deferred");
        IllegalStateException e = assertThrows(IllegalStateException.class, connection::allocate);
        assertTrue(e.getMessage().contains("is closing"), e.getMessage());
        held.close();
        assertEquals(0, live());
        assertEquals(0, arena.stats().outstandingBlocks());
        assertEquals(1, stats.poolsDestroyed());
        connection.connectionClosed(); // idempotent
        assertEquals(1, stats.poolsDestroyed());
    }

    @Test
    void theConnectionCapStopsARunawayConnection() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        List<PooledByteBuffer> held = new ArrayList<>();
        ConnectionCapExceededException e = assertThrows(ConnectionCapExceededException.class, () -> {
            while (true) {
                held.add(connection.allocate());
            }
        });
        assertTrue(e.getMessage().contains("connection-max-bytes=1048576"), e.getMessage());
        assertTrue(held.size() >= 60 && held.size() <= 64, "held " + held.size());
        assertEquals(1, stats.connectionCapExceeded());
        held.forEach(PooledByteBuffer::close);
        connection.requestEnded();
        connection.connectionClosed();
    }

    @Test
    void aResetLeavesTheRequestTierAloneUnlessTheRequestTookRegionMemoryOrACleanup() {
        ConnectionBufferPool connection = open();
        for (int request = 0; request < 3; request++) {
            serveOneRequest(connection);
        }
        MpPool requestTier = connection.requestTierIfAny();
        assertEquals(3, connection.summary().resets(), "every request end is a reset of the connection");
        assertEquals(0, requestTier.resets(), "none of them had anything of the request tier to rewind");

        connection.requestStarted();
        connection.allocateFromPool(100, false).put(0, (byte) 'x');
        connection.requestEnded();
        assertEquals(1, requestTier.resets(), "region memory taken: rewound");
        assertEquals(requestTier.keptBytes(), requestTier.bytesInUse(), "back to the head buffer alone");

        int[] cleanups = {0};
        connection.requestStarted();
        connection.addCleanup(() -> cleanups[0]++);
        connection.requestEnded();
        assertEquals(2, requestTier.resets(), "a cleanup taken: the reset runs it");
        assertEquals(1, cleanups[0]);

        serveOneRequest(connection);
        assertEquals(2, requestTier.resets(), "and the next request without either leaves it alone again");
        assertEquals(6, connection.summary().resets());
        connection.connectionClosed();
    }

    @Test
    void theRequestRegionAllocatesFromThePoolAndTheResetFreesIt() {
        ConnectionBufferPool connection = open();
        serveOneRequest(connection);
        connection.requestStarted();
        ByteBuffer scratch = connection.allocateFromPool(100, false);
        ByteBuffer big = connection.allocateFromPool(50_000, true);
        assertEquals(100, scratch.remaining());
        assertEquals(0, big.get(49_999));
        assertEquals(2, arena.stats().largeBlocksInUse(), "the 50,000 bytes and the response buffer taken at the start");
        connection.requestEnded();
        assertEquals(1, arena.stats().largeBlocksInUse(), "the reset freed the 50,000 bytes, kept the buffer");
        assertEquals(16384 + MpPool.NODE_SIZE, connection.summary().bytesReserved());
        connection.connectionClosed();
    }

    @Test
    void aRegionHoldKeepsTheResetWaitingWithItsReasonUntilReleasedAndCleanupsRunAtTheReset() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        List<String> cleaned = new ArrayList<>();
        connection.allocateFromPool(10_000, false);
        connection.accountBody(10_000, 0);
        connection.addCleanup(() -> cleaned.add("temp file"));
        RegionHold hold = connection.hold("request body (10000 bytes)", () -> cleaned.add("revoked"));
        connection.requestEnded();
        ConnectionSummary held = connection.summary();
        assertTrue(held.resetPending());
        assertEquals("1 retained: request body (10000 bytes)", held.resetPendingReason());
        assertEquals(1, held.regionHolds());
        assertEquals(10_000, held.bodyBytesInMemory());
        assertEquals(List.of(), cleaned, "nothing runs while held");
        hold.release();
        hold.release(); // idempotent
        ConnectionSummary released = connection.summary();
        assertFalse(released.resetPending());
        assertEquals(null, released.resetPendingReason());
        assertEquals(0, released.bodyBytesInMemory());
        assertEquals(List.of("temp file"), cleaned, "the cleanup ran at the reset, the hold was not revoked");
        connection.connectionClosed();
        assertEquals(0, live());
    }

    @Test
    void aHoldNeverReleasedIsRevokedAndCountedWhenTheConnectionClosesAndThePagesComeBack() {
        ConnectionBufferPool connection = open();
        connection.requestStarted();
        List<String> events = new ArrayList<>();
        connection.allocateFromPool(20_000, false);
        connection.addCleanup(() -> events.add("cleanup"));
        RegionHold hold = connection.hold("request body (20000 bytes)", () -> events.add("revoked"));
        connection.requestEnded();
        connection.connectionClosed();
        assertEquals(1, live(), "the destroy waits until the channel's close is handled");
        assertEquals(0, connection.reclaimOrphanedBuffers(), "no buffers, one hold: revoked");
        assertEquals(0, live(), "destroyed");
        assertEquals(List.of("revoked", "cleanup"), events);
        assertEquals(1, stats.retainsLeaked());
        hold.release(); // a late release after the revoke is harmless
        assertEquals(0, arena.stats().pagesInUse());
        assertThrows(IllegalStateException.class, () -> connection.hold("late", () -> { }),
                "no hold on a destroyed connection");
    }

    /**
     * {@code next} is the block {@code stale} was (a byte written through one is read through the
     * other) but a view of its own: what a stale holder does to its view's position and limit (Undertow
     * keeps closed buffers in its response conduit's gather array) never reaches the next holder.
     */
    private static void assertSameMemoryOwnView(ByteBuffer stale, ByteBuffer next, String what) {
        assertNotSame(stale, next, what + ": a view of its own");
        int position = next.position();
        next.put(0, (byte) 0x5A);
        assertEquals((byte) 0x5A, stale.clear().get(0), what + ": the same memory");
        stale.position(0).limit(0); // a stale holder flips its old view
        assertEquals(position, next.position(), what + ": the next holder's position is its own");
        assertEquals(next.capacity(), next.limit(), what + ": the next holder's limit is its own");
        stale.clear();
    }
}
