package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything behind a {@link PageArena}'s reservation lock (this object's monitor): the chunks,
 * the common reserve, refills, reclaims, trims and the bound. The arena's hot path never comes here;
 * a take comes here only when its free list is empty. The algorithm is described on
 * {@link PageArena}.
 */
final class ArenaReserve {
    /**
     * Bytes a miss moves from the common reserve to a free list at once: 64 pages, the size of the
     * chunks before issue #11, so a ramp-up takes the lock as often as it did then.
     */
    static final int REFILL_BYTES = 64 * PageArena.PAGE_SIZE;
    private static final int REFILL_ORDER = Integer.numberOfTrailingZeros(REFILL_BYTES / PageArena.PAGE_SIZE);

    private final PageArena arena;
    private final long maxBytes;
    private final BlockRegistry registry;
    private final BlockStack[] freeLists;

    /** Chunks plus uncached blocks in use; written under the lock, except uncached releases. */
    private final AtomicLong reservedBytes = new AtomicLong();
    /** By slot ({@code firstPage / PAGES_PER_CHUNK}); null where a trim gave the chunk back. */
    private final List<ArenaChunk> chunks = new ArrayList<>();
    /** Pages of the chunks held now (reservedBytes less the uncached blocks, in pages). */
    private long chunkPages;
    /** What the registry holds under the id of a block whose chunk was given back. */
    private final ArenaBlock retired;
    private final CommonReserve reserve = new CommonReserve();
    /** Blocks carved into each list, free or in use. */
    private final long[] carvedBlocks = new long[SizeClasses.LIST_COUNT];
    /**
     * Pages in the common reserve that an owner released unscrubbed: a reclaim only marks them,
     * and a block carved over any of them is zeroed then, so the zeroing is spread over refills
     * instead of lengthening the reclaim (a reclaim of a full 64 MiB arena: ~1.8 ms; zeroing it
     * too took 7-20 ms).
     */
    private final BitSet dirtyPages = new BitSet();
    private long reclaims;
    private long trims;
    private long bytesTrimmed;

    ArenaReserve(PageArena arena, long maxBytes, BlockRegistry registry, BlockStack[] freeLists) {
        this.arena = arena;
        this.maxBytes = maxBytes;
        this.registry = registry;
        this.freeLists = freeLists;
        this.retired = new ArenaBlock(arena, ByteBuffer.allocate(0), -1, -1, ArenaBlock.Kind.PAGE, true, 0);
    }

    /**
     * The slow path of a take that found {@code list} empty (see {@link PageArena}): a block of
     * the list, carved but not yet handed out, or null when the arena holds no free run of its
     * size.
     */
    synchronized ArenaBlock refill(int list) {
        ArenaBlock raced = freeLists[list].pop(); // another thread may have refilled meanwhile
        if (raced != null) {
            return raced;
        }
        int order = SizeClasses.runOrderOf(list);
        ArenaBlock block = carveFromReserve(list, order);
        if (block == null && reserveChunk(order)) {
            block = carveFromReserve(list, order);
            assert block != null : "a new chunk serves order " + order;
        }
        if (block == null && reclaim() > 0) {
            block = carveFromReserve(list, order);
        }
        return block;
    }

    /** Counts {@code bytes} of an uncached block against the bound; false if they do not fit. */
    synchronized boolean reserveUncached(long bytes) {
        if (reservedBytes.get() + bytes > maxBytes) {
            return false;
        }
        reservedBytes.addAndGet(bytes);
        return true;
    }

    /** Gives an uncached block's bytes back; lock-free (it only lowers the count). */
    void releaseUncached(long bytes) {
        reservedBytes.addAndGet(-bytes);
    }

    long reservedBytes() {
        return reservedBytes.get();
    }

    /** What {@link PageArena#stats()} needs from behind the lock, read together. */
    record Counts(long[] carvedBlocks, long reserveFreeBytes, long reclaims, long trims, long bytesTrimmed) {
    }

    synchronized Counts counts() {
        return new Counts(carvedBlocks.clone(), reserve.freePages() * PageArena.PAGE_SIZE, reclaims, trims,
                bytesTrimmed);
    }

