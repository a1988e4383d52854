package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code reset()} allocates nothing on the heap once warm, and the arena's take/release nothing
 * per operation: the garbage collector stays off the hot path. Measured with the thread's allocated-bytes counter
 * (an allocation count, not a timing).
 */
class MpPoolAllocationTest {

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    @Test
    void resetAndArenaTakeReleaseAllocateNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean,
                "no allocation counter on this JVM");
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "allocation counting disabled");
        PageArena arena = leaks.track(PageArena.builder().maxBytes(16 << 20).debug(DebugOptions.NONE).build());
        try (MpPool pool = MpPool.create(arena)) {
            long resetBytes = 0;
            long arenaBytes = 0;
            for (int i = 0; i < 20_000; i++) { // warm: the first rounds include JIT and chunk reservation
                for (int j = 0; j < 20; j++) {
                    pool.allocate(100 + j);
                }
                pool.allocate(16384);
                pool.allocate(5000);
                long before = threads.getCurrentThreadAllocatedBytes();
                pool.reset();
                long afterReset = threads.getCurrentThreadAllocatedBytes();
                arena.release(arena.takePage());
                arena.release(arena.takeLarge(16384, this), this);
                long afterArena = threads.getCurrentThreadAllocatedBytes();
                if (i >= 10_000) {
                    resetBytes += afterReset - before;
                    arenaBytes += afterArena - afterReset;
                }
            }
            // Per operation nothing: an object per reset or per pair would be 10,000 x 16 bytes at
            // least. A rare one-off (48 bytes once in 10,000 arena pairs, 192 bytes once in 10,000
            // resets during a full build: JIT or a counter cell) is not garbage on the hot path.
            assertTrue(resetBytes < 10_000, "bytes allocated by 10,000 warm resets: " + resetBytes);
            assertTrue(arenaBytes < 10_000, "bytes allocated by 10,000 warm arena take/release pairs: " + arenaBytes);
        }
    }
}
