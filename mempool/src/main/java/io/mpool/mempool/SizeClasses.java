package io.mpool.mempool;

/**
 * Size classes of the arena's large blocks: powers of two from one page to
 * {@link #MAX_CACHED_SIZE}. A request is rounded up to its class, so at most half of a block is
 * slack; the request sizes the server makes (its buffer size) are powers of two and waste nothing.
 * Larger requests are reserved one by one and dropped on release (see {@link PageArena}).
 */
final class SizeClasses {
    /** The smallest large block: one page, for pools whose small limit is below a page. */
    static final int MIN_SIZE = PageArena.PAGE_SIZE;
    /**
     * The largest cached block: 1 MiB. Above it a block is rare enough (a huge scratch area) that
     * caching would pin more memory than it saves.
     */
    static final int MAX_CACHED_SIZE = 1 << 20;
    /** 4 KB, 8 KB, ..., 1 MiB. */
    static final int COUNT = Integer.numberOfTrailingZeros(MAX_CACHED_SIZE)
            - Integer.numberOfTrailingZeros(MIN_SIZE) + 1;

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
}
