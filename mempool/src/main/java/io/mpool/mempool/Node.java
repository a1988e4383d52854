package io.mpool.mempool;

/**
 * One node of a pool's chain: nginx's {@code ngx_pool_data_t} plus the page it describes. In
 * nginx the header lives at the start of the block; here it is this object, so all
 * {@link MpPool#NODE_SIZE} bytes of the page are usable.
 */
final class Node {
    /** The page; small allocations are slices of it. */
    final ArenaBlock page;
    /** Position in the chain, 0 for the head (for stats and messages). */
    final int index;
    /** First free byte: allocations bump it; reset rewinds it to 0. */
    int last;
    /** One past the last usable byte: always the page size. */
    final int end;
    Node next;
    /** Times a new node had to be added while this one was searched and could not serve. */
    int failed;

    Node(ArenaBlock page, int index) {
        this.page = page;
        this.index = index;
        this.end = page.memory.capacity();
    }

    int free() {
        return end - last;
    }
}
