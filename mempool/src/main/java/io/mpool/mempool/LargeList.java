package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A pool's {@code large} list: the allocations above the pool's small limit, each its own arena
 * block (nginx keeps this, {@code ngx_pool_large_t} and {@code ngx_palloc_large}, apart from block
 * handling too). It also owns what only large blocks have: the blocks kept across resets
 * ({@link CachedBlocks}) and the byte counts of live large allocations.
 *
 * <p>Entries that leave the list go on a spare list and serve later allocations, so steady-state
 * large allocations create no entry objects. Not thread-safe: owned by one {@link MpPool}.
 */
final class LargeList {
    /** ngx_palloc_large: {@code if (n++ > 3) break;} scans at most 5 entries for an empty slot. */
    static final int LARGE_SLOT_SCAN = 3;

    private final PageArena arena;
    /** Whom the arena's blocks are taken for and released by: the pool (leak sites, scrubbing). */
    private final Object owner;
    private final DebugOptions debug;

    /** First entry of the list, newest first (nginx's {@code pool->large}). */
    private LargeAllocation large;
    /** Entries no longer on the list, kept for reuse. */
    private LargeAllocation spareEntries;
    /**
     * Large blocks kept across resets for the pool's next requests: {@link CachedBlocks#NONE}
     * until the first block is kept, and again once an idle pool gives them back (its arrays are a
     * hundred bytes on every idle connection otherwise).
     */
    private CachedBlocks cached = CachedBlocks.NONE;
    /** How many blocks, of at most how many bytes, {@link #cacheOnReset} lets the list keep. */
    private int cacheMaxBlocks;
    private int cacheMaxBlockBytes;
    /** Requested bytes of the live large allocations. */
    private long bytesInUse;
    /** Capacity of the live large allocations' blocks. */
    private long bytesReserved;

    /** A list whose resets keep up to {@code cacheMaxBlocks} blocks of at most {@code cacheMaxBlockBytes}. */
    LargeList(PageArena arena, Object owner, DebugOptions debug, int cacheMaxBlocks, int cacheMaxBlockBytes) {
        this.arena = arena;
        this.owner = owner;
        this.debug = debug;
        this.cacheMaxBlocks = cacheMaxBlocks;
        this.cacheMaxBlockBytes = cacheMaxBlockBytes;
    }

    /**
     * ngx_palloc_large: a block from the arena (or a cached one of the same size class),
     * recorded in an empty slot among the first entries or in a new entry at the head.
     *
     * @throws ArenaExhaustedException when the arena cannot give the block; nothing changes then
     */
    ByteBuffer allocate(int size) {
        ArenaBlock block;
        ByteBuffer buffer = null;
        int cachedIndex = debug.noPooling() ? -1 : cached.find(size);
        if (cachedIndex >= 0) {
            block = cached.blockAt(cachedIndex);
            buffer = cached.viewAt(cachedIndex, size); // reusing it saves a DirectByteBuffer slice
            cached.removeAt(cachedIndex);
            if (debug.poison()) {
                MemoryFill.poisonFresh(block.memory, block.memory.capacity());
            }
        } else {
            block = debug.noPooling() ? arena.takeUncached(size) : arena.takeLarge(size, owner);
        }
        LargeAllocation entry = emptySlot();
        if (entry == null) {
            entry = spareEntries;
            if (entry != null) {
                spareEntries = entry.next;
            } else {
                entry = new LargeAllocation();
            }
            entry.next = large;
            large = entry;
        }
        if (buffer == null) {
            // no-pooling promises a new buffer per allocation; else the entry's view may serve again
            buffer = debug.noPooling() ? block.memory.slice(0, size) : entry.viewOf(block, size);
        }
        entry.fill(block, buffer, size);
        bytesInUse += size;
        bytesReserved += block.memory.capacity();
        return buffer;
    }

    /** An empty slot among the first entries (ngx_palloc_large's scan), or null. */
    private LargeAllocation emptySlot() {
        int n = 0;
        for (LargeAllocation entry = large; entry != null; entry = entry.next) {
            if (!entry.live()) {
                return entry;
            }
            if (n++ > LARGE_SLOT_SCAN) {
                break;
            }
        }
        return null;
    }

