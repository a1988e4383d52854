package io.mpool.mempool;

import io.mpool.testing.Await;
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
    public void afterEach(ExtensionContext context) {
        try {
            verifyNoOutstanding();
        } finally {
            arenas.clear();
        }
    }

    /** Throws {@link AssertionError} naming every outstanding block of every tracked arena. */
    public void verifyNoOutstanding() {
        for (PageArena arena : arenas) {
            Await.until("the test's arena memory to come back (" + arena.stats() + ")", grace,
                    () -> new Outstanding(arena.outstanding()), Outstanding::none);
        }
    }

    /** What a wait saw: every outstanding block with its site, one a line. */
    private record Outstanding(List<OutstandingBlock> blocks) {
        boolean none() {
            return blocks.isEmpty();
        }

        @Override
        public String toString() {
            return "arena memory leaked by the test: " + blocks.size() + " block(s)\n"
                    + blocks.stream().map(Object::toString).collect(Collectors.joining("\n"));
        }
    }
}
