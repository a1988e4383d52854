package io.mpool.mempool;

import java.nio.ByteBuffer;

/**
 * One run of direct memory the arena reserved from the JVM: {@link PageArena#CHUNK_SIZE} bytes
 * (fewer only for a chunk cut short by the arena's bound), page-aligned, kept until a
 * {@link PageArena#trim trim} finds it entirely free and gives it back ({@link #free}). Its pages move between the common reserve and the size classes; the {@link ArenaBlock}
 * that views a range is made the first time the range is carved into a class and reused whenever
 * it is carved into that class again, so re-carving allocates nothing once a chunk has served
 * each class. At most one view per page per list: 767 for a full chunk in the power-of-two lists,
 * up to 256 more in each quarter list, a few KB of heap.
 *
 * <p>Only touched under the arena's reservation lock.
 */
final class ArenaChunk {
    /** What {@link ByteBuffer#allocateDirect} returned: the buffer whose cleaner frees it all. */
    private final ByteBuffer allocated;
    /** The page-aligned run inside {@link #allocated} that the views slice. */
    final ByteBuffer memory;
    /** Arena-wide number of the chunk's first page: {@code index * PAGES_PER_CHUNK}. */
    final int firstPage;
    final int pages;
    /** {@code views[list][i]}: the block of {@code list} starting {@code i} blocks in; lazily made. */
    private final ArenaBlock[][] views = new ArenaBlock[SizeClasses.LIST_COUNT][];

    /** Reserves {@code pages} pages of direct memory from the JVM, page-aligned. */
    ArenaChunk(int firstPage, int pages) {
        this.allocated = PageArena.directForAlignment(pages * PageArena.PAGE_SIZE);
        this.memory = PageArena.aligned(allocated, pages * PageArena.PAGE_SIZE);
        this.firstPage = firstPage;
        this.pages = pages;
    }

    /**
     * Gives the chunk's memory back to the JVM (at once where the JDK allows it) and retires every
     * view of it in {@code registry}: their ids go to the next chunk's views, and a stale read of
     * such an id finds {@code retired}, a parked block with no memory. The caller has taken every
     * page of the chunk out of the common reserve, so every view is parked and none can be carved
     * again. Returns whether the memory was freed at once.
     */
    boolean free(BlockRegistry registry, ArenaBlock retired) {
        for (ArenaBlock[] row : views) {
            if (row == null) {
                continue;
            }
            for (int i = 0; i < row.length; i++) {
                if (row[i] != null) {
                    assert !row[i].isFree() && !row[i].inUse() : "freeing a chunk with a live block: " + row[i];
                    registry.retire(row[i].id, retired);
                    row[i] = null;
                }
            }
        }
        return DirectMemory.free(allocated);
    }

    /** The (parked) block of {@code list} at arena page {@code page}, made and registered if new. */
    ArenaBlock view(PageArena arena, BlockRegistry registry, int list, int page) {
        // Buddy blocks start at multiples of their size; a quarter class's may start at any page.
        int stride = SizeClasses.isBuddy(list) ? SizeClasses.pagesOf(list) : 1;
        int index = (page - firstPage) / stride;
        ArenaBlock[] row = views[list];
        if (row == null) {
            row = views[list] = new ArenaBlock[pages / stride];
        }
        ArenaBlock view = row[index];
        if (view == null) {
            int size = SizeClasses.blockSizeOf(list);
            boolean isPage = list == SizeClasses.PAGE_LIST;
            view = new ArenaBlock(arena, memory.slice((page - firstPage) * PageArena.PAGE_SIZE, size),
                    registry.nextId(), list - 1, isPage ? ArenaBlock.Kind.PAGE : ArenaBlock.Kind.LARGE,
                    isPage, page);
            registry.add(view);
            row[index] = view;
        }
        return view;
    }
}
