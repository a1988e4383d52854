package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.InvalidMarkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MpPool#allocateKept}: bytes at the start of the head node that resets keep. */
class MpPoolKeptBytesTest {
    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();
    private final PageArena arena = leaks.newArena(16 << 20);

    @Test
    void keptBytesSurviveEveryResetAndSmallAllocationsFollowThem() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer kept = pool.allocateKept(2045);
            assertEquals(2045, kept.capacity());
            assertEquals(2048, pool.keptBytes(), "aligned to " + MpPool.ALIGNMENT);
            kept.put(0, (byte) 42).put(2044, (byte) 43);
            for (int round = 0; round < 3; round++) {
                ByteBuffer small = pool.allocate(100);
                small.put(0, (byte) 7);
                ByteBuffer large = pool.allocate(MpPool.NODE_SIZE * 2);
                assertEquals(2048 + 100 + MpPool.NODE_SIZE * 2, pool.bytesInUse());
                assertEquals(1, pool.nodeCount(), "100 bytes fit beside the kept ones");
                pool.checkInvariants();
                assertTrue(large.capacity() > 0);
                pool.reset();
                assertEquals(2048, pool.bytesInUse(), "a reset keeps the kept bytes in use");
                assertEquals(42, kept.get(0));
                assertEquals(43, kept.get(2044));
                pool.checkInvariants();
            }
            // The whole rest of the node, and no more, still fits in the head node after a reset.
            pool.allocate(MpPool.NODE_SIZE - 2048);
            assertEquals(1, pool.nodeCount());
        }
        assertEquals(0, arena.stats().pagesInUse(), "destroy gives the head node back with its kept bytes");
    }

    @Test
    void keptBytesAreTakenOnceOnAnEmptyPoolWithinHalfANode() {
        try (MpPool pool = MpPool.create(arena)) {
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                    () -> pool.allocateKept(MpPool.NODE_SIZE / 2 + 1));
            assertTrue(tooBig.getMessage().contains("size=" + (MpPool.NODE_SIZE / 2 + 1)), tooBig.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pool.allocateKept(0));
            pool.allocateKept(64);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> pool.allocateKept(64));
            assertTrue(twice.getMessage().contains("allocateKept(64)"), twice.getMessage());
        }
        try (MpPool used = MpPool.create(arena)) {
            used.allocate(8);
            assertThrows(IllegalStateException.class, () -> used.allocateKept(64), "not on a pool in use");
        }
    }

    @Test
    void theKeptBytesOfAPageAreOneViewForEveryPoolThatKeepsThemClearedAndBigEndian() {
        ByteBuffer first;
        try (MpPool pool = MpPool.create(arena)) {
            first = pool.allocateKept(2045);
            first.order(ByteOrder.LITTLE_ENDIAN).position(5).limit(9).mark();
        }
        try (MpPool next = MpPool.create(arena)) { // the page just given back is the next one out
            ByteBuffer kept = next.allocateKept(2045);
            assertSame(first, kept, "the page's own view, not a new one per pool");
            assertEquals(0, kept.position());
            assertEquals(2045, kept.limit());
            assertEquals(ByteOrder.BIG_ENDIAN, kept.order());
            assertThrows(InvalidMarkException.class, kept::reset, "the mark is gone");
            assertTrue(next.releaseNodes());
            ByteBuffer other = next.allocateKept(64);
            assertEquals(64, other.capacity(), "another size: a view of that size");
        }
    }

    @Test
    void poisonAtResetSparesTheKeptBytes() {
        PageArena poisoning = leaks.track(PageArena.builder().maxBytes(1 << 20)
                .debug(DebugOptions.NONE.withPoison(true)).build());
        try (MpPool pool = MpPool.create(poisoning)) {
            ByteBuffer kept = pool.allocateKept(16);
            kept.put(0, (byte) 1);
            ByteBuffer small = pool.allocate(16);
            small.put(0, (byte) 2);
            pool.reset();
            assertEquals(1, kept.get(0), "kept bytes are not poisoned");
            assertEquals(DebugOptions.POISON_FREED, small.get(0), "what followed them is");
        }
    }
}
