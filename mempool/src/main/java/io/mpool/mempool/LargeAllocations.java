package io.mpool.mempool;

/**
 * A pool's side of its allocations above the small limit: the {@link LargeList}, made at the
 * first large allocation and dropped whole when the pool empties or is destroyed, and what
 * {@link MpPool#cacheOnReset} lets it keep, held here until then. Most pools of a connection never
 * make one (its buffers are blocks of their own), so a pool made per connection costs no list.
 *
 * <p>It is the superclass of {@link MpPool}, not an object the pool holds: the reference and the
 * settings live in the pool's own object (a holder would cost an object header on every pool).
 * Not thread-safe, as the pool.
 */
abstract class LargeAllocations {
    /** nginx's {@code pool->large}, or null: no large allocation since the pool was made or emptied. */
    LargeList large;
    /** How many blocks, of at most how many bytes, a reset may keep ({@link MpPool#cacheOnReset}). */
    private int cacheMaxBlocks;
    private int cacheMaxBlockBytes;

    /** The arena the list's blocks come from (the pool's). */
    abstract PageArena arena();

    /** The large list, made at the first large allocation. */
    final LargeList large() {
        if (large == null) {
            large = new LargeList(arena(), this, arena().debug(), cacheMaxBlocks, cacheMaxBlockBytes);
        }
        return large;
    }

    /** Records what a reset may keep from now on (the arguments checked), in the list too if there is one. */
    final void keepOnReset(int maxBlocks, int maxBlockBytes) {
        cacheMaxBlocks = maxBlocks;
        cacheMaxBlockBytes = maxBlockBytes;
        if (large != null) {
            large.cacheOnReset(maxBlocks, maxBlockBytes);
        }
    }

    /**
     * Gives every large and cached block back to the arena and forgets the list, its spare entries
     * and the views they remember (destroy, and a pool that gives its nodes back: an idle pool
     * keeps little heap).
     */
    final void dropLarge() {
        if (large != null) {
            large.releaseAll(false);
            large.releaseCached();
            large = null;
        }
    }

    /** Gives every cached block back to the arena; returns how many there were. */
    public int releaseCached() {
        return large == null ? 0 : large.releaseCached();
    }

    /** Blocks kept across resets for reuse, held from the arena but not in use. */
    public int cachedCount() {
        return large == null ? 0 : large.cachedCount();
    }

    /** Requested bytes of the live large allocations, without building a {@link PoolStats}. */
    public long largeBytes() {
        return large == null ? 0 : large.bytesInUse();
    }

    /** Live entries on the large list (a walk of the list; no snapshot is built). */
    public int largeCount() {
        return large == null ? 0 : large.liveCount();
    }

    /** Arena memory of the live large allocations and the cached blocks. */
    final long largeBytesReserved() {
        return large == null ? 0 : large.bytesReserved() + large.cachedBytes();
    }
}
