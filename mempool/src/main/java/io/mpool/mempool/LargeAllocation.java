package io.mpool.mempool;

import java.nio.ByteBuffer;

/**
 * An entry of a pool's {@code large} list (nginx's {@code ngx_pool_large_t}). An entry whose
 * {@code block} is null is an empty slot left by {@link MpPool#free}; the next large allocation
 * may reuse it. Entries are recycled through the pool's spare list, so steady-state large
 * allocations create no entry objects.
 */
final class LargeAllocation {
    LargeAllocation next;
    /** The arena block behind the allocation, or null for an empty slot. */
    ArenaBlock block;
    /** The exact-size view handed to the caller; {@code free} matches on its identity. */
    ByteBuffer buffer;
    int size;

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

    void clear() {
        block = null;
        buffer = null;
        size = 0;
    }
}
