package io.mpool.mempool;

import java.util.List;

/**
 * An immutable snapshot of a {@link PageArena}. Counters are read one after another without a
 * global lock, so under concurrent traffic the fields may be from slightly different instants;
 * once the arena is quiet they are exact.
 *
 * <p>Where the reserved memory is: {@code reservedBytes} = the sum of
 * {@code sizeClasses[*].reservedBytes} + {@code reserveFreeBytes} + uncached blocks in use.
 *
 * @param pageSize         bytes in a page (and a pool node): {@value PageArena#PAGE_SIZE}
 * @param maxBytes         the bound on memory the arena reserves from the JVM
 * @param reservedBytes    memory reserved so far (pages and cached large blocks, free or not)
 * @param pagesInUse       pages handed out and not yet returned (fallback pages included)
 * @param pagesFree        reserved pages waiting on the free list
 * @param largeBlocksInUse large blocks handed out and not yet returned (fallbacks included)
 * @param largeBytesInUse  capacity of those blocks
 * @param exhaustions      requests that found the arena at its bound
 * @param fallbacks        of those, the ones answered with an unpooled buffer
 * @param reserveFreeBytes reserved memory in the common reserve, carved into no class yet
 * @param reclaims         times the arena, at its bound, moved every free block of every class
 *                         back to the common reserve to serve a request
 * @param sizeClasses      memory per free list: pages first, then each large class from 4 KB up
 * @param trims            calls to {@link PageArena#trim} that gave memory back to the JVM
 * @param bytesTrimmed     memory those trims gave back, in all
 */
public record ArenaStats(
        int pageSize,
        long maxBytes,
        long reservedBytes,
        long pagesInUse,
        long pagesFree,
        long largeBlocksInUse,
        long largeBytesInUse,
        long exhaustions,
        long fallbacks,
        long reserveFreeBytes,
        long reclaims,
        List<SizeClassStats> sizeClasses,
        long trims,
        long bytesTrimmed) {

    public ArenaStats {
        sizeClasses = List.copyOf(sizeClasses);
    }

    /** Pages plus large blocks still handed out: zero when every owner has given memory back. */
    public long outstandingBlocks() {
        return pagesInUse + largeBlocksInUse;
    }

    /** Free memory on the size classes' free lists (not counting the common reserve). */
    public long classFreeBytes() {
        long sum = 0;
        for (SizeClassStats sizeClass : sizeClasses) {
            sum += sizeClass.freeBytes();
        }
        return sum;
    }

    /** One line; size classes that hold no memory are left out. */
    @Override
    public String toString() {
        StringBuilder classes = new StringBuilder();
        for (SizeClassStats sizeClass : sizeClasses) {
            if (sizeClass.reservedBytes() != 0 || sizeClass.blocksInUse() != 0) {
                classes.append(classes.length() == 0 ? "" : " ").append(sizeClass);
            }
        }
        return "pageSize=" + pageSize + " maxBytes=" + maxBytes + " reservedBytes=" + reservedBytes
                + " pagesInUse=" + pagesInUse + " pagesFree=" + pagesFree
                + " largeBlocksInUse=" + largeBlocksInUse + " largeBytesInUse=" + largeBytesInUse
                + " exhaustions=" + exhaustions + " fallbacks=" + fallbacks
                + " reserveFreeBytes=" + reserveFreeBytes + " reclaims=" + reclaims
                + " sizeClasses=[" + classes + "] trims=" + trims + " bytesTrimmed=" + bytesTrimmed;
    }
}
