package io.mpool.mempool;

import java.util.List;

/**
 * An immutable snapshot of one {@link MpPool}, built on demand.
 *
 * @param name              the pool's name
 * @param nodes             every node of the chain, head first
 * @param currentNodeIndex  the node small allocations start searching at
 * @param large             the entries of the large list, newest first (empty slots included)
 * @param cleanupCount      cleanup handlers registered since the last reset
 * @param smallAllocations  small allocations served since the pool was created
 * @param largeAllocations  large allocations served since the pool was created
 * @param bytesRequested    bytes asked for since the pool was created
 * @param bytesInUse        bytes handed out since the last reset (alignment padding included)
 * @param bytesReserved     arena memory held now: nodes, live large blocks and cached blocks
 * @param cachedBlocks    large blocks kept across resets for reuse ({@link MpPool#cacheOnReset})
 * @param resets            resets so far
 * @param highWaterBytes    the most bytes in use at any moment between two resets
 * @param destroyed         whether the pool was destroyed
 */
public record PoolStats(
        String name,
        List<NodeStats> nodes,
        int currentNodeIndex,
        List<LargeStats> large,
        int cleanupCount,
        long smallAllocations,
        long largeAllocations,
        long bytesRequested,
        long bytesInUse,
        long bytesReserved,
        int cachedBlocks,
        long resets,
        long highWaterBytes,
        boolean destroyed) {

    public PoolStats {
        nodes = List.copyOf(nodes);
        large = List.copyOf(large);
    }

    /** One node: bytes used and free, and its {@code failed} count. */
    public record NodeStats(int index, int used, int free, int failed) {
    }

    /** One large entry: requested size, block capacity, and whether it still holds memory. */
    public record LargeStats(int size, int capacity, boolean live) {
    }

    /** Live large entries. */
    public long largeCount() {
        return large.stream().filter(LargeStats::live).count();
    }

    /** Bytes of live large allocations (requested sizes). */
    public long largeBytes() {
        return large.stream().filter(LargeStats::live).mapToLong(LargeStats::size).sum();
    }

    @Override
    public String toString() {
        return "name=" + name + " nodes=" + nodes.size() + " current=" + currentNodeIndex
                + " large=" + largeCount() + "/" + large.size() + " cleanups=" + cleanupCount
                + " small=" + smallAllocations + " largeAllocations=" + largeAllocations
                + " bytesRequested=" + bytesRequested + " bytesInUse=" + bytesInUse
                + " bytesReserved=" + bytesReserved + " cached=" + cachedBlocks + " resets=" + resets
                + " highWaterBytes=" + highWaterBytes + " destroyed=" + destroyed;
    }
}
