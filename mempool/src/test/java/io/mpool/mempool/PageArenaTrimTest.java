package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A trim gives the chunks a burst left entirely free back to the JVM, keeping what it is told
 * to keep, and never a chunk that still holds a block in use.
 */
class PageArenaTrimTest {
    private static final int CHUNK = PageArena.CHUNK_SIZE;
    private static final long ARENA = 8L * CHUNK;

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    @ParameterizedTest(name = "keepBytes={0}")
    @CsvSource({
            "0, 0", "1, 1048576", "1048575, 1048576", "1048576, 1048576", "1048577, 2097152",
            "1572864, 2097152", "8388607, 8388608", "8388608, 8388608", "8388609, 8388608",
    })
    void aTrimAfterABurstLeavesKeepBytesRoundedUpToChunks(long keepBytes, long reservedAfter) {
        PageArena arena = leaks.newArena(ARENA);
        burst(arena);
        assertEquals(ARENA, arena.stats().reservedBytes());
        long reclaimsBefore = arena.stats().reclaims();

        long given = arena.trim(keepBytes);

        ArenaStats stats = arena.stats();
        assertEquals(reservedAfter, stats.reservedBytes(), stats.toString());
        assertEquals(ARENA - reservedAfter, given);
        assertEquals(given > 0 ? 1 : 0, stats.trims());
        assertEquals(given, stats.bytesTrimmed());
        assertEquals(reclaimsBefore, stats.reclaims(), "a trim's drain is not a reclaim at the bound");
        assertEquals(reservedAfter, stats.reserveFreeBytes() + stats.classFreeBytes(), "what is kept is free");
        arena.checkInvariantsWhenQuiet();
        assertEquals(0, arena.trim(keepBytes), "a second trim finds nothing more");
    }

