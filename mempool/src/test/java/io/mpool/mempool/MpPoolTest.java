package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MpPoolTest {

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    private final PageArena arena = leaks.newArena(16 << 20);

    // ---- sizes and alignment ----

    @ParameterizedTest(name = "allocate({0})")
    @ValueSource(ints = {0, 1, MpPool.DEFAULT_MAX - 1, MpPool.DEFAULT_MAX, MpPool.DEFAULT_MAX + 1, 4096, 4097, 65536})
    void everyAllocateKindReturnsExactlySizeBytes(int size) {
        try (MpPool pool = MpPool.create(arena)) {
            List<ByteBuffer> buffers = List.of(pool.allocate(size), pool.allocateUnaligned(size),
                    pool.allocateZeroed(size), pool.allocateAligned(size, 64));
            for (ByteBuffer buffer : buffers) {
                assertEquals(0, buffer.position());
                assertEquals(size, buffer.limit());
                assertEquals(size, buffer.capacity());
                assertTrue(buffer.isDirect());
            }
            assertEquals(0, buffers.get(0).alignmentOffset(0, MpPool.ALIGNMENT));
            assertEquals(0, buffers.get(3).alignmentOffset(0, 64));
            PoolStats stats = pool.stats();
            boolean small = size <= MpPool.DEFAULT_MAX;
            assertEquals(small ? 4 : 0, stats.smallAllocations());
            assertEquals(small ? 0 : 4, stats.largeAllocations());
            assertEquals(4L * size, stats.bytesRequested());
            assertEquals(small ? 0 : 4, stats.largeCount());
        }
    }

    @ParameterizedTest(name = "alignment {0}")
    @ValueSource(ints = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096})
    void allocateAlignedAlignsTheNativeAddress(int alignment) {
        try (MpPool pool = MpPool.create(arena)) {
            pool.allocateUnaligned(3); // knock last off any boundary
            for (int size : new int[] {1, 7, 100, 4000, 5000}) {
                ByteBuffer buffer = pool.allocateAligned(size, alignment);
                assertEquals(0, buffer.alignmentOffset(0, alignment), "size " + size);
            }
        }
    }

    @Test
    void smallAllocationsBumpLastAndAlignTo8() {
        try (MpPool pool = MpPool.create(arena)) {
            pool.allocateUnaligned(3);
            pool.allocate(10); // starts at 8
            pool.allocateUnaligned(1); // starts at 18, unaligned
            PoolStats.NodeStats head = pool.stats().nodes().get(0);
            assertEquals(19, head.used());
            assertEquals(4096 - 19, head.free());
            assertEquals(19, pool.bytesInUse());
        }
    }

    @Test
    void allocationsDoNotOverlap() {
        try (MpPool pool = MpPool.create(arena)) {
            List<ByteBuffer> buffers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                ByteBuffer b = pool.allocateUnaligned(1 + (i * 37) % 900);
                for (int j = 0; j < b.limit(); j++) {
                    b.put(j, (byte) i);
                }
                buffers.add(b);
            }
            for (int i = 0; i < buffers.size(); i++) {
                ByteBuffer b = buffers.get(i);
                for (int j = 0; j < b.limit(); j++) {
                    assertEquals((byte) i, b.get(j), "allocation " + i + " byte " + j);
                }
            }
        }
    }

    @Test
    void allocateZeroedZeroesMemoryDirtiedBeforeAReset() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer dirty = pool.allocate(4000);
            PageArenaTest.fillWith(dirty, (byte) 0x33);
            pool.reset();
            PageArenaTest.assertAll(pool.allocateZeroed(4000), (byte) 0);
        }
    }

    // ---- nginx's failed/current rule, step by step ----

    @Test
    void failedCountsAndCurrentFollowNgxPallocBlock() {
        try (MpPool pool = MpPool.create(arena)) {
            // Each 4000-byte allocation fills a node, so each one after the first adds a node and
            // every node from current to the one before the old tail gets failed++.
            int[][] expectedFailed = {
                {0},
                {0, 0},                      // the old tail is not counted (ngx_palloc_block)
                {1, 0, 0},
                {2, 1, 0, 0},
                {3, 2, 1, 0, 0},
                {4, 3, 2, 1, 0, 0},
                {5, 4, 3, 2, 1, 0, 0},       // node 0 had 4: not > FAILED_LIMIT, current stays
                {6, 5, 4, 3, 2, 1, 0, 0},    // node 0 had 5 > 4: current moves to node 1
                {6, 6, 5, 4, 3, 2, 1, 0, 0}, // node 0 is no longer searched or counted
            };
            int[] expectedCurrent = {0, 0, 0, 0, 0, 0, 0, 1, 2};
            for (int step = 0; step < expectedFailed.length; step++) {
                pool.allocate(4000);
                PoolStats stats = pool.stats();
                assertEquals(expectedFailed[step].length, stats.nodes().size(), "step " + step);
                int[] failed = stats.nodes().stream().mapToInt(PoolStats.NodeStats::failed).toArray();
                assertEquals(Arrays.toString(expectedFailed[step]), Arrays.toString(failed),
                        "failed counts after allocation " + (step + 1));
                assertEquals(expectedCurrent[step], stats.currentNodeIndex(), "current after " + (step + 1));
            }
            // A small request that node 0 could still serve (96 bytes free) goes to current instead.
            pool.allocateUnaligned(50);
            PoolStats stats = pool.stats();
            assertEquals(4000, stats.nodes().get(0).used());
            assertEquals(4000, stats.nodes().get(1).used());
            assertEquals(4050, stats.nodes().get(2).used());
            assertEquals(9, arena.stats().pagesInUse());
        }
    }

    @Test
    void resetRewindsEveryNodeZeroesFailedAndKeepsThePages() {
        try (MpPool pool = MpPool.create(arena)) {
            IntStream.range(0, 9).forEach(i -> pool.allocate(4000));
            pool.allocate(100_000);
            assertEquals(1, arena.stats().largeBlocksInUse());
            pool.reset();
            PoolStats stats = pool.stats();
            assertEquals(0, stats.currentNodeIndex());
            assertEquals(9, stats.nodes().size());
            stats.nodes().forEach(n -> {
                assertEquals(0, n.used());
                assertEquals(0, n.failed());
            });
            assertEquals(0, stats.large().size());
            assertEquals(0, stats.bytesInUse());
            assertEquals(1, stats.resets());
            assertEquals(9, arena.stats().pagesInUse(), "nodes are kept for the next request");
            assertEquals(0, arena.stats().largeBlocksInUse(), "large blocks go back at reset");
            long reserved = arena.stats().reservedBytes();
            IntStream.range(0, 9).forEach(i -> pool.allocate(4000));
            assertEquals(9, arena.stats().pagesInUse(), "a reset pool reuses its nodes");
            assertEquals(reserved, arena.stats().reservedBytes());
        }
    }

    @Test
    void aResetAfterACycleThatTookNothingStillCountsAndTheNextCycleIsRewound() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer kept = pool.allocateKept(2048);
            pool.reset();
            pool.reset(); // nothing taken in between: only counted
            assertEquals(2, pool.stats().resets());
            assertEquals(2048, pool.bytesInUse(), "the kept bytes stay");
            pool.allocate(100);
            pool.allocate(100_000);
            pool.reset();
            pool.reset();
            pool.allocate(100);
            assertEquals(2048 + 100, pool.stats().nodes().get(0).used(), "rewound to just past the kept bytes");
            assertEquals(0, arena.stats().largeBlocksInUse());
            assertEquals(2048, kept.capacity());
            pool.checkInvariants();
        }
    }

    @Test
    void aCleanupAloneMakesTheNextResetRunIt() {
        try (MpPool pool = MpPool.create(arena)) {
            pool.reset();
            List<String> ran = new ArrayList<>();
            pool.addCleanup(() -> ran.add("cleanup"));
            pool.reset();
            assertEquals(List.of("cleanup"), ran);
            pool.reset();
            assertEquals(List.of("cleanup"), ran, "once");
        }
    }

    @Test
    void anAllocationTheArenaRefusedIsStillRewoundByTheNextReset() {
        PageArena tiny = leaks.newArena(PageArena.PAGE_SIZE);
        try (MpPool pool = MpPool.create(tiny)) {
            pool.reset(); // nothing taken: the fast way
            pool.allocate(100);
            assertThrows(ArenaExhaustedException.class, () -> pool.allocate(4000)); // needs a second node
            pool.reset();
            assertEquals(0, pool.bytesInUse());
            assertEquals(4000, pool.allocate(4000).capacity(), "the head node is whole again");
            pool.checkInvariants();
        }
    }

    // ---- large list ----

    @Test
    void emptyLargeSlotsAmongTheFirstFiveEntriesAreReused() {
        try (MpPool pool = MpPool.create(arena)) {
            List<ByteBuffer> large = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                large.add(pool.allocate(5000 + i)); // list, newest first: 5005 5004 5003 5002 5001 5000
            }
            assertTrue(pool.free(large.get(1))); // 5001: the 5th entry
            assertEquals(6, pool.stats().large().size());
            pool.allocate(6000);
            assertEquals(List.of(5005, 5004, 5003, 5002, 6000, 5000), sizes(pool), "5th entry's slot reused");

            assertTrue(pool.free(large.get(0))); // 5000: the 6th entry, beyond the scan
            pool.allocate(7000);
            assertEquals(List.of(7000, 5005, 5004, 5003, 5002, 6000, 0), sizes(pool), "6th entry not scanned");
            assertEquals(6, arena.stats().largeBlocksInUse());
        }
    }

    @Test
    void freeReleasesLargeNowAndDeclinesSmall() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer small = pool.allocate(100);
            ByteBuffer large = pool.allocate(10_000);
            assertFalse(pool.free(small));
            assertTrue(pool.free(large));
            assertEquals(0, arena.stats().largeBlocksInUse());
            assertEquals(100, pool.bytesInUse());
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> pool.free(large));
            assertTrue(twice.getMessage().contains("not a live large allocation"), twice.getMessage());
            assertTrue(twice.getMessage().contains(pool.name()), twice.getMessage());
        }
    }

    @Test
    void aBufferFreedByResetCannotBeFreedAgain() {
        try (MpPool pool = MpPool.create(arena)) {
            ByteBuffer large = pool.allocate(10_000);
            pool.reset();
            assertThrows(IllegalStateException.class, () -> pool.free(large));
        }
    }

    @Test
    void cacheOnResetKeepsAFewBlocksForThisPoolOnly() {
        try (MpPool pool = MpPool.create(arena).cacheOnReset(2, 16384)) {
            ByteBuffer first = pool.allocate(10_000);
            pool.allocate(10_000);
            pool.allocate(10_000);
            pool.allocate(50_000); // 64 KB class: above the byte limit, never cached
            assertEquals(4, arena.stats().largeBlocksInUse());
            PageArenaTest.fillWith(first, (byte) 0x42);
            pool.reset();
            assertEquals(2, pool.cachedCount());
            assertEquals(2, pool.stats().cachedBlocks());
            assertEquals(2, arena.stats().largeBlocksInUse(), "two kept, two given back");
            assertEquals(4096 + 2 * 16384, pool.bytesReserved());
            assertEquals(0, pool.bytesInUse());
            assertEquals(0, pool.stats().largeCount());
            pool.allocate(12_000); // same class: a cached block, no arena traffic
            assertEquals(1, pool.cachedCount());
            assertEquals(2, arena.stats().largeBlocksInUse());
            pool.allocate(5_000); // 8 KB class: none cached, from the arena
            assertEquals(3, arena.stats().largeBlocksInUse());
            assertEquals(1, pool.releaseCached());
            assertEquals(2, arena.stats().largeBlocksInUse());
            pool.checkInvariants();
        }
        assertEquals(0, arena.stats().outstandingBlocks(), "destroy gives cached blocks back too");
    }

    @Test
    void cacheOnResetRejectsBadLimits() {
        try (MpPool pool = MpPool.create(arena, MpPool.DEFAULT_MAX, "p")) {
            assertEquals("maxBlocks=65 (expected: 0..64)",
                    assertThrows(IllegalArgumentException.class, () -> pool.cacheOnReset(65, 1)).getMessage());
            assertEquals("maxBlocks=-1 (expected: 0..64)",
                    assertThrows(IllegalArgumentException.class, () -> pool.cacheOnReset(-1, 1)).getMessage());
            assertEquals("maxBlockBytes=-1 (expected: >= 0)",
                    assertThrows(IllegalArgumentException.class, () -> pool.cacheOnReset(1, -1)).getMessage());
        }
    }

    // ---- cleanups ----

    @Test
    void cleanupsRunNewestFirstAtResetAndDestroyAndOnlyOnce() {
        List<String> ran = new ArrayList<>();
        MpPool pool = MpPool.create(arena);
        pool.addCleanup(() -> ran.add("a"));
        pool.addCleanup(() -> ran.add("b"));
        pool.addCleanup(() -> ran.add("c"));
        assertEquals(3, pool.stats().cleanupCount());
        pool.reset();
        assertEquals(List.of("c", "b", "a"), ran);
        assertEquals(0, pool.stats().cleanupCount());
        pool.reset();
        assertEquals(3, ran.size(), "cleared after running");
        pool.addCleanup(() -> ran.add("d"));
        pool.destroy();
        assertEquals(List.of("c", "b", "a", "d"), ran);
    }

    @Test
    void aFailingCleanupDoesNotStopTheResetOrTheOtherCleanups() {
        List<String> ran = new ArrayList<>();
        try (MpPool pool = MpPool.create(arena)) {
            pool.allocate(10_000);
            pool.addCleanup(() -> ran.add("first"));
            pool.addCleanup(() -> {
                throw new IllegalStateException("boom");
            });
            pool.addCleanup(() -> ran.add("last"));
            RuntimeException e = assertThrows(IllegalStateException.class, pool::reset);
            assertEquals("boom", e.getMessage());
            assertEquals(List.of("last", "first"), ran);
            assertEquals(0, pool.bytesInUse());
            assertEquals(0, arena.stats().largeBlocksInUse());
        }
    }

    // ---- destroy ----

    @Test
    void destroyReturnsEveryPageAndBlock() {
        MpPool pool = MpPool.create(arena);
        IntStream.range(0, 20).forEach(i -> pool.allocate(3000));
        pool.allocate(70_000);
        pool.allocate(2_000_000);
        assertTrue(arena.stats().pagesInUse() > 1);
        pool.destroy();
        assertEquals(0, arena.stats().outstandingBlocks());
        assertTrue(pool.isDestroyed());
        assertEquals(0, pool.bytesReserved());
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void anyUseAfterDestroyThrowsNamingThePool() {
        MpPool pool = MpPool.create(arena, MpPool.DEFAULT_MAX, "conn-42");
        ByteBuffer large = pool.allocate(10_000);
        pool.destroy();
        String expected = "conn-42 is destroyed";
        assertEquals(expected, assertThrows(IllegalStateException.class, () -> pool.allocate(1)).getMessage());
        assertEquals(expected, assertThrows(IllegalStateException.class, pool::reset).getMessage());
        assertEquals(expected, assertThrows(IllegalStateException.class, pool::destroy).getMessage());
        assertEquals(expected, assertThrows(IllegalStateException.class, () -> pool.free(large)).getMessage());
        assertEquals(expected, assertThrows(IllegalStateException.class, () -> pool.addCleanup(() -> { })).getMessage());
        pool.close(); // idempotent, for try-with-resources
    }

    @Test
    void exhaustionAtCreateOrAllocateLeavesNothingBehind() {
        PageArena tiny = leaks.newArena(PageArena.PAGE_SIZE);
        try (MpPool pool = MpPool.create(tiny)) {
            pool.allocate(4000); // fits the head node
            assertThrows(ArenaExhaustedException.class, () -> pool.allocate(4000)); // needs a second node
            assertThrows(ArenaExhaustedException.class, () -> pool.allocate(4096)); // large path
            assertThrows(ArenaExhaustedException.class, () -> MpPool.create(tiny));
            pool.checkInvariants();
        }
    }

    // ---- bad arguments ----

    @Test
    void badArgumentsNameTheValueAndTheExpectation() {
        try (MpPool pool = MpPool.create(arena, MpPool.DEFAULT_MAX, "p")) {
            assertEquals("size=-1 (expected: 0..16777216, the arena's maxBytes) in p",
                    assertThrows(IllegalArgumentException.class, () -> pool.allocate(-1)).getMessage());
            assertEquals("size=16777217 (expected: 0..16777216, the arena's maxBytes) in p",
                    assertThrows(IllegalArgumentException.class, () -> pool.allocateZeroed(16777217)).getMessage());
            for (int alignment : new int[] {0, -8, 3, 24, 8192}) {
                assertEquals("alignment=" + alignment + " (expected: a power of two in 1..4096)",
                        assertThrows(IllegalArgumentException.class, () -> pool.allocateAligned(8, alignment)).getMessage());
            }
            assertEquals("buffer=null (expected: a buffer of p)",
                    assertThrows(IllegalArgumentException.class, () -> pool.free(null)).getMessage());
            assertEquals("cleanup=null (expected: a Runnable) in p",
                    assertThrows(IllegalArgumentException.class, () -> pool.addCleanup(null)).getMessage());
        }
        assertEquals("max=4097 (expected: 0..4096)",
                assertThrows(IllegalArgumentException.class, () -> MpPool.create(arena, 4097)).getMessage());
        assertEquals("max=-1 (expected: 0..4096)",
                assertThrows(IllegalArgumentException.class, () -> MpPool.create(arena, -1)).getMessage());
        assertEquals("arena=null (expected: a PageArena)",
                assertThrows(IllegalArgumentException.class, () -> MpPool.create(null)).getMessage());
    }

    // ---- stats ----

    @Test
    void statsAccountForRequestedReservedAndHighWater() {
        try (MpPool pool = MpPool.create(arena)) {
            pool.allocateUnaligned(100);
            pool.allocate(20_000);
            PoolStats stats = pool.stats();
            assertEquals(20_100, stats.bytesRequested());
            assertEquals(20_100, stats.bytesInUse());
            assertEquals(4096 + 20480, stats.bytesReserved()); // 20,000 bytes: a 20 KB block (5 pages)
            assertEquals(List.of(new PoolStats.LargeStats(20_000, 20480, true)), stats.large());
            pool.reset();
            pool.allocateUnaligned(10);
            stats = pool.stats();
            assertEquals(20_100, stats.highWaterBytes(), "high water survives the reset");
            assertEquals(10, stats.bytesInUse());
            assertEquals(20_110, stats.bytesRequested());
            assertTrue(stats.toString().startsWith("name=" + pool.name() + " nodes=1 current=0"), stats.toString());
        }
    }

    // ---- debug modes ----

    @Test
    void noPoolingGivesEveryAllocationItsOwnExactBuffer() {
        // Two chunks: the head node's page reserves one, the uncached blocks need room beside it.
        PageArena debugArena = leaks.track(PageArena.builder().maxBytes(2 * PageArena.CHUNK_SIZE)
                .debug(DebugOptions.NONE.withNoPooling(true).withParanoid(true)).build());
        try (MpPool pool = MpPool.create(debugArena)) {
            ByteBuffer a = pool.allocate(10);
            ByteBuffer b = pool.allocate(10);
            assertEquals(2, pool.stats().largeAllocations());
            assertEquals(0, pool.stats().smallAllocations());
            assertThrows(IndexOutOfBoundsException.class, () -> a.put(10, (byte) 1), "overrun hits a bound");
            assertTrue(pool.free(b));
            assertEquals(1, debugArena.stats().largeBlocksInUse());
            pool.reset();
            assertEquals(0, debugArena.stats().largeBlocksInUse());
            assertEquals(1, debugArena.stats().pagesInUse(), "only the head node stays");
            assertEquals(PageArena.CHUNK_SIZE, debugArena.stats().reservedBytes(), "uncached blocks gave their bytes back");
        }
    }

    @Test
    void poisonMarksFreshAndResetMemory() {
        PageArena debugArena = leaks.track(PageArena.builder().maxBytes(1 << 20)
                .debug(DebugOptions.NONE.withPoison(true)).build());
        try (MpPool pool = MpPool.create(debugArena)) {
            ByteBuffer small = pool.allocate(100);
            PageArenaTest.assertAll(small, DebugOptions.POISON_FRESH);
            PageArenaTest.fillWith(small, (byte) 1);
            ByteBuffer large = pool.allocate(10_000);
            PageArenaTest.assertAll(large, DebugOptions.POISON_FRESH);
            PageArenaTest.fillWith(large, (byte) 1);
            pool.reset();
            PageArenaTest.assertAll(small, DebugOptions.POISON_FREED);
            PageArenaTest.assertAll(large, DebugOptions.POISON_FREED);
        }
    }

    @Test
    void poolsShareTheArenaButNotMemory() {
        try (MpPool one = MpPool.create(arena); MpPool two = MpPool.create(arena)) {
            ByteBuffer a = one.allocate(4000);
            ByteBuffer b = two.allocate(4000);
            PageArenaTest.fillWith(a, (byte) 1);
            PageArenaTest.fillWith(b, (byte) 2);
            PageArenaTest.assertAll(a, (byte) 1);
            assertEquals(2, arena.stats().pagesInUse());
            assertSame(arena, one.arena());
        }
    }

    private static List<Integer> sizes(MpPool pool) {
        return pool.stats().large().stream().map(PoolStats.LargeStats::size).toList();
    }
}
