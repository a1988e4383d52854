package io.mpool.server.connection;

import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.PageArena;

/**
 * When the arena gives free memory back to the operating system: after a sweep that finds far more
 * memory free than in use. Idle connections give their pages back to the arena at the sweep; without
 * this the process would keep the arena's high-water mark resident for good (nginx frees what it no
 * longer needs; Netty's pooled allocator frees empty chunks).
 *
 * <p>It keeps {@link #KEEP_MIN_BYTES} or half the memory in use, whichever is more, free and
 * reserved, so a server whose load comes and goes does not give memory back and take it again every
 * second. Called once a sweep, on the sweeping thread.
 */
public final class ArenaTrim {
    /**
     * Free memory always kept reserved: one chunk, some fifty connections' worth of a node and a
     * 16 KB buffer each. Under load half of what is in use stays free besides; an idle server gives
     * back all but this, as nginx frees an idle connection's buffers. (An 8 MiB floor cost 1 to 2 KB
     * per connection when 3,000 keep-alive connections came at once and went idle: the pages they
     * touched while connecting stayed resident.)
     */
    static final long KEEP_MIN_BYTES = PageArena.CHUNK_SIZE;

    private final PageArena arena;

    public ArenaTrim(PageArena arena) {
        this.arena = arena;
    }

    /** Trims the arena if free memory exceeds what is kept by at least a chunk; returns the bytes given back. */
    public long afterSweep() {
        ArenaStats stats = arena.stats();
        long inUse = stats.pagesInUse() * (long) stats.pageSize() + stats.largeBytesInUse();
        long keep = Math.max(KEEP_MIN_BYTES, inUse / 2);
        if (stats.reservedBytes() - inUse < keep + PageArena.CHUNK_SIZE) {
            return 0;
        }
        return arena.trim(keep);
    }
}
