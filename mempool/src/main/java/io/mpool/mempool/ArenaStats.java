package io.mpool.mempool;

/**
 * An immutable snapshot of a {@link PageArena}. Counters are read one after another without a
 * global lock, so under concurrent traffic the fields may be from slightly different instants;
 * once the arena is quiet they are exact.
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
        long fallbacks) {

    /** Pages plus large blocks still handed out: zero when every owner has given memory back. */
    public long outstandingBlocks() {
        return pagesInUse + largeBlocksInUse;
    }

    @Override
    public String toString() {
        return "pageSize=" + pageSize + " maxBytes=" + maxBytes + " reservedBytes=" + reservedBytes
                + " pagesInUse=" + pagesInUse + " pagesFree=" + pagesFree
                + " largeBlocksInUse=" + largeBlocksInUse + " largeBytesInUse=" + largeBytesInUse
                + " exhaustions=" + exhaustions + " fallbacks=" + fallbacks;
    }
}
