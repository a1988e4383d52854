package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link MpPool#releaseNodes()}: an idle pool gives every page back and stays usable. */
class MpPoolReleaseNodesTest {
    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();
    private final PageArena arena = leaks.newArena(16 << 20);

    @Test
    void anIdlePoolGivesEveryNodeAndCachedBlockBackAndStaysAlive() {
        try (MpPool pool = MpPool.create(arena, MpPool.DEFAULT_MAX, "idle").cacheOnReset(2, 16384)) {
            pool.allocateKept(2048);
            for (int i = 0; i < 5; i++) {
                pool.allocate(3000); // five more nodes
            }
            pool.allocate(10_000);
            pool.reset();
            assertEquals(6, pool.nodeCount());
            assertEquals(1, pool.cachedCount());
            assertEquals(6, arena.stats().pagesInUse());

            assertTrue(pool.releaseNodes());

            assertEquals(0, pool.nodeCount());
            assertEquals(0, pool.bytesReserved());
            assertEquals(0, pool.bytesInUse());
            assertEquals(0, pool.keptBytes(), "the kept bytes went with the head node");
            assertEquals(0, pool.cachedCount());
            assertEquals(0, arena.stats().outstandingBlocks(), "no page and no block while the pool lives");
            assertFalse(pool.isDestroyed());
            PoolStats stats = pool.stats();
            assertEquals(List.of(), stats.nodes());
            assertEquals(-1, stats.currentNodeIndex());
            assertEquals(0, stats.bytesReserved());
            assertTrue(pool.toString().contains("nodes=0 bytesInUse=0 bytesReserved=0"), pool.toString());
            pool.checkInvariants();
            assertTrue(pool.releaseNodes(), "an empty pool is idle: releasing again is a no-op");
        }
    }

    @Test
    void theNextAllocationTakesAHeadNodeAndTheRestFollowsNginxAgain() {
        try (MpPool pool = MpPool.create(arena)) {
            assertTrue(pool.releaseNodes());
            ByteBuffer first = pool.allocateUnaligned(3);
            assertEquals(1, pool.nodeCount());
            assertEquals(1, arena.stats().pagesInUse());
            ByteBuffer second = pool.allocate(10);
            assertEquals(0, second.alignmentOffset(0, MpPool.ALIGNMENT));
            assertEquals(18, pool.stats().nodes().get(0).used(), "3, padding to 8, then 10");
            assertEquals(0, pool.stats().currentNodeIndex());
            first.put(0, (byte) 1);
            pool.allocate(4080); // does not fit beside the 18 bytes: a second node
            assertEquals(2, pool.nodeCount());
            pool.reset();
            assertEquals(2, pool.nodeCount(), "reset keeps the re-taken nodes");
            pool.checkInvariants();
        }
    }

    @Test
    void keptBytesCanBeTakenAgainOnAnEmptyPoolAndSurviveResets() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer head = pool.allocateKept(2048);
            head.put(0, (byte) 1);
            pool.reset();
            assertTrue(pool.releaseNodes());
            assertEquals(0, arena.stats().pagesInUse());

