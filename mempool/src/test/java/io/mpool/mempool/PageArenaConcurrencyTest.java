package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many threads take and release pages and large blocks at once. Each holder registers the block
 * (a second holder would find it registered), stamps it with its own id, and checks the stamp is
 * intact before giving it back. At the end the totals balance and the free lists are exact.
 */
class PageArenaConcurrencyTest {

    private static final int THREADS = 4;
    private static final int ROUNDS = 20_000;

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    @Test
    void noBlockIsEverHeldTwiceAndTotalsBalance() throws Exception {
        PageArena arena = leaks.track(PageArena.builder().maxBytes(4 << 20).debug(DebugOptions.NONE).build());
        Map<ArenaBlock, Integer> holders = new ConcurrentHashMap<>();
        AtomicLong taken = new AtomicLong();
        AtomicLong released = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int self = t;
                futures.add(executor.submit(() -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(self);
                    List<ArenaBlock> held = new ArrayList<>();
                    for (int round = 0; round < ROUNDS; round++) {
                        if (held.size() < 8 && random.nextBoolean()) {
                            ArenaBlock block = random.nextInt(4) == 0
                                    ? arena.takeLarge(4096 << random.nextInt(3)) : arena.takePage();
                            taken.incrementAndGet();
                            Integer previous = holders.putIfAbsent(block, self);
                            if (previous != null) {
                                throw new AssertionError(block + " handed to thread " + self
                                        + " while thread " + previous + " holds it");
                            }
                            stamp(block, self, round);
                            held.add(block);
                        } else if (!held.isEmpty()) {
                            ArenaBlock block = held.remove(random.nextInt(held.size()));
                            verifyStamp(block, self);
                            holders.remove(block);
                            arena.release(block);
                            released.incrementAndGet();
                        }
                    }
                    for (ArenaBlock block : held) {
                        verifyStamp(block, self);
                        holders.remove(block);
                        arena.release(block);
                        released.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            executor.shutdownNow();
        }
        assertEquals(taken.get(), released.get());
        ArenaStats stats = arena.stats();
        assertEquals(0, stats.pagesInUse());
        assertEquals(0, stats.largeBlocksInUse());
        assertEquals(0, stats.largeBytesInUse());
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void classesShiftAcrossThreadsAtTheBoundAndEverythingComesBack() throws Exception {
        shiftClassesAtTheBound(4_000);
    }

    @Test
    @Tag("slow")
    void classesShiftAcrossThreadsAtTheBoundForLong() throws Exception {
        shiftClassesAtTheBound(200_000);
    }

    /**
     * Threads in a small arena each switch size class every few hundred rounds (pages, 16 KB,
     * 64 KB, 1 MiB, in a different order per thread), so the arena keeps reclaiming one class's
     * free memory for another while other threads pop and push. Blocks are released with an
     * owner (the thread), so memory may come back unscrubbed: a block a thread takes must hold
     * either zeros or that thread's own stamps, never another thread's. At the end everything is
     * back, the free lists are exact, and the arena serves its whole bound to any class again.
     */
    private void shiftClassesAtTheBound(int rounds) throws Exception {
        long maxBytes = 4L * PageArena.CHUNK_SIZE;
        PageArena arena = leaks.track(PageArena.builder().maxBytes(maxBytes).debug(DebugOptions.NONE).build());
        int[] sizes = {0, 16384, 65536, 1 << 20};
        Map<ArenaBlock, Integer> holders = new ConcurrentHashMap<>();
        AtomicLong exhaustions = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int self = t + 1; // stamps never read as zeros
                Object owner = "thread-" + self;
                futures.add(executor.submit(() -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(100 + self);
                    List<ArenaBlock> held = new ArrayList<>();
                    for (int round = 0; round < rounds; round++) {
                        int size = sizes[(self + round / 300) % sizes.length];
                        if (held.size() < 24 && random.nextInt(100) < 60) {
                            ArenaBlock block;
                            try {
                                block = size == 0 ? arena.takePage(owner) : arena.takeLarge(size, owner);
                            } catch (ArenaExhaustedException full) {
                                exhaustions.incrementAndGet();
                                if (!held.isEmpty()) {
                                    release(arena, holders, held.remove(0), self, owner);
                                }
                                continue;
                            }
                            Integer previous = holders.putIfAbsent(block, self);
                            if (previous != null) {
                                throw new AssertionError(block + " handed to thread " + self
                                        + " while thread " + previous + " holds it");
                            }
                            verifyZeroOrOwn(block, self);
                            stamp(block, self, round);
                            held.add(block);
                        } else if (!held.isEmpty()) {
                            release(arena, holders, held.remove(random.nextInt(held.size())), self, owner);
                        }
                    }
                    for (ArenaBlock block : held) {
                        release(arena, holders, block, self, owner);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            executor.shutdownNow();
        }
        ArenaStats stats = arena.stats();
        assertEquals(0, stats.outstandingBlocks(), stats.toString());
        assertTrue(stats.reclaims() > 0, "the classes shifted at the bound: " + stats);
        assertTrue(stats.reservedBytes() <= maxBytes, stats.toString());
        arena.checkInvariantsWhenQuiet();
        for (String what : List.of("1048576", "page", "16384")) {
            List<ArenaBlock> all = PageArenaReclaimTest.fill(arena, what);
            assertEquals(maxBytes, PageArenaReclaimTest.bytes(all), what + " after the shifting: " + arena.stats());
            all.forEach(arena::release);
        }
        System.out.println("classes shifted " + stats.reclaims() + " times, " + exhaustions.get()
                + " takes found the bound; " + stats);
    }

    private static void release(PageArena arena, Map<ArenaBlock, Integer> holders, ArenaBlock block, int self,
                                Object owner) {
        verifyStamp(block, self);
        holders.remove(block);
        arena.release(block, owner);
    }

    /** Every stamp slot holds zeros (scrubbed) or this thread's id (its own unscrubbed bytes). */
    private static void verifyZeroOrOwn(ArenaBlock block, int thread) {
        var buffer = block.buffer();
        for (int i = 0; i + 8 <= buffer.capacity(); i += 512) {
            int id = buffer.getInt(i);
            if (!(id == thread || (id == 0 && buffer.getInt(i + 4) == 0))) {
                throw new AssertionError(block + " taken by thread " + thread + " shows thread " + id
                        + "'s bytes at offset " + i);
            }
        }
    }

    private static void stamp(ArenaBlock block, int thread, int round) {
        var buffer = block.buffer();
        for (int i = 0; i + 8 <= buffer.capacity(); i += 512) {
            buffer.putInt(i, thread);
            buffer.putInt(i + 4, round);
        }
    }

    private static void verifyStamp(ArenaBlock block, int thread) {
        var buffer = block.buffer();
        int round = buffer.getInt(4);
        for (int i = 0; i + 8 <= buffer.capacity(); i += 512) {
            if (buffer.getInt(i) != thread || buffer.getInt(i + 4) != round) {
                throw new AssertionError(block + " was written by another holder at offset " + i);
            }
        }
    }
}
