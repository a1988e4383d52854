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
 * each filled with its own byte. After every step every invariant is checked and every live
 * allocation must still hold its byte, which catches overlap, premature release and lost memory.
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
            pool.retainOnReset(random.nextInt(5), 1 << random.nextInt(18));
        }
        List<Live> live = new ArrayList<>();
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
                byte mark = nextMark++;
                for (int i = 0; i < size; i++) {
                    buffer.put(i, mark);
                }
                live.add(new Live(buffer, mark, size > pool.max()));
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
            } else if (op < 97) {
                expectedCleanupsRun += cleanupsPending[0];
                pool.reset();
                live.clear();
                assertEquals(0, pool.bytesInUse());
            } else {
                expectedCleanupsRun += cleanupsPending[0];
                pool.destroy();
                assertEquals(expectedCleanupsRun, cleanupsRun[0]);
                live.clear();
                pool = MpPool.create(arena);
            }
            check(pool, arena, live);
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
        assertEquals(largeLive + pool.retainedCount(), arena.stats().largeBlocksInUse(),
                "live large blocks plus retained ones");
        for (Live l : live) {
            for (int i = 0; i < l.buffer().capacity(); i++) {
                if (l.buffer().get(i) != l.mark()) {
                    throw new AssertionError("allocation " + l.mark() + " overwritten at byte " + i);
                }
            }
        }
        assertFalse(pool.isDestroyed());
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