            ByteBuffer again = pool.allocateKept(2048); // a connection's next request: its head buffer
            assertEquals(2048, again.capacity());
            assertEquals(2048, pool.keptBytes());
            assertEquals(1, pool.nodeCount());
            assertEquals(1, arena.stats().pagesInUse());
            again.put(0, (byte) 42);
            pool.allocate(100);
            assertEquals(2048 + 100, pool.bytesInUse(), "small allocations follow the kept bytes");
            pool.reset();
            assertEquals(42, again.get(0), "a reset keeps the new kept bytes");
            assertEquals(2048, pool.bytesInUse());
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> pool.allocateKept(16));
            assertEquals("allocateKept(16) in " + pool.name() + ": only once, on an empty pool", twice.getMessage());
        }
    }

    /** Edges of the first allocation's size after the release: each takes exactly one head node. */
    @ParameterizedTest(name = "first allocation of {0} bytes")
    @ValueSource(ints = {0, 1, MpPool.DEFAULT_MAX - 1, MpPool.DEFAULT_MAX, MpPool.DEFAULT_MAX + 1,
        MpPool.NODE_SIZE, MpPool.NODE_SIZE + 1})
    void anyFirstAllocationTakesOneHeadNode(int size) {
        try (MpPool pool = MpPool.create(arena)) {
            assertTrue(pool.releaseNodes());
            ByteBuffer buffer = pool.allocate(size);
            assertEquals(size, buffer.capacity());
            boolean large = size > pool.max();
            assertEquals(1, pool.nodeCount(), "small or large, the head node comes first");
            assertEquals(1, arena.stats().pagesInUse());
            assertEquals(large ? 1 : 0, arena.stats().largeBlocksInUse());
            assertEquals(large ? 0 : size, pool.stats().nodes().get(0).used());
            assertEquals(large ? 1 : 0, pool.largeCount());
            pool.checkInvariants();
        }
    }

    static Stream<Arguments> whatKeepsAPoolBusy() {
        return Stream.of(
                Arguments.of("a small allocation", (Consumer<MpPool>) pool -> pool.allocate(1)),
                Arguments.of("a large allocation", (Consumer<MpPool>) pool -> pool.allocate(MpPool.NODE_SIZE)),
                Arguments.of("a small allocation after the kept bytes", (Consumer<MpPool>) pool -> {
                    pool.allocateKept(64);
                    pool.allocateUnaligned(1);
                }),
                Arguments.of("a pending cleanup", (Consumer<MpPool>) pool -> pool.addCleanup(() -> { })));
    }

    @ParameterizedTest(name = "declined while {0} is live")
    @MethodSource("whatKeepsAPoolBusy")
    void releaseNodesDeclinesAndChangesNothingWhileMemoryOrACleanupIsLive(String what, Consumer<MpPool> use) {
        try (MpPool pool = MpPool.create(arena)) {
            use.accept(pool);
            long reserved = pool.bytesReserved();
            long inUse = pool.bytesInUse();
            assertFalse(pool.releaseNodes(), what);
            assertEquals(1, pool.nodeCount(), what);
            assertEquals(reserved, pool.bytesReserved(), what);
            assertEquals(inUse, pool.bytesInUse(), what);
            pool.checkInvariants();
            pool.reset();
            assertTrue(pool.releaseNodes(), "after a reset: " + what);
            assertEquals(0, arena.stats().outstandingBlocks(), what);
        }
    }

    @Test
    void aFreedLargeAllocationLeavesThePoolIdle() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer large = pool.allocate(20_000);
            assertFalse(pool.releaseNodes());
            assertTrue(pool.free(large));
            assertTrue(pool.releaseNodes(), "nothing is live once the only allocation was freed");
            assertEquals(0, arena.stats().outstandingBlocks());
        }
    }

    @Test
    void cleanupsAndResetWorkOnAnEmptyPool() {
        List<String> ran = new ArrayList<>();
        try (MpPool pool = MpPool.create(arena)) {
            assertTrue(pool.releaseNodes());
            pool.addCleanup(() -> ran.add("cleanup"));
            assertFalse(pool.releaseNodes(), "a pending cleanup belongs to a request");
            pool.reset();
            assertEquals(List.of("cleanup"), ran);
            assertEquals(0, pool.nodeCount(), "a reset takes no node");
            assertEquals(1, pool.resets());
            assertTrue(pool.releaseNodes());
        }
    }

    @Test
    void anExhaustedArenaLeavesTheEmptyPoolEmptyAndUsableLater() {
        PageArena onePage = leaks.newArena(PageArena.PAGE_SIZE);
        try (MpPool pool = MpPool.create(onePage, MpPool.DEFAULT_MAX, "idle")) {
            assertTrue(pool.releaseNodes());
            MpPool other = MpPool.create(onePage); // takes the only page
            assertThrows(ArenaExhaustedException.class, () -> pool.allocate(8));
            assertThrows(ArenaExhaustedException.class, () -> pool.allocateKept(2048));
            assertEquals(0, pool.nodeCount());
            assertEquals(0, pool.stats().smallAllocations(), "a refused allocation is not counted");
            pool.checkInvariants();
            other.destroy();
            pool.allocate(8);
            assertEquals(1, pool.nodeCount());
        }
    }

    @Test
    void releaseNodesAfterDestroyThrowsNamingThePool() {
        MpPool pool = MpPool.create(arena, MpPool.DEFAULT_MAX, "conn-7");
        assertTrue(pool.releaseNodes());
        pool.destroy(); // an empty pool is destroyed like any other
        assertEquals("conn-7 is destroyed",
                assertThrows(IllegalStateException.class, pool::releaseNodes).getMessage());
        assertEquals(0, pool.bytesReserved());
    }
}
