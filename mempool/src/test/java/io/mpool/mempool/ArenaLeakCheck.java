package io.mpool.mempool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that fails a test which leaves arena memory outstanding, listing each block
 * and where it was taken. Register it as a field and create (or track) every arena through it:
 *
 * <pre>
 * &#64;RegisterExtension final ArenaLeakCheck leaks = new ArenaLeakCheck();
 * ...
 * PageArena arena = leaks.newArena(1 &lt;&lt; 20);
 * </pre>
 *
 * Arenas made by {@link #newArena} track leak sites, so a failure says who took the memory.
 */
public final class ArenaLeakCheck implements AfterEachCallback {

    private final List<PageArena> arenas = new CopyOnWriteArrayList<>();
    private Duration grace = Duration.ZERO;

    /** An arena with leak tracking and paranoid checks on, checked after the test. */
    public PageArena newArena(long maxBytes) {
        return track(PageArena.builder().maxBytes(maxBytes)
                .debug(DebugOptions.NONE.withLeakTracking(true).withParanoid(true)).build());
    }

    /** Checks {@code arena} after the test. */
    public PageArena track(PageArena arena) {
        arenas.add(arena);
        return arena;
    }

    /**
     * Lets memory come back asynchronously (e.g. a server closing connections on its IO threads)
     * for up to {@code grace} before the check fails. The wait ends as soon as the count is zero.
     */
    public ArenaLeakCheck withGrace(Duration grace) {
        this.grace = grace;
        return this;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        try {
            verifyNoOutstanding();
        } finally {
            arenas.clear();
        }
    }

    /** Throws {@link AssertionError} naming every outstanding block of every tracked arena. */
    public void verifyNoOutstanding() throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        for (PageArena arena : arenas) {
            while (arena.stats().outstandingBlocks() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            ArenaStats stats = arena.stats();
            if (stats.outstandingBlocks() != 0) {
                String sites = arena.outstanding().stream().map(Object::toString)
                        .collect(Collectors.joining("\n"));
                throw new AssertionError("arena memory leaked by the test: " + stats + "\n" + sites);
            }
        }
    }
}
