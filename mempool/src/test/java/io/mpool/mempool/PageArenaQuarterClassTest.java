package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The quarter size classes between 16 KB and 32 KB: a TLS packet buffer (16,709 bytes, the JDK's
 * {@code SSLRecord.maxRecordSize}) costs 20,480 bytes of the arena, not 32,768; the pages a
 * quarter block leaves of its buddy run go back to the common reserve; and blocks of every class,
 * taken and released in any order, merge back into whole chunks.
 */
class PageArenaQuarterClassTest {
    /** What the JDK's TLS engine asks for per packet buffer. */
    private static final int TLS_PACKET = 16_709;
    private static final int FIVE_PAGES = 5 * PageArena.PAGE_SIZE;

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    @Test
    void aTlsPacketBufferCostsFivePagesAndTheRestOfItsRefillGoesBack() {
        PageArena arena = leaks.newArena(4L << 20);
        ArenaBlock block = arena.takeLarge(TLS_PACKET);
        assertEquals(FIVE_PAGES, block.capacity());
        assertEquals(0, block.buffer().alignmentOffset(0, PageArena.PAGE_SIZE));
        ArenaStats stats = arena.stats();
        assertEquals(FIVE_PAGES, stats.largeBytesInUse());
        // One refill batch of 64 pages: 12 blocks of 5 pages carved, the 4 pages left back in the
        // reserve with the rest of the chunk.
        SizeClassStats quarter = stats.sizeClasses().stream().filter(c -> c.blockSize() == FIVE_PAGES)
                .findFirst().orElseThrow();
        assertEquals(12L * FIVE_PAGES, quarter.reservedBytes(), stats.toString());
        assertEquals(11L * FIVE_PAGES, quarter.freeBytes(), stats.toString());
        assertEquals(1, quarter.blocksInUse());
        assertEquals(PageArena.CHUNK_SIZE - 12L * FIVE_PAGES, stats.reserveFreeBytes(), stats.toString());
        arena.checkInvariantsWhenQuiet();
        arena.release(block);
        assertEquals(PageArena.CHUNK_SIZE, arena.trim(0), "the chunk merged whole again");
        assertEquals(0, arena.stats().reservedBytes());
    }

    @Test
    void aThousandTlsPacketBuffersHoldTwentyKilobytesEach() {
        PageArena arena = leaks.newArena(64L << 20);
        List<ArenaBlock> blocks = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            blocks.add(arena.takeLarge(TLS_PACKET, this));
        }
        ArenaStats stats = arena.stats();
        assertEquals(1_000L * FIVE_PAGES, stats.largeBytesInUse(), "was 1,000 x 32,768 with power-of-two classes");
        // A chunk's four refill batches carve 48 blocks (240 pages); the 16 pages left, four runs of
        // four, stay in the common reserve for smaller classes: 21 chunks for 1,000 blocks.
        assertEquals(21L * PageArena.CHUNK_SIZE, stats.reservedBytes(), stats.toString());
        // Those pages serve the connections' 4 KB nodes without reserving more.
        List<ArenaBlock> nodes = new ArrayList<>();
        long leftPages = stats.reserveFreeBytes() / PageArena.PAGE_SIZE;
        assertTrue(leftPages >= 21 * 16 - 11 * 5, stats.toString());
        for (int i = 0; i < 21 * 16 - 64; i++) {
            nodes.add(arena.takePage(this));
        }
        assertEquals(21L * PageArena.CHUNK_SIZE, arena.stats().reservedBytes(), arena.stats().toString());
        nodes.forEach(node -> arena.release(node, this));
        arena.checkInvariantsWhenQuiet();
        blocks.forEach(block -> arena.release(block, this));
        arena.trim(0);
        assertEquals(0, arena.stats().reservedBytes());
    }

    @Test
    void everyClassMixedMergesBackIntoWholeChunks() {
        // A small arena, so reclaims move quarter blocks and buddy blocks back and forth.
        PageArena arena = leaks.newArena(2L * PageArena.CHUNK_SIZE);
        int[] sizes = {1, 4096, 8192, 16_384, TLS_PACKET, 20_481, 24_000, 28_672, 32_768, 40_000, 100_000};
        SplittableRandom random = new SplittableRandom(27);
        List<ArenaBlock> held = new ArrayList<>();
        for (int step = 0; step < 3_000; step++) {
            if (!held.isEmpty() && (random.nextInt(3) == 0 || held.size() > 40)) {
                arena.release(held.remove(random.nextInt(held.size())), random.nextBoolean() ? this : null);
            } else {
                int size = sizes[random.nextInt(sizes.length)];
                try {
                    held.add(random.nextInt(4) == 0 ? arena.takePage(this) : arena.takeLarge(size, this));
                } catch (ArenaExhaustedException full) {
                    // at the bound: release something next
                }
            }
            if (step % 50 == 0) {
                arena.checkInvariantsWhenQuiet();
            }
        }
        held.forEach(arena::release);
        arena.checkInvariantsWhenQuiet();
        arena.trim(0);
        assertEquals(0, arena.stats().reservedBytes(), arena.stats().toString());
        arena.checkInvariantsWhenQuiet();
    }
}
