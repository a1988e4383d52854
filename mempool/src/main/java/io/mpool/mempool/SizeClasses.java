package io.mpool.mempool;

/**
 * Size classes of the arena's large blocks: powers of two from one page to
 * {@link #MAX_CACHED_SIZE}. A request is rounded up to its class, so at most half of a block is
 * slack; the request sizes the server makes (its buffer size) are powers of two and waste nothing.
 * Larger requests are reserved one by one and dropped on release (see {@link PageArena}).
 *
 * <p>The arena keeps one free list per class plus one for pages ({@link #PAGE_LIST}); a list's
 * blocks are {@code 2^order} pages, which is also their order in the arena's buddy reserve
 * ({@link CommonReserve}). Pages and 4 KB blocks are both order 0 but different lists, so that
 * the counters tell pool nodes from large allocations.
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
    /** 4 KB, 8 KB, ..., 1 MiB. */
    static final int COUNT = Integer.numberOfTrailingZeros(MAX_CACHED_SIZE)
            - Integer.numberOfTrailingZeros(MIN_SIZE) + 1;

    /** The free list of pages; large class {@code c} has list {@code c + 1}. */
    static final int PAGE_LIST = 0;
    /** Pages plus one list per large class. */
    static final int LIST_COUNT = COUNT + 1;

    private SizeClasses() {
    }

    /** The class of a request of {@code size} bytes, 0 < size <= MAX_CACHED_SIZE. */
    static int indexOf(int size) {
        assert size > 0 && size <= MAX_CACHED_SIZE : "size=" + size;
        int rounded = size <= MIN_SIZE ? MIN_SIZE : Integer.highestOneBit(size - 1) << 1;
        return Integer.numberOfTrailingZeros(rounded) - Integer.numberOfTrailingZeros(MIN_SIZE);
    }

    static int sizeOf(int index) {
        return MIN_SIZE << index;
    }

    /** The free list of large class {@code sizeClass}, or of pages for {@code -1}. */
    static int listOf(int sizeClass) {
        return sizeClass + 1;
    }

    /** Log2 of the pages in one block of {@code list}. */
    static int orderOf(int list) {
        return list == PAGE_LIST ? 0 : list - 1;
    }

    /** Bytes in one block of {@code list}. */
    static int blockSizeOf(int list) {
        return PageArena.PAGE_SIZE << orderOf(list);
    }
}
