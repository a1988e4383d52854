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

    @Test
    void aBurstThatWentIdleIsGivenBackDownToTheFloor() {
        List<ArenaBlock> pages = take(64 * MIB);
        assertEquals(0, trim.afterSweep(), "all of it in use: nothing to give back");
        pages.forEach(arena::release);
        long given = trim.afterSweep();
        assertTrue(given >= 64 * MIB - ArenaTrim.KEEP_MIN_BYTES - PageArena.CHUNK_SIZE, "given back: " + given);
        long reserved = arena.stats().reservedBytes();
        assertTrue(reserved >= ArenaTrim.KEEP_MIN_BYTES && reserved <= ArenaTrim.KEEP_MIN_BYTES + PageArena.CHUNK_SIZE,
                "the floor stays reserved: " + reserved);
        assertEquals(0, trim.afterSweep(), "nothing more while nothing changes");
    }

    @Test
    void halfOfWhatIsInUseStaysFreeForTheNextSpike() {
        List<ArenaBlock> pages = take(64 * MIB);
        for (int i = pages.size() / 2; i < pages.size(); i++) {
            arena.release(pages.get(i)); // 32 MiB in use, 32 MiB free
        }
        trim.afterSweep();
        long reserved = arena.stats().reservedBytes();
        assertTrue(reserved >= 32 * MIB + 16 * MIB, "in use plus half of it kept: " + reserved);
        pages.subList(0, pages.size() / 2).forEach(arena::release);
    }

    private List<ArenaBlock> take(long bytes) {
        List<ArenaBlock> pages = new ArrayList<>();
        for (long taken = 0; taken < bytes; taken += PageArena.PAGE_SIZE) {
            pages.add(arena.takePage());
        }
        return pages;
    }
}
