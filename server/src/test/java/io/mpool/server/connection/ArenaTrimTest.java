package io.mpool.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.mempool.ArenaBlock;
import io.mpool.mempool.ArenaLeakCheck;
import io.mpool.mempool.PageArena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sweep's trim: free memory far beyond what is in use goes back to the OS, a working set stays. */
class ArenaTrimTest {
    private static final long MIB = 1 << 20;

    @RegisterExtension
    final ArenaLeakCheck leaks = new ArenaLeakCheck();

    private final PageArena arena = leaks.newArena(256 * MIB);
    private final ArenaTrim trim = new ArenaTrim(arena);
    /** The server's request count at every sweep of a test that serves none. */
    private static final long QUIET = 0;

    @Test
    void aBurstThatWentIdleIsGivenBackDownToTheFloor() {
        List<ArenaBlock> pages = take(64 * MIB);
        assertEquals(0, trim.afterSweep(QUIET), "all of it in use: nothing to give back");
        pages.forEach(arena::release);
        long given = trim.afterSweep(QUIET);
        assertTrue(given >= 64 * MIB - ArenaTrim.KEEP_MIN_BYTES - PageArena.CHUNK_SIZE, "given back: " + given);
        long reserved = arena.stats().reservedBytes();
        assertTrue(reserved >= ArenaTrim.KEEP_MIN_BYTES && reserved <= ArenaTrim.KEEP_MIN_BYTES + PageArena.CHUNK_SIZE,
                "the floor stays reserved: " + reserved);
        assertEquals(0, trim.afterSweep(QUIET), "nothing more while nothing changes");
    }

    @Test
    void halfOfWhatIsInUseStaysFreeForTheNextSpike() {
        List<ArenaBlock> pages = take(64 * MIB);
        for (int i = pages.size() / 2; i < pages.size(); i++) {
            arena.release(pages.get(i)); // 32 MiB in use, 32 MiB free
        }
        trim.afterSweep(QUIET);
        long reserved = arena.stats().reservedBytes();
        assertTrue(reserved >= 32 * MIB + 16 * MIB, "in use plus half of it kept: " + reserved);
        pages.subList(0, pages.size() / 2).forEach(arena::release);
    }

    /**
     * Under load the sweep releases idle connections that take memory again a second later: what
     * was in use at the recent sweeps stays reserved, so their next requests find it in the arena
     * instead of in new chunks the JVM zeroes and the kernel faults in. Once quiet, it goes back.
     */
    @Test
    void whileRequestsComeTheRecentPeakStaysReservedAndGoesBackOnceQuiet() {
        List<ArenaBlock> pages = take(64 * MIB);
        assertEquals(0, trim.afterSweep(1), "all of it in use");
        pages.forEach(arena::release);
        assertEquals(0, trim.afterSweep(2), "requests came since the last sweep: the recent peak stays");
        assertEquals(0, arena.stats().trims());
        assertTrue(arena.stats().reservedBytes() >= 64 * MIB, "reserved: " + arena.stats().reservedBytes());
        assertTrue(trim.afterSweep(2) > 0, "no request since the last sweep: given back at once");
        assertEquals(1, arena.stats().trims());
    }

    /** Under steady load a spike's memory is kept for the window's sweeps, then given back. */
    @Test
    void underSteadyLoadASpikeIsGivenBackAfterTheWindow() {
        List<ArenaBlock> pages = take(64 * MIB);
        trim.afterSweep(1);
        pages.forEach(arena::release);
        for (int requests = 2; requests <= ArenaTrim.BUSY_WINDOW_SWEEPS; requests++) {
            assertEquals(0, trim.afterSweep(requests), "sweep " + requests + " of the window");
        }
        long given = trim.afterSweep(ArenaTrim.BUSY_WINDOW_SWEEPS + 1);
        assertTrue(given >= 64 * MIB - ArenaTrim.KEEP_MIN_BYTES - PageArena.CHUNK_SIZE, "given back: " + given);
    }

    private List<ArenaBlock> take(long bytes) {
        List<ArenaBlock> pages = new ArrayList<>();
        for (long taken = 0; taken < bytes; taken += PageArena.PAGE_SIZE) {
            pages.add(arena.takePage());
        }
        return pages;
    }
}
