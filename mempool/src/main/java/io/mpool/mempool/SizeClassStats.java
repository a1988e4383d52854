package io.mpool.mempool;

/**
 * The memory one free list of a {@link PageArena} holds, in an {@link ArenaStats} snapshot.
 *
 * @param name          {@code "page"} for pool nodes, {@code "large"} for a large size class
 * @param blockSize     bytes per block
 * @param blocksInUse   pooled blocks handed out (fallbacks are not in any class)
 * @param reservedBytes memory carved into this class: in use plus free
 * @param freeBytes     of that, the blocks waiting on the class's free list; the arena moves them
 *                      back to the common reserve when another class needs the memory
 */
public record SizeClassStats(String name, int blockSize, long blocksInUse, long reservedBytes, long freeBytes) {

    @Override
    public String toString() {
        return name + blockSize + "(reservedBytes=" + reservedBytes + " freeBytes=" + freeBytes
                + " blocksInUse=" + blocksInUse + ")";
    }
}
