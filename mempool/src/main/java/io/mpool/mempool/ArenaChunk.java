package io.mpool.mempool;

import java.nio.ByteBuffer;

/**
 * One run of direct memory the arena reserved from the JVM: {@link PageArena#CHUNK_SIZE} bytes
 * (fewer only for a chunk cut short by the arena's bound), page-aligned, kept for the arena's
 * life. Its pages move between the common reserve and the size classes; the {@link ArenaBlock}
 * that views a range is made the first time the range is carved into a class and reused whenever
 * it is carved into that class again, so re-carving allocates nothing once a chunk has served
 * each class. At most one view per page per list: 767 for a full chunk, a few KB of heap.
 *
 * <p>Only touched under the arena's reservation lock.
 */
final class ArenaChunk {
    final ByteBuffer memory;
    /** Arena-wide number of the chunk's first page: {@code index * PAGES_PER_CHUNK}. */
    final int firstPage;
    final int pages;
    /** {@code views[list][i]}: the block of {@code list} starting {@code i} blocks in; lazily made. */
    private final ArenaBlock[][] views = new ArenaBlock[SizeClasses.LIST_COUNT][];

    ArenaChunk(ByteBuffer memory, int firstPage, int pages) {
        assert memory.capacity() == pages * PageArena.PAGE_SIZE : "capacity=" + memory.capacity();
        this.memory = memory;
        this.firstPage = firstPage;
        this.pages = pages;
    }

    /** The (parked) block of {@code list} at arena page {@code page}, made and registered if new. */
    ArenaBlock view(PageArena arena, BlockRegistry registry, int list, int page) {
        int order = SizeClasses.orderOf(list);
        int index = (page - firstPage) >> order;
        ArenaBlock[] row = views[list];
        if (row == null) {
            row = views[list] = new ArenaBlock[pages >> order];
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
