package io.mpool.mempool;

import java.util.Arrays;

/**
 * Every cached block of the arena's chunks, by id. Growth happens under the arena's reservation
 * lock (rare: once per reserved chunk); lookups are a volatile read and an array index.
 *
 * <p>When a trim gives a chunk back, its blocks' ids are retired: the slot then holds a parked
 * placeholder (never null, so a free-list pop that read such an id just before the trim still
 * resolves it, and its compare-and-set then fails on the bumped tag), and the id goes to the
 * next block registered, so ids stay as many as the chunks reserved at once ever needed.
 */
final class BlockRegistry {
    private static final int INITIAL_CAPACITY = 256;

    private volatile ArenaBlock[] blocks = new ArenaBlock[INITIAL_CAPACITY];
    private int count;
    /** Retired ids, reused before new ones; a stack of {@code retiredCount} entries. */
    private int[] retired = new int[INITIAL_CAPACITY];
    private int retiredCount;

    /** Assigns the next id; the caller must hold the arena's reservation lock. */
    int nextId() {
        return retiredCount > 0 ? retired[retiredCount - 1] : count;
    }

    /** Publishes a block under its id; the caller must hold the arena's reservation lock. */
    void add(ArenaBlock block) {
        ArenaBlock[] current = blocks;
        if (retiredCount > 0) {
            assert block.id == retired[retiredCount - 1] : "expected retired id " + retired[retiredCount - 1]
                    + " got " + block.id;
            retiredCount--;
            current[block.id] = block;
        } else {
            assert block.id == count : "ids are dense: expected " + count + " got " + block.id;
            if (count == current.length) {
                current = Arrays.copyOf(current, current.length * 2);
            }
            current[count++] = block;
        }
        blocks = current; // volatile write publishes the element and any grown array
    }

    /**
     * Replaces the block under {@code id} by {@code placeholder} and makes the id free for reuse;
     * the caller must hold the arena's reservation lock.
     */
    void retire(int id, ArenaBlock placeholder) {
        ArenaBlock[] current = blocks;
        current[id] = placeholder;
        if (retiredCount == retired.length) {
            retired = Arrays.copyOf(retired, retired.length * 2);
        }
        retired[retiredCount++] = id;
        blocks = current;
    }

    ArenaBlock get(int id) {
        return blocks[id];
    }

    int size() {
        return count;
    }
}