    @Test
    void aChunkWithOneBlockInUseStaysAndTheBlockKeepsItsBytes() {
        PageArena arena = leaks.newArena(4L * CHUNK);
        List<ArenaBlock> pages = PageArenaReclaimTest.fill(arena, "page");
        ArenaBlock held = pages.get(pages.size() / 2 + 7); // in the third chunk
        PageArenaTest.fillWith(held.buffer(), (byte) 0x3C);
        pages.stream().filter(page -> page != held).forEach(arena::release);

        assertEquals(3L * CHUNK, arena.trim(0));

        arena.checkInvariantsWhenQuiet();
        assertEquals(CHUNK, arena.stats().reservedBytes(), "the held page's chunk stays");
        PageArenaTest.assertAll(held.buffer(), (byte) 0x3C);
        arena.release(held);
        assertEquals(CHUNK, arena.trim(0));
        assertEquals(0, arena.stats().reservedBytes());
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void takesAfterATrimReserveNewChunksAndGetAllAFreshArenaGives() {
        PageArena arena = leaks.newArena(ARENA);
        for (String what : List.of("page", "16384", "connection", "1048576", "4096")) {
            PageArena fresh = leaks.newArena(ARENA);
            List<ArenaBlock> freshBlocks = PageArenaReclaimTest.fill(fresh, what);
            freshBlocks.forEach(fresh::release);
            List<ArenaBlock> blocks = PageArenaReclaimTest.fill(arena, what);
            assertEquals(PageArenaReclaimTest.bytes(freshBlocks), PageArenaReclaimTest.bytes(blocks),
                    what + " after a trim gets what a fresh arena gives: " + arena.stats());
            blocks.forEach(arena::release);
            assertEquals(ARENA, arena.trim(0));
            arena.checkInvariantsWhenQuiet();
        }
        assertEquals(5, arena.stats().trims());
        assertEquals(5 * ARENA, arena.stats().bytesTrimmed());
    }

    @Test
    void burstsAndTrimsInTurnReuseBlockIdsInsteadOfGrowingTheRegistry() {
        PageArena arena = leaks.newArena(ARENA);
        burst(arena);
        arena.trim(0);
        int registered = arena.registeredBlocks();
        for (int cycle = 0; cycle < 5; cycle++) {
            burst(arena);
            assertEquals(ARENA, arena.trim(0));
            assertEquals(registered, arena.registeredBlocks(), "cycle " + cycle);
            arena.checkInvariantsWhenQuiet();
        }
    }

    @Test
    void aBlockOfAChunkGivenBackCannotBeReleasedAgain() {
        PageArena arena = leaks.newArena(2L * CHUNK);
        List<ArenaBlock> pages = PageArenaReclaimTest.fill(arena, "page");
        pages.forEach(arena::release);
        arena.trim(0);
        ArenaBlock stale = pages.get(pages.size() - 1);
        assertThrows(IllegalStateException.class, () -> arena.release(stale));
        ArenaBlock fresh = arena.takePage();
        assertTrue(fresh != stale, "a new chunk has new blocks");
        arena.release(fresh);
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void aChunkCutShortByTheBoundIsGivenBackToo() {
        long shortArena = 2L * CHUNK + 80 * 1024;
        PageArena arena = leaks.newArena(shortArena);
        List<ArenaBlock> blocks = PageArenaReclaimTest.fill(arena, "connection");
        blocks.forEach(arena::release);
        assertEquals(shortArena, arena.trim(0));
        assertEquals(0, arena.stats().reservedBytes());
        arena.checkInvariantsWhenQuiet();
        blocks = PageArenaReclaimTest.fill(arena, "page");
        assertEquals(shortArena, PageArenaReclaimTest.bytes(blocks));
        blocks.forEach(arena::release);
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void aChunkKeptByATrimStillScrubsWhatAnOwnerLeftUnscrubbed() {
        PageArena arena = leaks.newArena(4L * CHUNK);
        Object connectionA = new Object();
        List<ArenaBlock> pages = new ArrayList<>();
        for (int i = 0; i < 4 * CHUNK / PageArena.PAGE_SIZE; i++) {
            ArenaBlock page = arena.takePage(connectionA);
            PageArenaTest.fillWith(page.buffer(), (byte) 0x5A);
            pages.add(page);
        }
        pages.forEach(page -> arena.release(page, connectionA)); // left dirty for A
        assertEquals(3L * CHUNK, arena.trim(CHUNK));
        arena.checkInvariantsWhenQuiet();
        Object connectionB = new Object();
        List<ArenaBlock> blocks = PageArenaReclaimTest.fill(arena, "16384");
        for (ArenaBlock block : blocks) {
            PageArenaTest.assertAll(block.buffer(), (byte) 0); // B never sees A's bytes
        }
        blocks.forEach(block -> arena.release(block, connectionB));
    }

    @Test
    void debugModesStillWorkAcrossATrim() {
        PageArena poisoning = leaks.track(PageArena.builder().maxBytes(ARENA)
                .debug(DebugOptions.NONE.withPoison(true).withLeakTracking(true).withParanoid(true)).build());
        burst(poisoning);
        ArenaBlock held = poisoning.takePage();
        assertEquals(ARENA - CHUNK, poisoning.trim(0));
        PageArenaTest.assertAll(held.buffer(), DebugOptions.POISON_FRESH);
        assertEquals(1, poisoning.outstanding().size());
        assertNotNull(poisoning.outstanding().get(0).takenAt(), "the site survives the trim");
        poisoning.release(held);
        ByteBuffer freed = held.buffer();
        PageArenaTest.assertAll(freed, DebugOptions.POISON_FREED); // its chunk is kept, so readable
        poisoning.checkInvariantsWhenQuiet();

        PageArena unpooled = leaks.track(PageArena.builder().maxBytes(ARENA)
                .debug(DebugOptions.NONE.withNoPooling(true).withParanoid(true)).build());
        try (MpPool pool = MpPool.create(unpooled)) {
            pool.allocate(100);
            pool.allocate(20_000);
            assertEquals(0, unpooled.trim(0), "the head page's chunk is in use");
            long uncached = unpooled.stats().reservedBytes() - CHUNK;
            assertTrue(uncached > 0, unpooled.stats().toString());
        }
        assertEquals(CHUNK, unpooled.trim(0));
        assertEquals(0, unpooled.stats().reservedBytes());
        unpooled.checkInvariantsWhenQuiet();
    }

    @Test
    void chunksGivenBackAreFreedAtOnceOnThisJdk() {
        assertTrue(DirectMemory.freesAtOnce(), "sun.misc.Unsafe.invokeCleaner is reachable (jdk.unsupported)");
        ByteBuffer direct = ByteBuffer.allocateDirect(PageArena.PAGE_SIZE);
        assertTrue(DirectMemory.free(direct));
    }

    @Test
    void aNegativeKeepIsRefusedWithAClearMessage() {
        PageArena arena = leaks.newArena(CHUNK);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> arena.trim(-1));
        assertEquals("keepBytes=-1 (expected: >= 0)", e.getMessage());
    }

    /**
     * Threads take, stamp, check and release while another trims over and over; no block is ever
     * held twice or loses its stamp, and once quiet the invariants hold and a last trim gives
     * everything back.
     */
    @Test
    void trimsRacingTakesAndReleasesNeverLoseOrShareABlock() throws Exception {
        PageArena arena = leaks.track(PageArena.builder().maxBytes(ARENA).debug(DebugOptions.NONE).build());
        Map<ArenaBlock, Integer> holders = new ConcurrentHashMap<>();
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        int threads = 3;
        ExecutorService executor = Executors.newFixedThreadPool(threads + 1);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int self = t;
                workers.add(executor.submit(() -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(self);
                    List<ArenaBlock> held = new ArrayList<>();
                    for (int round = 0; round < 20_000; round++) {
                        if (held.size() < 64 && random.nextInt(3) != 0) {
                            ArenaBlock block = random.nextInt(4) == 0
                                    ? arena.takeLarge(4096 << random.nextInt(5)) : arena.takePage(self);
                            Integer previous = holders.putIfAbsent(block, self);
                            if (previous != null) {
                                throw new AssertionError(block + " handed to " + self + " while " + previous + " holds it");
                            }
                            block.buffer().putInt(0, self).putInt(block.capacity() - 4, round);
                            held.add(block);
                        } else {
                            while (!held.isEmpty()) { // a burst ends: give everything back
                                releaseChecked(arena, holders, held.remove(held.size() - 1), self);
                            }
                        }
                    }
                    held.forEach(block -> releaseChecked(arena, holders, block, self));
                    return null;
                }));
            }
            Future<Long> trimmer = executor.submit(() -> {
                start.await();
                long given = 0;
                SplittableRandom random = new SplittableRandom(42);
                while (!done.get()) {
                    given += arena.trim(random.nextInt(3) * (long) CHUNK);
                    arena.checkInvariants();
                }
                return given;
            });
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get();
            }
            done.set(true);
            long given = trimmer.get();
            assertEquals(given, arena.stats().bytesTrimmed());
        } finally {
            done.set(true);
            executor.shutdownNow();
        }
        arena.checkInvariantsWhenQuiet();
        arena.trim(0);
        assertEquals(0, arena.stats().reservedBytes(), arena.stats().toString());
        arena.checkInvariantsWhenQuiet();
    }

    private static void releaseChecked(PageArena arena, Map<ArenaBlock, Integer> holders, ArenaBlock block, int self) {
        int stamp = block.buffer().getInt(0);
        if (stamp != self) {
            throw new AssertionError(block + " held by " + self + " carries the stamp of " + stamp);
        }
        holders.remove(block);
        arena.release(block, self);
    }

    /** Fills the arena with pages, then with 16 KB blocks, releasing each fill: every chunk reserved and free. */
    private static void burst(PageArena arena) {
        for (String what : List.of("page", "16384")) {
            List<ArenaBlock> blocks = PageArenaReclaimTest.fill(arena, what);
            blocks.forEach(arena::release);
        }
    }
}
