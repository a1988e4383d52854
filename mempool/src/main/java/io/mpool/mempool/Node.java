package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One node of a pool's chain: nginx's {@code ngx_pool_data_t} plus the page it describes. In
 * nginx the header lives at the start of the block; here it is this object, so all
 * {@link MpPool#NODE_SIZE} bytes of the page are usable.
 *
 * <p>A node also remembers the views it handed out since its last rewind, in order, and hands the
 * k-th one out again when the k-th allocation after the next rewind has the same offset and size:
 * a request cycle that repeats itself (most do) allocates no {@link ByteBuffer} object. The views
 * are valid only until the rewind (a reset), exactly like fresh slices would be.
 */
final class Node {
    /**
     * The most views a node remembers: a request's small allocations in one node (the benchmarks'
     * request shape makes 24), bounding the heap a node keeps to 32 views (about 2 KB) whatever
     * its owner does; allocations past it get fresh views.
     */
    static final int RECYCLED_VIEWS = 32;
    /** First growth of the view arrays. */
    private static final int INITIAL_VIEWS = 8;
    private static final ByteBuffer[] NO_VIEWS = new ByteBuffer[0];
    private static final int[] NO_OFFSETS = new int[0];

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

    /** The views handed out since the last rewind, in order, and their offsets in the page. */
    private ByteBuffer[] views = NO_VIEWS;
    private int[] viewOffsets = NO_OFFSETS;
    /** Views handed out since the last rewind, up to {@link #RECYCLED_VIEWS}. */
    private int viewsHandedOut;

    Node(ArenaBlock page, int index) {
        this.page = page;
        this.index = index;
        this.end = page.memory.capacity();
    }

    int free() {
        return end - last;
    }

    /**
     * A view of {@code size} bytes at {@code offset}, position 0, limit {@code size}, big-endian:
     * the one handed out for the same allocation before the last rewind if it matches, else a
     * fresh slice.
     */
    ByteBuffer slice(int offset, int size) {
        int k = viewsHandedOut;
        if (k == RECYCLED_VIEWS) {
            return page.memory.slice(offset, size);
        }
        viewsHandedOut++;
        if (k < views.length) {
            ByteBuffer view = views[k];
            if (view != null && viewOffsets[k] == offset && view.capacity() == size) {
                return view.clear().order(ByteOrder.BIG_ENDIAN);
            }
        } else {
            int length = Math.min(RECYCLED_VIEWS, Math.max(INITIAL_VIEWS, views.length * 2));
            views = Arrays.copyOf(views, length);
            viewOffsets = Arrays.copyOf(viewOffsets, length);
        }
        ByteBuffer fresh = page.memory.slice(offset, size);
        views[k] = fresh;
        viewOffsets[k] = offset;
        return fresh;
    }

    /** Reset: the node is empty from {@code start} on, and its views may be handed out again. */
    void rewind(int start) {
        last = start;
        failed = 0;
        viewsHandedOut = 0;
    }
}
