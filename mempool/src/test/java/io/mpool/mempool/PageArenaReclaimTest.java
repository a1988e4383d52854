package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Memory freed by one size class serves any other (issue #11, item 2: a 64 MiB arena took 9,856
 * idle connections fresh but 1,856 after a burst, its memory sitting on another class's free
 * list).
 */
class PageArenaReclaimTest {
    /** Stands for "a page" where a test names a size. */
    private static final String PAGE = "page";
    /** Stands for "a connection": one page plus one 16 KB block, what an idle keep-alive holds. */
    private static final String CONNECTION = "connection";
    private static final long SHORT_ARENA = 4L * PageArena.CHUNK_SIZE + 80 * 1024;

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    @ParameterizedTest(name = "{0} then {1}, maxBytes={2}")
    @CsvSource({
            "page, 16384, 4194304", "16384, page, 4194304",
            "page, 1048576, 4194304", "1048576, page, 4194304",
            "16384, 65536, 4194304", "65536, 8192, 4194304",
            "4096, page, 4194304", "page, 4096, 4194304",
            "page, connection, 4194304", "16384, connection, 4194304",
            "connection, page, 4194304", "connection, 1048576, 4194304",
            "page, 16384, " + SHORT_ARENA, "16384, page, " + SHORT_ARENA,
            "page, 65536, " + SHORT_ARENA, "connection, 1048576, " + SHORT_ARENA,
    })
    void memoryFreedByOneClassServesAnotherAsFullyAsAFreshArena(String first, String then, long maxBytes) {
        PageArena fresh = leaks.newArena(maxBytes);
        List<ArenaBlock> freshBlocks = fill(fresh, then);
        long freshBytes = bytes(freshBlocks);
        freshBlocks.forEach(fresh::release);

        PageArena arena = leaks.newArena(maxBytes);
        List<ArenaBlock> firstBlocks = fill(arena, first);
        assertEquals(maxBytes, arena.stats().reservedBytes(), "the first class reserved everything");
        firstBlocks.forEach(arena::release);
        long reclaimsBefore = arena.stats().reclaims();
        List<ArenaBlock> thenBlocks = fill(arena, then);
        assertEquals(freshBytes, bytes(thenBlocks), "after " + first + ", " + then + " gets what a fresh arena gives: "
                + arena.stats());
        assertEquals(maxBytes, arena.stats().reservedBytes(), "nothing reserved past the bound");
        assertTrue(arena.stats().reclaims() > reclaimsBefore, "the free lists went back to the reserve");
        thenBlocks.forEach(arena::release);
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void aReclaimZeroesWhatAnOwnerReleasedUnscrubbed() {
        PageArena arena = leaks.newArena(PageArena.CHUNK_SIZE);
        Object connectionA = new Object();
        Object connectionB = new Object();
        List<ArenaBlock> pages = new ArrayList<>();
        for (int i = 0; i < PageArena.CHUNK_SIZE / PageArena.PAGE_SIZE; i++) {
            ArenaBlock page = arena.takePage(connectionA);
            PageArenaTest.fillWith(page.buffer(), (byte) 0x5A);
            pages.add(page);
        }
        pages.forEach(page -> arena.release(page, connectionA)); // left dirty for A to take back
        List<ArenaBlock> blocks = new ArrayList<>();
        for (int i = 0; i < PageArena.CHUNK_SIZE / 16384; i++) {
            ArenaBlock block = arena.takeLarge(16384, connectionB);
            PageArenaTest.assertAll(block.buffer(), (byte) 0); // B never sees A's bytes
            blocks.add(block);
        }
        blocks.forEach(block -> arena.release(block, connectionB));
    }

    @Test
    void aRequestNeedsAFreeAlignedRunNotJustFreeBytes() {
        PageArena arena = leaks.newArena(PageArena.CHUNK_SIZE);
        List<ArenaBlock> pages = fill(arena, PAGE);
        assertEquals(256, pages.size());
        List<ArenaBlock> pinned = new ArrayList<>();
        for (ArenaBlock page : pages) {
            if (page.firstPage % 8 == 0) {
                pinned.add(page); // one live page in every 32 KB
            } else {
                arena.release(page);
            }
        }
        List<ArenaBlock> blocks = fill(arena, "16384");
        assertEquals(32, blocks.size(), "the aligned 16 KB run in each 32 KB: " + arena.stats());
        blocks.forEach(arena::release);

        for (int i = 0; i < pinned.size(); i += 2) {
            arena.release(pinned.get(i)); // now one live page in every 64 KB...
        }
        List<ArenaBlock> sparse = new ArrayList<>();
        for (ArenaBlock page : pinned) {
            if (page.inUse() && page.firstPage % 16 != 0) {
                sparse.add(page);
            }
        }
        // ...at offset 32 KB of each: no free 64 KB run although 15/16 of the memory is free.
        assertEquals(16, sparse.size());
        assertThrows(ArenaExhaustedException.class, () -> arena.takeLarge(65536));
        ArenaBlock block = arena.takeLarge(32768);
        arena.release(block);
        sparse.forEach(arena::release);
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void statsShowMemoryPerClassAndInTheCommonReserve() {
        PageArena arena = leaks.newArena(2L * PageArena.CHUNK_SIZE);
        ArenaBlock page = arena.takePage();
        ArenaStats stats = arena.stats();
        assertEquals(PageArena.CHUNK_SIZE, stats.reservedBytes());
        assertEquals(SizeClasses.LIST_COUNT, stats.sizeClasses().size());
        SizeClassStats pages = stats.sizeClasses().get(SizeClasses.PAGE_LIST);
        assertEquals(new SizeClassStats("page", 4096, 1, ArenaReserve.REFILL_BYTES, ArenaReserve.REFILL_BYTES - 4096), pages);
        assertEquals(PageArena.CHUNK_SIZE - ArenaReserve.REFILL_BYTES, stats.reserveFreeBytes());
        assertEquals(63, stats.pagesFree());

        ArenaBlock block = arena.takeLarge(16384);
        stats = arena.stats();
        SizeClassStats large16 = stats.sizeClasses().get(SizeClasses.listOf(SizeClasses.indexOf(16384)));
        assertEquals(new SizeClassStats("large", 16384, 1, ArenaReserve.REFILL_BYTES, ArenaReserve.REFILL_BYTES - 16384),
                large16);
        assertEquals(PageArena.CHUNK_SIZE - 2 * ArenaReserve.REFILL_BYTES, stats.reserveFreeBytes());
        assertEquals(stats.reservedBytes(), stats.reserveFreeBytes()
                + stats.sizeClasses().stream().mapToLong(SizeClassStats::reservedBytes).sum());
        assertEquals(2 * ArenaReserve.REFILL_BYTES - 4096 - 16384, stats.classFreeBytes());
        assertTrue(stats.toString().contains(" reserveFreeBytes=524288 reclaims=0 sizeClasses=[page4096("
                + "reservedBytes=262144 freeBytes=258048 blocksInUse=1) large16384(reservedBytes=262144"), stats.toString());
        arena.release(page);
        arena.release(block);

        List<ArenaBlock> all = fill(arena, PAGE); // a second chunk, then the 16 KB blocks' memory too
        assertEquals(1, arena.stats().reclaims());
        assertEquals(2 * PageArena.CHUNK_SIZE / 4096, all.size());
        all.forEach(arena::release);
        ArenaBlock huge = arena.takeLarge(1 << 20);
        stats = arena.stats();
        assertEquals(2, stats.reclaims());
        assertEquals(0, stats.sizeClasses().get(SizeClasses.PAGE_LIST).reservedBytes(), "pages reclaimed");
        assertEquals(PageArena.CHUNK_SIZE, stats.reserveFreeBytes(), "the other chunk merged whole");
        arena.release(huge);
    }

    /** Takes blocks of {@code what} until the arena is exhausted; they stay taken. */
    static List<ArenaBlock> fill(PageArena arena, String what) {
        List<ArenaBlock> taken = new ArrayList<>();
        try {
            while (true) {
                switch (what) {
                    case PAGE -> taken.add(arena.takePage());
                    case CONNECTION -> {
                        taken.add(arena.takePage());
                        taken.add(arena.takeLarge(16384));
                    }
                    default -> taken.add(arena.takeLarge(Integer.parseInt(what)));
                }
            }
        } catch (ArenaExhaustedException full) {
            return taken;
        }
    }

    static long bytes(List<ArenaBlock> blocks) {
        return blocks.stream().mapToLong(ArenaBlock::capacity).sum();
    }
}
