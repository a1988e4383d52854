package io.mpool.server.connection;

import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.PageArena;
import java.util.Arrays;

/**
 * When the arena gives free memory back to the operating system: after a sweep that finds far more
 * memory free than in use. Idle connections give their pages back to the arena at the sweep; without
 * this the process would keep the arena's high-water mark resident for good (nginx frees what it no
 * longer needs; Netty's pooled allocator frees empty chunks).
 *
 * <p>It keeps {@link #KEEP_MIN_BYTES} or half the memory in use, whichever is more, free and
 * reserved, so a server whose load comes and goes does not give memory back and take it again every
 * second. While requests come (some started since the last sweep) it keeps as well the most that
 * was in use at any of the last {@link #BUSY_WINDOW_SWEEPS} sweeps: the sweep gives back the
 * memory of every connection that started no request since the one before, and under load most of
 * them start one again within a second or two (a thousand clients each reading a 1 MiB answer for
 * seconds: their connections go idle while the answer is in the socket, and take a node and a block
 * again with the next request). Trimmed, that memory came back from new chunks: direct memory the
 * JVM zeroes and the kernel faults in page by page, on the IO thread that takes it, request after
 * request. A quiet server (no request since the last sweep) gives back as before, at once.
 * Called once a sweep, on the sweeping thread.
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

    /**
     * Sweeps (seconds) whose memory in use a server still serving keeps reserved: long enough to
     * cover a connection's idle release and its next request, short enough that a spike's memory
     * goes back ten seconds after it even under steady load.
     */
    static final int BUSY_WINDOW_SWEEPS = 10;

    private final PageArena arena;
    /** Memory in use at each of the last sweeps while serving, a ring; all zero once quiet (sweeping thread only). */
    private final long[] recentInUse = new long[BUSY_WINDOW_SWEEPS];
    private int sweeps;
    private long requestsAtLastSweep;

    public ArenaTrim(PageArena arena) {
        this.arena = arena;
    }

    /**
     * Trims the arena if free memory exceeds what is kept by at least a chunk; returns the bytes given back.
     *
     * @param requestsStarted the server's requests so far: whether any started since the last sweep
     */
    public long afterSweep(long requestsStarted) {
        ArenaStats stats = arena.stats();
        long inUse = stats.pagesInUse() * (long) stats.pageSize() + stats.largeBytesInUse();
        boolean serving = requestsStarted != requestsAtLastSweep;
        requestsAtLastSweep = requestsStarted;
        long keep = Math.max(KEEP_MIN_BYTES, inUse / 2);
        if (serving) {
            recentInUse[sweeps++ % BUSY_WINDOW_SWEEPS] = inUse;
            for (long earlier : recentInUse) {
                keep = Math.max(keep, earlier - inUse); // reserved stays at least the recent peak in use
            }
        } else {
            Arrays.fill(recentInUse, 0);
        }
        if (stats.reservedBytes() - inUse < keep + PageArena.CHUNK_SIZE) {
            return 0;
        }
        return arena.trim(keep);
    }
}
