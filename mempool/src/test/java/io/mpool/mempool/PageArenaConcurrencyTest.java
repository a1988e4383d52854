package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
