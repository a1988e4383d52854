package io.mpool.mempool;

import java.util.Arrays;

/**
 * Every cached block an arena ever reserved, by id. Growth happens under the arena's reservation
 * lock (rare: once per reserved chunk); lookups are a volatile read and an array index.
 */
final class BlockRegistry {
    private static final int INITIAL_CAPACITY = 256;

    private volatile ArenaBlock[] blocks = new ArenaBlock[INITIAL_CAPACITY];
    private int count;

    /** Assigns the next id; the caller must hold the arena's reservation lock. */
    int nextId() {
        return count;
    }

    /** Publishes a block under its id; the caller must hold the arena's reservation lock. */
    void add(ArenaBlock block) {
        assert block.id == count : "ids are dense: expected " + count + " got " + block.id;
        ArenaBlock[] current = blocks;
        if (count == current.length) {
            current = Arrays.copyOf(current, current.length * 2);
        }
        current[count++] = block;
        blocks = current; // volatile write publishes the element and any grown array
    }

    ArenaBlock get(int id) {
        return blocks[id];
    }

    int size() {
        return count;
    }
}
