package io.mpool.mempool;

/**
 * Size classes of the arena's large blocks: whole pages, from one page to
 * {@link #MAX_CACHED_SIZE}. Powers of two, plus quarter steps between 16 KB and 32 KB (20, 24 and
 * 28 KB): the JDK's TLS engine needs buffers of 16,709 bytes ({@code SSLRecord.maxRecordSize}, a
 * record and its header), which the power-of-two class above would round up to 32 KB, nearly
 * doubling what every TLS connection holds; in its 20 KB class it costs 3,771 bytes of slack.
 * Other requests are rounded up to their class, so at most half of a block is slack; the request
 * sizes the server makes otherwise (its buffer size) are powers of two and waste nothing. Larger
 * requests are reserved one by one and dropped on release (see {@link PageArena}).
 *
 * <p>The arena keeps one free list per class plus one for pages ({@link #PAGE_LIST}), in
 * ascending block size. A block of a power-of-two class is a block of the arena's buddy reserve
 * ({@link CommonReserve}); a block of a quarter class is carved from the smallest buddy run that
 * holds it (8 pages for 5, 6 or 7), several to a refill batch, and what is left of the run goes
 * back to the reserve at once, so the block costs its own pages only. Pages and 4 KB blocks are
 * both one page but different lists, so that the counters tell pool nodes from large allocations.
 */
final class SizeClasses {
    /** The smallest large block: one page, for pools whose small limit is below a page. */
    static final int MIN_SIZE = PageArena.PAGE_SIZE;
    /**
     * The largest cached block: 1 MiB. Above it a block is rare enough (a huge scratch area) that
     * caching would pin more memory than it saves. It is also the arena's chunk, the root of each
     * buddy tree, so any free chunk can serve any class.
     */
    static final int MAX_CACHED_SIZE = 1 << 20;
    /** Log2 of the pages of the largest class: a whole chunk, the buddy reserve's largest order. */
    static final int MAX_ORDER = Integer.numberOfTrailingZeros(MAX_CACHED_SIZE / PageArena.PAGE_SIZE);
    /** Pages in one block of each large class, ascending. */
    private static final int[] CLASS_PAGES = {1, 2, 4, 5, 6, 7, 8, 16, 32, 64, 128, 256};
    /** 4 KB, 8 KB, 16 KB, 20 KB, 24 KB, 28 KB, 32 KB, 64 KB, ..., 1 MiB. */
    static final int COUNT = CLASS_PAGES.length;
    /** The class of a request of {@code p} pages, for p in 1..256. */
    private static final byte[] CLASS_OF_PAGES = new byte[(MAX_CACHED_SIZE / PageArena.PAGE_SIZE) + 1];

    static {
        int sizeClass = 0;
        for (int pages = 1; pages < CLASS_OF_PAGES.length; pages++) {
            while (CLASS_PAGES[sizeClass] < pages) {
                sizeClass++;
            }
            CLASS_OF_PAGES[pages] = (byte) sizeClass;
        }
    }

    /** The free list of pages; large class {@code c} has list {@code c + 1}. */
    static final int PAGE_LIST = 0;
    /** Pages plus one list per large class. */
    static final int LIST_COUNT = COUNT + 1;

    private SizeClasses() {
    }

    /** The class of a request of {@code size} bytes, 0 < size <= MAX_CACHED_SIZE. */
    static int indexOf(int size) {
        assert size > 0 && size <= MAX_CACHED_SIZE : "size=" + size;
        return CLASS_OF_PAGES[(size + PageArena.PAGE_SIZE - 1) / PageArena.PAGE_SIZE];
    }

    static int sizeOf(int index) {
        return CLASS_PAGES[index] * PageArena.PAGE_SIZE;
    }

    /** The free list of large class {@code sizeClass}, or of pages for {@code -1}. */
    static int listOf(int sizeClass) {
        return sizeClass + 1;
    }

    /** Pages in one block of {@code list}. */
    static int pagesOf(int list) {
        return list == PAGE_LIST ? 1 : CLASS_PAGES[list - 1];
    }

    /** Log2 of the smallest buddy run that holds a block of {@code list}: its order, for a power of two. */
    static int runOrderOf(int list) {
        return 32 - Integer.numberOfLeadingZeros(pagesOf(list) - 1);
    }

    /** Whether the blocks of {@code list} are buddy blocks (a power of two of pages, aligned to it). */
    static boolean isBuddy(int list) {
        return Integer.bitCount(pagesOf(list)) == 1;
    }

    /** Bytes in one block of {@code list}. */
    static int blockSizeOf(int list) {
        return pagesOf(list) * PageArena.PAGE_SIZE;
    }
}
