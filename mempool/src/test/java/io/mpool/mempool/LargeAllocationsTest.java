package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A pool's large list is made at its first large allocation and dropped when the pool empties. */
class LargeAllocationsTest {
    private static final int BLOCK = 16384;

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();
    private final PageArena arena = leaks.newArena(16 << 20);

    @Test
    void aPoolWithoutLargeAllocationsMakesNoListAndTheSettingsWaitForIt() {
        try (MpPool pool = MpPool.create(arena, MpPool.NODE_SIZE, "p").cacheOnReset(2, BLOCK)) {
            pool.allocateKept(2048);
            pool.allocate(100);
            pool.reset();
            assertNull(pool.large, "no large allocation yet: no list");
            assertEquals(0, pool.largeCount());
            assertEquals(0, pool.cachedCount());
            assertEquals(0, pool.releaseCached());
            assertEquals(MpPool.NODE_SIZE, pool.bytesReserved());
            assertEquals(0, pool.stats().large().size());
            assertThrows(IllegalStateException.class, () -> pool.free(ByteBuffer.allocateDirect(BLOCK)),
                    "a foreign buffer above the small limit is still refused");

            ByteBuffer block = pool.allocate(BLOCK);
            assertNotNull(pool.large, "made at the first large allocation");
            pool.reset();
            assertEquals(1, pool.cachedCount(), "the cache settings given before the list was made hold");
            assertSame(block, pool.allocate(BLOCK), "the kept block and its view serve the next request");
            pool.reset();
            pool.checkInvariants();

            assertTrue(pool.releaseNodes());
            assertNull(pool.large, "an emptied pool drops its list, spare entries and cached blocks");
            assertEquals(0, pool.bytesReserved());
            pool.checkInvariants();
            pool.allocate(BLOCK); // made again
            pool.reset();
            assertEquals(1, pool.cachedCount(), "with the same settings");
        }
        assertEquals(0, arena.stats().pagesInUse() + arena.stats().largeBlocksInUse());
    }

    @Test
    void settingsChangedAfterTheListWasMadeReachIt() {
        try (MpPool pool = MpPool.create(arena, MpPool.NODE_SIZE, "p").cacheOnReset(2, BLOCK)) {
            pool.allocate(BLOCK);
            pool.reset();
            assertEquals(1, pool.cachedCount());
            pool.cacheOnReset(0, 0);
            assertEquals(0, pool.cachedCount(), "the kept block went back");
            pool.allocate(BLOCK);
            pool.reset();
            assertEquals(0, pool.cachedCount(), "and none is kept from now on");
        }
    }
}
