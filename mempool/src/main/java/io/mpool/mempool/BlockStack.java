package io.mpool.mempool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free LIFO free list of arena blocks (a Treiber stack over block ids).
 *
 * <p>Blocks are reused, so a plain reference stack would suffer ABA: a thread that read
 * {@code head=A, next=B} could succeed in swinging head to B after other threads popped A and B
 * and pushed A back, handing B out twice. The head therefore packs a 32-bit version tag next to
 * the 32-bit id, and every successful push or pop bumps the tag.
 *
 * <p>Ids index the arena's {@link BlockRegistry}; the registry is always published before any id
 * in it is pushed, and read after the head, so a popped id always resolves.
 */
final class BlockStack {
    private static final int EMPTY = -1;

    private final AtomicLong head = new AtomicLong(pack(0, EMPTY));
    private final BlockRegistry registry;

    BlockStack(BlockRegistry registry) {
        this.registry = registry;
    }

    /** The most recently pushed block, or null when the list is empty. */
    ArenaBlock pop() {
        while (true) {
            long current = head.get();
            int id = idOf(current);
            if (id == EMPTY) {
                return null;
            }
            ArenaBlock block = registry.get(id);
            long next = pack(tagOf(current) + 1, block.nextFree);
            if (head.compareAndSet(current, next)) {
                return block;
            }
        }
    }

    void push(ArenaBlock block) {
        assert block.id >= 0 : "only registered blocks go on a free list: " + block;
        while (true) {
            long current = head.get();
            block.nextFree = idOf(current);
            if (head.compareAndSet(current, pack(tagOf(current) + 1, block.id))) {
                return;
            }
        }
    }

    /** Walks the list; only meaningful while no other thread pushes or pops (tests, paranoia). */
    int sizeWhenQuiet() {
        int n = 0;
        for (int id = idOf(head.get()); id != EMPTY; id = registry.get(id).nextFree) {
            n++;
        }
        return n;
    }

    private static long pack(int tag, int id) {
        return ((long) tag << 32) | (id & 0xFFFF_FFFFL);
    }

    private static int tagOf(long packed) {
        return (int) (packed >>> 32);
    }

    private static int idOf(long packed) {
        return (int) packed;
    }
}