    /**
     * ngx_pfree: releases the live allocation whose buffer is {@code buffer} now, leaving an empty
     * slot; false if no live entry holds it (a small allocation, or a stale or foreign buffer: the
     * pool tells them apart).
     */
    boolean free(ByteBuffer buffer) {
        for (LargeAllocation entry = large; entry != null; entry = entry.next) {
            if (entry.buffer == buffer) {
                release(entry);
                entry.forgetView(); // its next allocation gets a new view: a second free is caught
                return true;
            }
        }
        return false;
    }

    /**
     * Empties the list (reset and destroy): every live block goes back to the arena, or, if
     * {@code cache} and the cached blocks accept it, is kept for the pool's next allocations.
     */
    void releaseAll(boolean cache) {
        LargeAllocation entry = large;
        while (entry != null) {
            LargeAllocation next = entry.next;
            if (entry.live()) {
                if (cache && keeps(entry.block)) {
                    cache(entry);
                } else {
                    release(entry);
                }
            }
            entry.next = spareEntries;
            spareEntries = entry;
            entry = next;
        }
        large = null;
    }

    /** Whether {@code block} is kept at a reset; the first one kept makes the cached set. */
    private boolean keeps(ArenaBlock block) {
        if (cached == CachedBlocks.NONE) {
            if (cacheMaxBlocks == 0) {
                return false;
            }
            cached = new CachedBlocks(cacheMaxBlocks, cacheMaxBlockBytes);
        }
        return cached.accepts(block);
    }

    /** Keeps an entry's block for the pool's next allocations instead of releasing it. */
    private void cache(LargeAllocation entry) {
        ArenaBlock block = entry.block;
        if (debug.poison()) {
            MemoryFill.poisonFreed(block.memory, block.memory.capacity());
        }
        bytesInUse -= entry.size;
        bytesReserved -= block.memory.capacity();
        cached.add(block, entry.buffer);
        entry.clear();
    }

    private void release(LargeAllocation entry) {
        bytesInUse -= entry.size;
        bytesReserved -= entry.block.memory.capacity();
        arena.release(entry.block, owner);
        entry.clear();
    }

    /** Replaces the cached blocks by an empty set with these limits (0 blocks: cache none). */
    void cacheOnReset(int maxBlocks, int maxBlockBytes) {
        releaseCached();
        cached = CachedBlocks.NONE;
        cacheMaxBlocks = maxBlocks;
        cacheMaxBlockBytes = maxBlockBytes;
    }

    /** Gives every cached block back to the arena; returns how many there were. */
    int releaseCached() {
        return cached.releaseAll(arena, owner);
    }

    int cachedCount() {
        return cached.count();
    }

    /** Capacity of the cached blocks. */
    long cachedBytes() {
        return cached.bytes();
    }

    /** Requested bytes of the live large allocations. */
    long bytesInUse() {
        return bytesInUse;
    }

    /** Capacity of the live large allocations' blocks (cached blocks not included). */
    long bytesReserved() {
        return bytesReserved;
    }

    /** Live entries (a walk of the list). */
    int liveCount() {
        return LargeAllocation.countLive(large);
    }

    /** Appends one {@link PoolStats.LargeStats} per entry, newest first, empty slots included. */
    void addStats(List<PoolStats.LargeStats> entries) {
        for (LargeAllocation entry = large; entry != null; entry = entry.next) {
            entries.add(new PoolStats.LargeStats(entry.size,
                    entry.live() ? entry.block.memory.capacity() : 0, entry.live()));
        }
    }

    /**
     * Checks the list against its counters and the arena, and the cached blocks.
     *
     * @throws IllegalStateException naming {@code pool} and the broken invariant
     */
    void check(String pool) {
        long reserved = 0;
        long used = 0;
        for (LargeAllocation entry = large; entry != null; entry = entry.next) {
            if (entry.live()) {
                if (!entry.block.inUse()) {
                    throw new IllegalStateException(pool + ": large block released but still listed: " + entry.block);
                }
                used += entry.size;
                reserved += entry.block.memory.capacity();
            }
        }
        cached.check(pool);
        if (used != bytesInUse) {
            throw new IllegalStateException(pool + ": largeBytesInUse=" + bytesInUse
                    + " but live entries account for " + used);
        }
        if (reserved != bytesReserved) {
            throw new IllegalStateException(pool + ": largeBytesReserved=" + bytesReserved
                    + " but live entries hold " + reserved);
        }
    }
}
