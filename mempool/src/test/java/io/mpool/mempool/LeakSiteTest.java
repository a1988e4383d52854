package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LeakSiteTest {
    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    @Test
    void outstandingBlocksAreGroupedByWhereTheyWereTakenMostFirst() {
        PageArena arena = leaks.newArena(1 << 20);
        List<ArenaBlock> taken = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            taken.add(takeAPageHere(arena));
        }
        taken.add(takeALargeBlockHere(arena));

        List<LeakSite> sites = arena.leakSites(10);
        assertEquals(2, sites.size(), sites.toString());
        assertEquals(3, sites.get(0).blocks());
        assertEquals(3 * PageArena.PAGE_SIZE, sites.get(0).bytes());
        assertTrue(sites.get(0).takenAt().get(0).startsWith(LeakSiteTest.class.getName() + ".takeAPageHere(LeakSiteTest.java:"),
                sites.get(0).takenAt().toString());
        assertEquals(1, sites.get(1).blocks());
        assertEquals(16384, sites.get(1).bytes());
        assertTrue(sites.get(1).takenAt().get(0).startsWith(LeakSiteTest.class.getName() + ".takeALargeBlockHere("),
                sites.get(1).takenAt().toString());
        assertTrue(sites.get(0).takenAt().size() <= LeakSite.FRAMES_PER_SITE);
        assertEquals(1, arena.leakSites(1).size(), "the top site only");

        String report = LeakSite.report(arena, 1);
        assertTrue(report.startsWith("\n4 block(s) outstanding, by where they were taken (at most 1 sites):\n"
                + "  3 block(s), 12288 bytes, taken at\n\t" + LeakSiteTest.class.getName() + ".takeAPageHere("), report);

        taken.forEach(arena::release);
        assertEquals(List.of(), arena.leakSites(10));
        assertEquals("", LeakSite.report(arena, 10), "nothing outstanding, nothing to report");
    }

    @Test
    void withoutLeakTrackingNoSiteIsKnownAndTheReportSaysHowToRecordThem() {
        PageArena arena = leaks.track(PageArena.builder().maxBytes(1 << 20).debug(DebugOptions.NONE).build());
        ArenaBlock page = arena.takePage();
        assertEquals(List.of(), arena.leakSites(10));
        assertEquals("\n1 block(s) outstanding; where they were taken is recorded with --debug leak-tracking"
                + " (-Dmpool.debug.leakTracking=true)", LeakSite.report(arena, 10));
        arena.release(page);
    }

    @Test
    void aNegativeTopIsRefusedByName() {
        PageArena arena = leaks.newArena(1 << 20);
        assertEquals("top=-1 (expected: 0 or more sites)",
                assertThrows(IllegalArgumentException.class, () -> arena.leakSites(-1)).getMessage());
    }

    private static ArenaBlock takeAPageHere(PageArena arena) {
        return arena.takePage();
    }

    private static ArenaBlock takeALargeBlockHere(PageArena arena) {
        return arena.takeLarge(16384);
    }
}
