package io.mpool.mempool;

/** What a {@link PageArena} does when a request would take it past its {@code maxBytes}. */
public enum ExhaustionPolicy {
    /** Throw {@link ArenaExhaustedException}; the caller decides (the server answers 503). */
    FAIL,
    /**
     * Hand out an unpooled buffer of the same size and alignment instead (libuv's "fallback
     * buffer" idea). It is counted in {@link ArenaStats#fallbacks()} and dropped, not cached, when
     * it is returned, so the bound on pooled memory still holds.
     */
    FALLBACK
}
