package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PageArenaTest {

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    @Test
    void pagesArePageSizedAndPageAligned() {
        PageArena arena = leaks.newArena(1 << 20);
        List<ArenaBlock> pages = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ArenaBlock page = arena.takePage();
            assertEquals(PageArena.PAGE_SIZE, page.capacity());
            assertEquals(0, page.buffer().alignmentOffset(0, PageArena.PAGE_SIZE), "page " + i);
            pages.add(page);
        }
        assertEquals(100, arena.stats().pagesInUse());
        pages.forEach(arena::release);
        assertEquals(0, arena.stats().pagesInUse());
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void releasedPagesAreReusedWithoutReservingMore() {
        PageArena arena = leaks.newArena(1 << 20);
        ArenaBlock first = arena.takePage();
        long reserved = arena.stats().reservedBytes();
        arena.release(first);
        for (int i = 0; i < 1000; i++) {
            arena.release(arena.takePage());
        }
        assertEquals(reserved, arena.stats().reservedBytes());
        assertSame(first, arena.takePage(), "LIFO free list returns the page just released");
        arena.release(first);
    }

    @ParameterizedTest(name = "{0} bytes: a {1}-byte block")
    @CsvSource({
        "0, 4096", "1, 4096", "4095, 4096", "4096, 4096", "4097, 8192", "8191, 8192", "8192, 8192",
        "8193, 16384", "16384, 16384", "16385, 20480", "16709, 20480", "20480, 20480", "20481, 24576",
        "28672, 28672", "28673, 32768", "32768, 32768", "32769, 65536", "65535, 65536", "65536, 65536", "65537, 131072",
        "524289, 1048576", "1048575, 1048576", "1048576, 1048576",
    })
    void largeBlocksRoundUpToTheirClassAndArePageAligned(int size, int capacity) {
        PageArena arena = leaks.newArena(4 << 20);
        ArenaBlock block = arena.takeLarge(size);
        assertEquals(capacity, block.capacity());
        assertEquals(0, block.buffer().alignmentOffset(0, PageArena.PAGE_SIZE));
        assertEquals(1, arena.stats().largeBlocksInUse());
        assertEquals(block.capacity(), arena.stats().largeBytesInUse());
        arena.release(block);
        assertEquals(0, arena.stats().largeBytesInUse());
    }

    @Test
    void hugeBlocksAreExactAndGiveTheirReservationBack() {
        PageArena arena = leaks.newArena(8 << 20);
        int size = (1 << 20) + 1;
        ArenaBlock block = arena.takeLarge(size);
        assertEquals(size, block.capacity());
        assertEquals(size, arena.stats().reservedBytes());
        arena.release(block);
        assertEquals(0, arena.stats().reservedBytes());
    }

    @Test
    void failPolicyNamesTheLimitAndTheRequest() {
        PageArena arena = leaks.newArena(2 * PageArena.PAGE_SIZE);
        ArenaBlock a = arena.takePage();
        ArenaBlock b = arena.takePage();
        ArenaExhaustedException e = assertThrows(ArenaExhaustedException.class, arena::takePage);
        assertEquals("page arena exhausted: requested=4096 bytes, reservedBytes=8192, maxBytes=8192"
                + " (raise the arena limit or lower the load)", e.getMessage());
        assertEquals(1, arena.stats().exhaustions());
        assertEquals(0, arena.stats().fallbacks());
        arena.release(a);
        arena.release(b);
        arena.release(arena.takePage()); // service resumes once memory is back
    }

    @Test
    void fallbackPolicyHandsOutCountedUnpooledMemory() {
        PageArena arena = leaks.track(PageArena.builder().maxBytes(2 * PageArena.PAGE_SIZE)
                .policy(ExhaustionPolicy.FALLBACK).debug(DebugOptions.NONE.withLeakTracking(true)).build());
        ArenaBlock pooled = arena.takePage();
        ArenaBlock pooled2 = arena.takePage();
        ArenaBlock fallback = arena.takePage();
        ArenaBlock largeFallback = arena.takeLarge(5000);
        assertTrue(pooled.isPooled());
        assertFalse(fallback.isPooled());
        assertEquals(0, fallback.buffer().alignmentOffset(0, PageArena.PAGE_SIZE));
        assertEquals(8192, largeFallback.capacity());
        ArenaStats stats = arena.stats();
        assertEquals(2, stats.exhaustions());
        assertEquals(2, stats.fallbacks());
        assertEquals(3, stats.pagesInUse());
        assertEquals(0, stats.pagesFree());
        assertEquals(2 * PageArena.PAGE_SIZE, stats.reservedBytes());
        arena.release(fallback);
        arena.release(largeFallback);
        arena.release(pooled);
        arena.release(pooled2);
        assertEquals(2, arena.stats().pagesFree());
        assertEquals(2 * PageArena.PAGE_SIZE, arena.stats().reservedBytes());
    }

    @Test
    void scrubZeroesAReleasedPageBeforeItsNextOwner() {
        PageArena arena = leaks.newArena(1 << 20);
        ArenaBlock page = arena.takePage();
        fillWith(page.buffer(), (byte) 0x5A);
        arena.release(page);
        ArenaBlock again = arena.takePage();
        assertSame(page, again);
        assertAll(again.buffer(), (byte) 0);
        arena.release(again);
    }

    @Test
    void anOwnersPageIsZeroedOnlyWhenAnotherOwnerTakesIt() {
        PageArena arena = leaks.newArena(1 << 20);
        Object connectionA = new Object();
        Object connectionB = new Object();
        ArenaBlock page = arena.takePage(connectionA);
        fillWith(page.buffer(), (byte) 0x5A);
        arena.release(page, connectionA);
        ArenaBlock again = arena.takePage(connectionA);
        assertSame(page, again);
        assertAll(again.buffer(), (byte) 0x5A); // its own bytes: no memset spent
        arena.release(again, connectionA);
        ArenaBlock other = arena.takePage(connectionB);
        assertSame(page, other);
        assertAll(other.buffer(), (byte) 0); // a different owner never sees them
        fillWith(other.buffer(), (byte) 0x33);
        arena.release(other, connectionB);
        ArenaBlock anonymous = arena.takePage();
        assertAll(anonymous.buffer(), (byte) 0); // nor does an anonymous taker
        arena.release(anonymous);
        ArenaBlock large = arena.takeLarge(20_000, connectionA);
        fillWith(large.buffer(), (byte) 0x77);
        arena.release(large, connectionA);
        ArenaBlock largeOther = arena.takeLarge(20_000, connectionB);
        assertAll(largeOther.buffer(), (byte) 0);
        arena.release(largeOther, connectionB);
    }

    @Test
    void withoutScrubAReleasedPageKeepsItsBytes() {
        PageArena arena = leaks.track(PageArena.builder().maxBytes(1 << 20).scrub(false)
                .debug(DebugOptions.NONE).build());
        ArenaBlock page = arena.takePage();
        fillWith(page.buffer(), (byte) 0x5A);
        arena.release(page);
        ArenaBlock again = arena.takePage();
        assertAll(again.buffer(), (byte) 0x5A);
        arena.release(again);
    }

    @Test
    void poisonFillsFreshAndFreedMemory() {
        PageArena arena = leaks.track(PageArena.builder().maxBytes(1 << 20)
                .debug(DebugOptions.NONE.withPoison(true)).build());
        ArenaBlock page = arena.takePage();
        assertAll(page.buffer(), DebugOptions.POISON_FRESH);
        ByteBuffer stale = page.buffer();
        arena.release(page);
        assertAll(stale, DebugOptions.POISON_FREED);
        arena.release(arena.takePage());
    }

    @Test
    void doubleReleaseThrowsAndNeverDuplicatesTheBlockOnTheFreeList() {
        PageArena arena = leaks.newArena(1 << 20);
        ArenaBlock page = arena.takePage();
        arena.release(page);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> arena.release(page));
        assertTrue(e.getMessage().startsWith("double release of page#0"), e.getMessage());
        ArenaBlock a = arena.takePage();
        ArenaBlock b = arena.takePage();
        assertFalse(a == b, "a block released twice was handed out twice");
        arena.release(a);
        arena.release(b);
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void releaseToTheWrongArenaIsRejected() {
        PageArena one = leaks.newArena(1 << 20);
        PageArena other = leaks.newArena(1 << 20);
        ArenaBlock page = one.takePage();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.release(page));
        assertTrue(e.getMessage().contains("expected: a block of this arena"), e.getMessage());
        one.release(page);
    }

    @Test
    void badArgumentsNameTheValue() {
        PageArena arena = leaks.newArena(1 << 20);
        assertEquals("size=-1 (expected: 0..1048576, the arena's maxBytes)",
                assertThrows(IllegalArgumentException.class, () -> arena.takeLarge(-1)).getMessage());
        assertEquals("size=1048577 (expected: 0..1048576, the arena's maxBytes)",
                assertThrows(IllegalArgumentException.class, () -> arena.takeLarge((1 << 20) + 1)).getMessage());
        assertEquals("maxBytes=100 (expected: >= 4096, one page)",
                assertThrows(IllegalArgumentException.class, () -> PageArena.builder().maxBytes(100)).getMessage());
        assertEquals("policy=null (expected: FAIL or FALLBACK)",
                assertThrows(IllegalArgumentException.class, () -> PageArena.builder().policy(null)).getMessage());
    }

    @Test
    void boundHoldsAcrossSizeClassesAndEveryByteIsUsable() {
        // A chunk and a 64 KB chunk cut short by the bound.
        PageArena arena = leaks.newArena(PageArena.CHUNK_SIZE + 65536);
        List<ArenaBlock> taken = new ArrayList<>();
        taken.add(arena.takePage());
        taken.add(arena.takeLarge(65536));
        try {
            while (true) {
                taken.add(arena.takeLarge(8192));
            }
        } catch (ArenaExhaustedException expected) {
            // every 8 KB run is taken; the page's buddy is the only free page left
        }
        taken.add(arena.takePage());
        assertThrows(ArenaExhaustedException.class, arena::takePage);
        assertEquals(arena.maxBytes(), arena.stats().reservedBytes());
        assertEquals(arena.maxBytes(), taken.stream().mapToLong(ArenaBlock::capacity).sum());
        taken.forEach(arena::release);
        arena.checkInvariantsWhenQuiet();
    }

    @Test
    void outstandingListsSitesWhenTrackingIsOn() {
        PageArena arena = leaks.newArena(1 << 20);
        ArenaBlock page = arena.takePage();
        List<OutstandingBlock> outstanding = arena.outstanding();
        assertEquals(1, outstanding.size());
        assertTrue(outstanding.get(0).toString().contains("outstandingListsSitesWhenTrackingIsOn"),
                outstanding.get(0).toString());
        arena.release(page);
        assertTrue(arena.outstanding().isEmpty());
    }

    static void fillWith(ByteBuffer buffer, byte value) {
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, value);
        }
    }

    static void assertAll(ByteBuffer buffer, byte value) {
        for (int i = 0; i < buffer.limit(); i++) {
            if (buffer.get(i) != value) {
                throw new AssertionError("byte " + i + " is " + buffer.get(i) + ", expected " + value);
            }
        }
    }
}
