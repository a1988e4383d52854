package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random operation sequences against a trivially correct model: the list of live allocations,
 * each filled with its own byte, and the kept bytes if any. After every step every invariant is
 * checked and every live allocation must still hold its byte, which catches overlap, premature
 * release and lost memory. The operations: allocate (four kinds), free, add a cleanup, reset,
 * keep bytes on an empty pool, release the nodes of an idle pool, destroy.
 */
class MpPoolModelTest {

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    /** A live allocation in the model. */
    private record Live(ByteBuffer buffer, byte mark, boolean large) {
    }

    @Test
    void randomSequencesMatchTheModel() {
        run(1_000, 150, 1);
    }

    @Test
    @Tag("slow")
    void longRandomSequencesMatchTheModel() {
        run(Integer.getInteger("mpool.model.sequences", 3_000), 400, 1_000_000);
    }

    private void run(int sequences, int steps, long firstSeed) {
        for (long seed = firstSeed; seed < firstSeed + sequences; seed++) {
            PageArena arena = leaks.newArena(8 << 20);
            try {
                runSequence(arena, new SplittableRandom(seed), steps);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("sequence with seed " + seed + " failed: " + e, e);
            }
            assertEquals(0, arena.stats().outstandingBlocks(), "seed " + seed);
            arena.checkInvariantsWhenQuiet();
        }
    }

    private static void runSequence(PageArena arena, SplittableRandom random, int steps) {
        MpPool pool = MpPool.create(arena, random.nextBoolean() ? MpPool.DEFAULT_MAX : 1 + random.nextInt(4096));
        if (random.nextInt(3) == 0) {
            pool.cacheOnReset(random.nextInt(5), 1 << random.nextInt(18));
        }
        List<Live> live = new ArrayList<>();
        Live kept = null;
        int[] cleanupsPending = {0};
        int[] cleanupsRun = {0};
        int expectedCleanupsRun = 0;
        byte nextMark = 1;
        for (int step = 0; step < steps; step++) {
            int op = random.nextInt(100);
            if (op < 60) {
                int size = size(random);
                ByteBuffer buffer = switch (random.nextInt(4)) {
                    case 0 -> pool.allocate(size);
                    case 1 -> pool.allocateUnaligned(size);
                    case 2 -> pool.allocateZeroed(size);
                    default -> pool.allocateAligned(size, 1 << random.nextInt(13));
                };
                assertEquals(size, buffer.remaining());
                Live allocation = new Live(buffer, nextMark++, size > pool.max());
                fill(allocation);
                live.add(allocation);
            } else if (op < 75 && !live.isEmpty()) {
                Live victim = live.get(random.nextInt(live.size()));
                boolean freed = pool.free(victim.buffer());
                assertEquals(victim.large(), freed, "free returns true exactly for large allocations");
                if (freed) {
                    live.remove(victim);
                }
            } else if (op < 85) {
                pool.addCleanup(() -> {
                    cleanupsPending[0]--;
                    cleanupsRun[0]++;
                });
                cleanupsPending[0]++;
            } else if (op < 94) {
                expectedCleanupsRun += cleanupsPending[0];
                pool.reset();
                live.clear();
                assertEquals(kept == null ? 0 : pool.keptBytes(), pool.bytesInUse());
            } else if (op < 95) {
                if (kept == null && pool.bytesInUse() == 0) {
                    int size = 1 + random.nextInt(MpPool.NODE_SIZE / 2);
                    kept = new Live(pool.allocateKept(size), nextMark++, false);
                    fill(kept);
                }
            } else if (op < 97) {
                if (releaseNodes(pool, arena, live, kept, cleanupsPending[0])) {
                    live.clear();
                    kept = null;
                }
            } else {
                expectedCleanupsRun += cleanupsPending[0];
                pool.destroy();
                assertEquals(expectedCleanupsRun, cleanupsRun[0]);
                live.clear();
                kept = null;
                pool = MpPool.create(arena);
            }
            check(pool, arena, live);
            if (kept != null) {
                checkMark(kept);
            }
            assertEquals(expectedCleanupsRun, cleanupsRun[0], "cleanups run");
        }
        pool.destroy();
    }

    private static void check(MpPool pool, PageArena arena, List<Live> live) {
        pool.checkInvariants();
        PoolStats stats = pool.stats();
        long largeLive = live.stream().filter(Live::large).count();
        long smallBytes = live.stream().filter(l -> !l.large()).mapToLong(l -> l.buffer().capacity()).sum();
        long largeBytes = live.stream().filter(Live::large).mapToLong(l -> l.buffer().capacity()).sum();
        assertEquals(largeLive, stats.largeCount());
        assertEquals(largeBytes, stats.largeBytes());
        assertTrue(stats.bytesInUse() >= smallBytes + largeBytes, "in use covers every live byte");
        assertEquals(stats.nodes().size(), arena.stats().pagesInUse(), "one page per node, nothing else");
        assertEquals(largeLive + pool.cachedCount(), arena.stats().largeBlocksInUse(),
                "live large blocks plus cached ones");
        for (Live l : live) {
            checkMark(l);
        }
        assertFalse(pool.isDestroyed());
    }

    /**
     * Releases the nodes and checks the outcome against the model: declined while a cleanup or a
     * byte other than the kept ones is live, done when nothing is live; with only empty
     * allocations live, either is right (alignment padding may count as in use).
     */
    private static boolean releaseNodes(MpPool pool, PageArena arena, List<Live> live, Live kept, int cleanups) {
        long liveBytes = live.stream().mapToLong(l -> l.buffer().capacity()).sum();
        long pagesBefore = arena.stats().pagesInUse();
        long reservedBefore = pool.bytesReserved();
        boolean released = pool.releaseNodes();
        if (cleanups > 0 || liveBytes > 0) {
            assertFalse(released, "declined with " + cleanups + " cleanups and " + liveBytes + " bytes live");
        } else if (live.isEmpty()) {
            assertTrue(released, "nothing but " + (kept == null ? "nothing" : "the kept bytes") + " live");
        }
        if (released) {
            assertEquals(0, pool.nodeCount());
            assertEquals(0, pool.bytesReserved());
            assertEquals(0, pool.keptBytes());
            assertEquals(0, arena.stats().pagesInUse());
            assertEquals(0, arena.stats().largeBlocksInUse());
        } else {
            assertEquals(pagesBefore, arena.stats().pagesInUse(), "a declined release changes nothing");
            assertEquals(reservedBefore, pool.bytesReserved(), "a declined release changes nothing");
        }
        return released;
    }

    private static void fill(Live allocation) {
        for (int i = 0; i < allocation.buffer().capacity(); i++) {
            allocation.buffer().put(i, allocation.mark());
        }
    }

    private static void checkMark(Live allocation) {
        for (int i = 0; i < allocation.buffer().capacity(); i++) {
            if (allocation.buffer().get(i) != allocation.mark()) {
                throw new AssertionError("allocation " + allocation.mark() + " overwritten at byte " + i);
            }
        }
    }

    /** Mostly small, some around the limits, a few large, now and then one above 1 MiB. */
    private static int size(SplittableRandom random) {
        int kind = random.nextInt(100);
        if (kind < 60) {
            return random.nextInt(256);
        } else if (kind < 80) {
            return random.nextInt(4098);
        } else if (kind < 98) {
            return 4096 + random.nextInt(70_000);
        }
        return (1 << 20) + random.nextInt(10_000);
    }
}
