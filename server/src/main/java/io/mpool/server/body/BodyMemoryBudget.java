package io.mpool.server.body;

import io.mpool.server.stats.ServerStats;

/**
 * The pool memory every whole body held in memory may take together ({@code --body-memory-total}).
 * Each connection's body stays under {@code --body-in-memory-max}, but many connections each
 * holding a body just under it (and sending a byte now and then) could hold the whole arena; past
 * this budget a new block is refused and {@link RequestBody} sends the body to a temp file instead,
 * as if it had passed its own limit. A reservation lasts until the request's memory is reset.
 */
public final class BodyMemoryBudget {
    private final long max;
    private final ServerStats stats;

    /** @param max bytes, {@code Long.MAX_VALUE} for no bound */
    public BodyMemoryBudget(long max, ServerStats stats) {
        if (max <= 0) {
            throw new IllegalArgumentException("--body-memory-total=" + max + " (expected: > 0 once resolved)");
        }
        this.max = max;
        this.stats = stats;
    }

    /** Takes {@code bytes} of the budget; false (nothing taken) when that would pass it. */
    public boolean tryReserve(long bytes) {
        return stats.tryReserveBodyMemory(bytes, max);
    }

    /** A body went to a temp file early because the budget was taken (counted). */
    public void spilledEarly() {
        stats.bodySpilledEarly();
    }

    public void release(long bytes) {
        long after = stats.releaseBodyMemory(bytes);
        assert after >= 0 : "body memory budget released below zero: " + after;
    }

    public long max() {
        return max;
    }
}
