package io.mpool.mempool;

import java.util.BitSet;

/**
 * The arena's common reserve: reserved pages that belong to no size class, kept as a binary buddy
 * system (Knowlton 1965; Knuth, TAOCP vol. 1, 2.5 "buddy system"; the scheme of Linux's page
 * allocator and of Netty's {@code PoolChunk} before 4.1.52).
 *
 * <p>Pages are numbered across the arena: page {@code p} of chunk {@code c} is
 * {@code c * PAGES_PER_CHUNK + p}. A block of order {@code k} is {@code 2^k} pages whose first
 * page number is a multiple of {@code 2^k}; its buddy is the block of the same order whose first
 * page differs only in bit {@code k}. Chunks start at multiples of {@code 2^MAX_ORDER}, so a block
 * and its buddy are always in the same chunk, and a whole free chunk is one block of
 * {@link #MAX_ORDER}.
 *
 * <pre>
 *   order 8  [                           chunk: 256 pages                          ]
 *   order 7  [            128            ][                  128                   ]
 *   order 6  [     64     ][     64      ]   ...
 *     ...
 *   order 0  [p][p][p][p] ...
 * </pre>
 *
 * <ul>
 *   <li><b>allocate(k)</b>: the lowest-addressed free block of the smallest order {@code >= k};
 *   while it is bigger than asked, split it: go on with the lower half and put the upper half
 *   back as a free block one order down.</li>
 *   <li><b>free(page, k)</b>: while the buddy is free too, take it out and merge; the merged block
 *   goes in at the order where merging stopped.</li>
 * </ul>
 * Both are O(orders) bit operations plus a {@link BitSet#nextSetBit} scan (address-ordered first
 * fit, which keeps high addresses whole).
 *
 * <p>Not thread-safe: the arena calls it under its reservation lock, off the hot path.
 */
final class CommonReserve {
    /** A whole chunk: {@link SizeClasses#MAX_CACHED_SIZE} / page = 2^8 pages, the largest class. */
    static final int MAX_ORDER = SizeClasses.MAX_ORDER;
    static final int PAGES_PER_CHUNK = 1 << MAX_ORDER;

    /** {@code free[k]} has bit {@code i} set when pages {@code i*2^k .. (i+1)*2^k - 1} are a free block. */
    private final BitSet[] free = new BitSet[MAX_ORDER + 1];
    private long freePages;

    CommonReserve() {
        for (int order = 0; order <= MAX_ORDER; order++) {
            free[order] = new BitSet();
        }
    }

    /**
     * Adds a newly reserved chunk of {@code pages} pages starting at {@code firstPage}. A chunk cut
     * short by the arena's bound goes in as its binary digits, largest first, so each piece stays
     * aligned: 80 pages = 64 at +0 and 16 at +64. Pieces never merge with pages past the end.
     */
    void addChunk(int firstPage, int pages) {
        assert firstPage % PAGES_PER_CHUNK == 0 && pages > 0 && pages <= PAGES_PER_CHUNK
                : "firstPage=" + firstPage + " pages=" + pages;
        int offset = 0;
        for (int order = MAX_ORDER; order >= 0; order--) {
            if ((pages & (1 << order)) != 0) {
                free[order].set((firstPage + offset) >> order);
                freePages += 1L << order;
                offset += 1 << order;
            }
        }
    }

    /**
     * Takes the chunk added by {@code addChunk(firstPage, pages)} out of the reserve if every page
     * of it is free, so it can be given back; false (and nothing changed) if any page is taken.
     * A free chunk is exactly the pieces {@link #addChunk} put in: a whole chunk merges to one
     * block of {@link #MAX_ORDER}, and the pieces of a short one never merge past its end.
     */
    boolean removeChunkIfFree(int firstPage, int pages) {
        int offset = 0;
        for (int order = MAX_ORDER; order >= 0; order--) {
            if ((pages & (1 << order)) != 0) {
                if (!free[order].get((firstPage + offset) >> order)) {
                    return false;
                }
                offset += 1 << order;
            }
        }
        offset = 0;
        for (int order = MAX_ORDER; order >= 0; order--) {
            if ((pages & (1 << order)) != 0) {
                free[order].clear((firstPage + offset) >> order);
                offset += 1 << order;
            }
        }
        freePages -= pages;
        return true;
    }

    /** Takes a free block of {@code 2^order} pages; its first page number, or -1 if none is free. */
    int allocate(int order) {
        for (int k = order; k <= MAX_ORDER; k++) {
            int index = free[k].nextSetBit(0);
            if (index >= 0) {
                free[k].clear(index);
                int page = index << k;
                for (int half = k - 1; half >= order; half--) {
                    free[half].set((page >> half) + 1); // the upper half of what is left stays free
                }
                freePages -= 1L << order;
                return page;
            }
        }
        return -1;
    }

    /** Gives back the block of {@code 2^order} pages at {@code page}, merging it with free buddies. */
    void free(int page, int order) {
        assert (page & ((1 << order) - 1)) == 0 : "page=" + page + " is not aligned to order " + order;
        assert !free[order].get(page >> order) : "page=" + page + " order=" + order + " is already free";
        freePages += 1L << order;
        while (order < MAX_ORDER && free[order].get((page >> order) ^ 1)) {
            free[order].clear((page >> order) ^ 1);
            page &= ~(1 << order);
            order++;
        }
        free[order].set(page >> order);
    }

    /**
     * Gives back a run of {@code pages} pages at {@code page} that need not be a buddy block (a
     * block of a quarter size class, or what is left of a run such blocks were carved from): as
     * its binary pieces, each the largest block aligned where it starts that still fits.
     */
    void freeRun(int page, int pages) {
        while (pages > 0) {
            int order = Math.min(Math.min(Integer.numberOfTrailingZeros(page), MAX_ORDER),
                    31 - Integer.numberOfLeadingZeros(pages));
            free(page, order);
            page += 1 << order;
            pages -= 1 << order;
        }
    }

    long freePages() {
        return freePages;
    }

    /** The largest order with a free block, or -1 when the reserve is empty. */
    int largestFreeOrder() {
        for (int order = MAX_ORDER; order >= 0; order--) {
            if (!free[order].isEmpty()) {
                return order;
            }
        }
        return -1;
    }

    /** Calls {@code visitor} with every free block; for invariant checks. */
    void forEachFreeBlock(FreeBlockVisitor visitor) {
        for (int order = 0; order <= MAX_ORDER; order++) {
            for (int i = free[order].nextSetBit(0); i >= 0; i = free[order].nextSetBit(i + 1)) {
                visitor.visit(i << order, order);
            }
        }
    }

    @FunctionalInterface
    interface FreeBlockVisitor {
        void visit(int firstPage, int order);
    }
}
