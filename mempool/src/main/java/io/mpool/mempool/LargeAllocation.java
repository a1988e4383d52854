package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An entry of a pool's {@code large} list (nginx's {@code ngx_pool_large_t}). An entry whose
 * {@code block} is null is an empty slot left by {@link MpPool#free}; the next large allocation
 * may reuse it. Entries are recycled through the pool's spare list, so steady-state large
 * allocations create no entry objects.
 *
 * <p>An entry emptied by a reset remembers its last block and view: when it serves an allocation
 * of the same size again and the arena hands back the same block (its free lists are LIFO, so a
 * repeating request cycle gets it), the view is handed out again instead of a new slice. An entry
 * emptied by {@code free} forgets them, so a buffer freed twice within a request is still caught.
 */
final class LargeAllocation {
    LargeAllocation next;
    /** The arena block behind the allocation, or null for an empty slot. */
    ArenaBlock block;
    /** The exact-size view handed to the caller; {@code free} matches on its identity. */
    ByteBuffer buffer;
    int size;
    /** The block and view of the last allocation, kept across a reset; null after a free. */
    private ArenaBlock lastBlock;
    private ByteBuffer lastView;

    boolean live() {
        return block != null;
    }

    /** Live entries from {@code first} on. */
    static int countLive(LargeAllocation first) {
        int count = 0;
        for (LargeAllocation entry = first; entry != null; entry = entry.next) {
            if (entry.live()) {
                count++;
            }
        }
        return count;
    }

    /** A {@code size}-byte view of {@code block}: this entry's last one if it fits, else a new slice. */
    ByteBuffer viewOf(ArenaBlock block, int size) {
        ByteBuffer view = lastView;
        if (block == lastBlock && view != null && view.capacity() == size) {
            return view.clear().order(ByteOrder.BIG_ENDIAN);
        }
        return block.memory.slice(0, size);
    }

    void fill(ArenaBlock block, ByteBuffer buffer, int size) {
        this.block = block;
        this.buffer = buffer;
        this.size = size;
        this.lastBlock = block;
        this.lastView = buffer;
    }

    /** Empties the slot (its block was released or cached); the view may serve again. */
    void clear() {
        block = null;
        buffer = null;
        size = 0;
    }

    /** Forgets the last view, so that it is never handed out again (a free). */
    void forgetView() {
        lastBlock = null;
        lastView = null;
    }
}