    /**
     * Gives back to the JVM every chunk that is entirely free once the free lists are drained,
     * highest slot first, while at least {@code keepBytes} of free memory stays reserved; returns
     * the bytes given back. See "Trim" on {@link PageArena}.
     */
    synchronized long trim(long keepBytes) {
        if (chunkPages * PageArena.PAGE_SIZE <= keepBytes) {
            return 0; // even with nothing in use there is nothing above what is to be kept
        }
        drainFreeLists();
        long freeBytes = reserve.freePages() * PageArena.PAGE_SIZE;
        long given = 0;
        for (int slot = chunks.size() - 1; slot >= 0 && freeBytes > keepBytes; slot--) {
            ArenaChunk chunk = chunks.get(slot);
            if (chunk == null) {
                continue;
            }
            long bytes = (long) chunk.pages * PageArena.PAGE_SIZE;
            if (freeBytes - bytes < keepBytes || !reserve.removeChunkIfFree(chunk.firstPage, chunk.pages)) {
                continue; // a smaller (short) chunk further down may still fit, so go on
            }
            dirtyPages.clear(chunk.firstPage, chunk.firstPage + chunk.pages);
            chunks.set(slot, null);
            chunkPages -= chunk.pages;
            reservedBytes.addAndGet(-bytes);
            chunk.free(registry, retired);
            freeBytes -= bytes;
            given += bytes;
        }
        while (!chunks.isEmpty() && chunks.get(chunks.size() - 1) == null) {
            chunks.remove(chunks.size() - 1);
        }
        if (given > 0) {
            trims++;
            bytesTrimmed += given;
        }
        return given;
    }

    /** Blocks registered so far; ids below this resolve in the registry. */
    synchronized int registeredBlocks() {
        return registry.size();
    }

    /**
     * The quiet-time invariants of memory (see {@link PageArena#checkInvariantsWhenQuiet()}):
     * every reserved page covered exactly once, by a free-listed or in-use block or by a free
     * block of the common reserve; only reserve pages marked dirty; per-list counts exact.
     */
    synchronized void checkWhenQuiet() {
        long[] freeByState = new long[SizeClasses.LIST_COUNT];
        long[] inUseByState = new long[SizeClasses.LIST_COUNT];
        byte[] coverage = new byte[chunks.size() * CommonReserve.PAGES_PER_CHUNK];
        for (int id = 0; id < registry.size(); id++) {
            ArenaBlock block = registry.get(id);
            boolean free = block.isFree();
            if (free || block.inUse()) {
                (free ? freeByState : inUseByState)[block.list()]++;
                int pages = SizeClasses.pagesOf(block.list());
                cover(coverage, block.firstPage, pages, block);
                int dirty = dirtyPages.nextSetBit(block.firstPage);
                if (dirty >= 0 && dirty < block.firstPage + pages) {
                    throw new IllegalStateException("page " + dirty + " of " + block
                            + " is still marked dirty outside the reserve");
                }
            }
        }
        reserve.forEachFreeBlock((page, order) -> cover(coverage, page, 1 << order, "the common reserve"));
        long reservedPages = 0;
        for (ArenaChunk chunk : chunks) {
            if (chunk == null) {
                continue; // given back: its pages must be covered by nothing, checked below
            }
            reservedPages += chunk.pages;
            for (int page = chunk.firstPage; page < chunk.firstPage + CommonReserve.PAGES_PER_CHUNK; page++) {
                int expected = page < chunk.firstPage + chunk.pages ? 1 : 0;
                if (coverage[page] != expected) {
                    throw new IllegalStateException("page " + page + " is covered " + coverage[page]
                            + " times (expected: " + expected + ")");
                }
            }
        }
        for (int list = 0; list < SizeClasses.LIST_COUNT; list++) {
            long onList = freeLists[list].sizeWhenQuiet();
            if (onList != freeByState[list]) {
                throw new IllegalStateException("free list of " + SizeClasses.blockSizeOf(list)
                        + "-byte " + (list == SizeClasses.PAGE_LIST ? "pages" : "blocks") + " holds "
                        + onList + " blocks but " + freeByState[list] + " are marked free");
            }
            if (carvedBlocks[list] != freeByState[list] + inUseByState[list]) {
                throw new IllegalStateException("list " + list + " counts " + carvedBlocks[list]
                        + " carved blocks but holds " + freeByState[list] + " free and "
                        + inUseByState[list] + " in use");
            }
        }
        for (int slot = 0; slot < chunks.size(); slot++) {
            if (chunks.get(slot) == null) {
                int first = slot * CommonReserve.PAGES_PER_CHUNK;
                for (int page = first; page < first + CommonReserve.PAGES_PER_CHUNK; page++) {
                    if (coverage[page] != 0) {
                        throw new IllegalStateException("page " + page + " of a chunk given back is covered "
                                + coverage[page] + " times (expected: 0)");
                    }
                }
                int dirty = dirtyPages.nextSetBit(first);
                if (dirty >= 0 && dirty < first + CommonReserve.PAGES_PER_CHUNK) {
                    throw new IllegalStateException("page " + dirty + " of a chunk given back is marked dirty");
                }
            }
        }
        if (reservedPages != chunkPages) {
            throw new IllegalStateException("chunks hold " + reservedPages + " pages but " + chunkPages + " are counted");
        }
        if (reservedBytes.get() < reservedPages * PageArena.PAGE_SIZE) {
            throw new IllegalStateException("reservedBytes=" + reservedBytes.get() + " below the "
                    + reservedPages + " pages of its chunks");
        }
    }

