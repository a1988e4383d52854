package io.mpool.mempool;

import java.nio.ByteBuffer;

/**
 * The large blocks a pool keeps across resets for its own next allocations
 * ({@link MpPool#cacheOnReset}), each with the view last handed out for it. A small array: a
 * pool keeps a handful at most, so a linear search by size class is the fastest lookup.
 */
final class CachedBlocks {
    /** Caches nothing; shared by every pool that did not opt in (never mutated). */
    static final CachedBlocks NONE = new CachedBlocks(0, 0);

    private final ArenaBlock[] blocks;
    private final ByteBuffer[] views;
    private final int maxBlockBytes;
    private int count;
    private long bytes;

    CachedBlocks(int limit, int maxBlockBytes) {
        this.blocks = new ArenaBlock[limit];
        this.views = new ByteBuffer[limit];
        this.maxBlockBytes = maxBlockBytes;
    }

    int count() {
        return count;
    }

    /** Capacity of the cached blocks. */
    long bytes() {
        return bytes;
    }

    /** Whether {@code block} may be kept: room left, a cached size class, not above the byte limit. */
    boolean accepts(ArenaBlock block) {
        return count < blocks.length && block.kind == ArenaBlock.Kind.LARGE && block.memory.capacity() <= maxBlockBytes;
    }

    void add(ArenaBlock block, ByteBuffer view) {
        blocks[count] = block;
        views[count++] = view;
        bytes += block.memory.capacity();
    }

    /** The index of a block of the size class {@code size} needs, or -1. */
    int find(int size) {
        if (count == 0 || size > SizeClasses.MAX_CACHED_SIZE) {
            return -1;
        }
        int sizeClass = SizeClasses.indexOf(Math.max(size, 1));
        for (int i = 0; i < count; i++) {
            if (blocks[i].sizeClass == sizeClass) {
                return i;
            }
        }
        return -1;
    }

    ArenaBlock blockAt(int index) {
        return blocks[index];
    }

    /** The view last handed out for the block at {@code index}, cleared if it has {@code size} bytes, else null. */
    ByteBuffer viewAt(int index, int size) {
        ByteBuffer view = views[index];
        return view.capacity() == size ? view.clear() : null;
    }

    void removeAt(int index) {
        bytes -= blocks[index].memory.capacity();
        blocks[index] = blocks[--count];
        views[index] = views[count];
        blocks[count] = null;
        views[count] = null;
    }

    /** Gives every block back to {@code arena} on behalf of {@code owner}; returns how many. */
    int releaseAll(PageArena arena, Object owner) {
        int released = count;
        while (count > 0) {
            ArenaBlock block = blocks[--count];
            blocks[count] = null;
            views[count] = null;
            arena.release(block, owner);
        }
        bytes = 0;
        return released;
    }

    /** @throws IllegalStateException naming {@code pool} if the bookkeeping is off */
    void check(String pool) {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            if (!blocks[i].inUse()) {
                throw new IllegalStateException(pool + ": cached block released but still kept: " + blocks[i]);
            }
            sum += blocks[i].memory.capacity();
        }
        if (sum != bytes || count > blocks.length) {
            throw new IllegalStateException(pool + ": cached bytes=" + bytes + " but " + count
                    + " cached blocks hold " + sum + " (limit " + blocks.length + ")");
        }
    }
}
