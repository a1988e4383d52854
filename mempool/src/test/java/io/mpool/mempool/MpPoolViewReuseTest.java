package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.InvalidMarkException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pool hands the views of one request cycle out again in the next one (after a reset), so a
 * repeating cycle creates no {@link ByteBuffer} garbage; never after a free, never in no-pooling
 * mode. Garbage is measured with the thread's allocated-bytes counter (a count, not a timing).
 */
class MpPoolViewReuseTest {
    /** One request: small allocations, two large ones (the benchmarks' request shape, shortened). */
    private static final int[] CYCLE = {16, 24, 200, 8, 4096, 16384};

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();
    private final PageArena arena = leaks.newArena(16 << 20);

    @Test
    void theSameCycleAfterAResetGetsTheSameViewsBackClearedAndBigEndian() {
        try (MpPool pool = MpPool.create(arena)) {
            List<ByteBuffer> first = cycle(pool);
            for (ByteBuffer buffer : first) {
                buffer.order(ByteOrder.LITTLE_ENDIAN).position(1).limit(2).mark();
            }
            pool.reset();
            List<ByteBuffer> second = cycle(pool);
            for (int i = 0; i < CYCLE.length; i++) {
                ByteBuffer buffer = second.get(i);
                assertSame(first.get(i), buffer, "allocation " + i + " of " + CYCLE[i] + " bytes");
                assertEquals(0, buffer.position());
                assertEquals(CYCLE[i], buffer.limit());
                assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
                assertThrows(InvalidMarkException.class, buffer::reset, "the mark is gone");
            }
            pool.checkInvariants();
        }
    }

    @Test
    void aCycleThatDiffersGetsFreshViewsWhereOffsetOrSizeDiffer() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer a = pool.allocate(16);
            ByteBuffer b = pool.allocate(100);
            ByteBuffer c = pool.allocate(10_000);
            pool.reset();
            ByteBuffer a2 = pool.allocate(24); // same offset, other size
            ByteBuffer b2 = pool.allocate(100); // same size, other offset (24 instead of 16)
            ByteBuffer c2 = pool.allocate(9_000); // same block, other size
            assertNotSame(a, a2);
            assertNotSame(b, b2);
            assertNotSame(c, c2);
            assertEquals(24, a2.capacity());
            assertEquals(100, b2.capacity());
            assertEquals(9_000, c2.capacity());
            b2.put(0, (byte) 7);
            assertEquals(7, b2.get(0));
        }
    }

    @Test
    void aFreedLargeBufferIsNeverHandedOutAgainSoASecondFreeIsCaught() {
        try (MpPool pool = MpPool.create(arena, MpPool.DEFAULT_MAX, "p")) {
            ByteBuffer first = pool.allocate(10_000);
            pool.reset();
            ByteBuffer freed = pool.allocate(10_000);
            assertSame(first, freed, "reused across the reset");
            assertTrue(pool.free(freed));
            ByteBuffer next = pool.allocate(10_000); // the same slot and, LIFO, the same block
            assertNotSame(freed, next, "a freed view is not handed out again");
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> pool.free(freed));
            assertTrue(twice.getMessage().startsWith("free of " + freed + " in p: not a live large allocation"),
                    twice.getMessage());
            assertEquals(1, pool.largeCount(), "the second free did not take the live allocation");
        }
    }

    @Test
    void noPoolingNeverHandsAViewOutTwice() {
        PageArena debugArena = leaks.track(PageArena.builder().maxBytes(2 * PageArena.CHUNK_SIZE)
                .debug(DebugOptions.NONE.withNoPooling(true)).build());
        try (MpPool pool = MpPool.create(debugArena)) {
            ByteBuffer small = pool.allocate(16);
            ByteBuffer large = pool.allocate(10_000);
            pool.reset();
            assertNotSame(small, pool.allocate(16));
            assertNotSame(large, pool.allocate(10_000));
        }
    }

    @Test
    void viewsPastTheRecycledLimitAreFreshAndCorrect() {
        try (MpPool pool = MpPool.create(arena)) {
            List<ByteBuffer> first = new ArrayList<>();
            for (int i = 0; i < Node.RECYCLED_VIEWS + 3; i++) {
                first.add(pool.allocateUnaligned(1));
            }
            pool.reset();
            for (int i = 0; i < Node.RECYCLED_VIEWS + 3; i++) {
                ByteBuffer buffer = pool.allocateUnaligned(1);
                buffer.put(0, (byte) i);
                if (i < Node.RECYCLED_VIEWS) {
                    assertSame(first.get(i), buffer, "view " + i);
                } else {
                    assertNotSame(first.get(i), buffer, "view " + i + " is past the limit");
                }
                assertEquals((byte) i, first.get(i).get(0), "view " + i + " is at offset " + i);
            }
        }
    }

    @Test
    void aWarmRepeatingRequestCycleAllocatesNothingOnTheHeap() {
        ThreadMXBean threads = allocationCounter();
        PageArena quiet = leaks.track(PageArena.builder().maxBytes(16 << 20).debug(DebugOptions.NONE).build());
        try (MpPool pool = MpPool.create(quiet)) {
            long bytes = 0;
            for (int i = 0; i < 20_000; i++) { // warm: the first rounds include JIT and chunk reservation
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int size : CYCLE) {
                    pool.allocate(size);
                }
                if (i % 8 == 0) {
                    pool.allocate(65536);
                }
                pool.reset();
                long after = threads.getCurrentThreadAllocatedBytes();
                if (i >= 10_000) {
                    bytes += after - before;
                }
            }
            // A view is a 64-byte object: one per allocation would be 10,000 x 6 x 64 bytes. A
            // rare one-off (JIT, a counter cell) is not garbage on the hot path.
            assertTrue(bytes < 10_000, "bytes allocated by 10,000 warm request cycles: " + bytes);
        }
    }

    private static List<ByteBuffer> cycle(MpPool pool) {
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int size : CYCLE) {
            buffers.add(pool.allocate(size));
        }
        return buffers;
    }

    private static ThreadMXBean allocationCounter() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean, "no allocation counter on this JVM");
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "allocation counting disabled");
        return threads;
    }
}