    private static void cover(byte[] coverage, int firstPage, int pages, Object what) {
        for (int page = firstPage; page < firstPage + pages; page++) {
            if (page >= coverage.length || ++coverage[page] > 1) {
                throw new IllegalStateException("page " + page + " covered twice or outside every chunk, by " + what);
            }
        }
    }

    // ---- under the lock ----

    /**
     * Takes a refill batch for {@code list} from the common reserve (or, if no batch-sized run is
     * free, the largest run down to one block's run), carves it into the list's blocks, pushes all
     * but the lowest and returns that one; null if the reserve has no run of {@code order} (the
     * smallest run that holds a block, {@link SizeClasses#runOrderOf}).
     */
    private ArenaBlock carveFromReserve(int list, int order) {
        for (int runOrder = Math.max(order, REFILL_ORDER); runOrder >= order; runOrder--) {
            int page = reserve.allocate(runOrder);
            if (page >= 0) {
                return carve(list, order, page, runOrder);
            }
        }
        return null;
    }

    /**
     * Carves the run of {@code 2^runOrder} pages at {@code page} into blocks of {@code list}; the
     * pages a quarter class's blocks do not fill (3 of 8 for 20 KB blocks, 4 of 64 in a refill
     * batch) go back to the common reserve.
     */
    private ArenaBlock carve(int list, int order, int page, int runOrder) {
        ArenaChunk chunk = chunks.get(page / CommonReserve.PAGES_PER_CHUNK);
        int pages = SizeClasses.pagesOf(list);
        int blocks = (1 << runOrder) / pages;
        reserve.freeRun(page + blocks * pages, (1 << runOrder) - blocks * pages);
        ArenaBlock first = chunk.view(arena, registry, list, page);
        // Pushed from the top down, so the list hands blocks out in address order.
        for (int i = blocks - 1; i > 0; i--) {
            ArenaBlock block = chunk.view(arena, registry, list, page + i * pages);
            unpark(block, pages);
            freeLists[list].push(block);
        }
        unpark(first, pages);
        carvedBlocks[list] += blocks;
        return first;
    }

    private void unpark(ArenaBlock block, int pages) {
        if (!block.markCarved()) {
            throw new IllegalStateException("carved a block that was not parked: " + block);
        }
        int end = block.firstPage + pages;
        int dirty = dirtyPages.nextSetBit(block.firstPage);
        if (dirty >= 0 && dirty < end) {
            MemoryFill.zero(block.memory, block.memory.capacity());
            dirtyPages.clear(block.firstPage, end);
        }
    }

    /**
     * Reserves a chunk ({@value PageArena#CHUNK_SIZE} bytes, or what the bound still allows) into
     * the common reserve, if that is at least {@code 2^order} pages.
     */
    private boolean reserveChunk(int order) {
        long budgetPages = (maxBytes - reservedBytes.get()) / PageArena.PAGE_SIZE;
        int pages = (int) Math.min(CommonReserve.PAGES_PER_CHUNK, budgetPages);
        if (pages < 1 << order) {
            return false;
        }
        int slot = chunks.indexOf(null); // the lowest slot a trim emptied, so page numbers stay low
        if (slot < 0) {
            slot = chunks.size();
        }
        int firstPage = Math.multiplyExact(slot, CommonReserve.PAGES_PER_CHUNK);
        ArenaChunk chunk = new ArenaChunk(firstPage, pages);
        if (slot == chunks.size()) {
            chunks.add(chunk);
        } else {
            chunks.set(slot, chunk);
        }
        chunkPages += pages;
        reserve.addChunk(firstPage, pages);
        reservedBytes.addAndGet((long) pages * PageArena.PAGE_SIZE);
        return true;
    }

    /** {@link #drainFreeLists()} for a request at the bound; counted in {@code reclaims}. */
    private long reclaim() {
        long pages = drainFreeLists();
        if (pages > 0) {
            reclaims++;
        }
        return pages;
    }

    /**
     * Moves every free block of every class back into the common reserve, merging buddies; the
     * pages of a block an owner released unscrubbed are marked dirty. Returns the pages moved.
     * Other threads may push and pop meanwhile: a pop that finds a list drained comes here and
     * waits; a block popped or being released meanwhile is not on a list, stays out of the
     * reserve, and so keeps its chunk from being given back.
     */
    private long drainFreeLists() {
        long pages = 0;
        for (int list = 0; list < SizeClasses.LIST_COUNT; list++) {
            int blockPages = SizeClasses.pagesOf(list);
            BlockStack freeList = freeLists[list];
            for (ArenaBlock block = freeList.pop(); block != null; block = freeList.pop()) {
                if (!block.markInReserve()) {
                    throw new IllegalStateException("free list held a block not free: " + block);
                }
                if (block.unscrubbedOwner != null) {
                    block.unscrubbedOwner = null;
                    dirtyPages.set(block.firstPage, block.firstPage + blockPages);
                }
                reserve.freeRun(block.firstPage, blockPages);
                carvedBlocks[list]--;
                pages += blockPages;
            }
        }
        return pages;
    }
}
