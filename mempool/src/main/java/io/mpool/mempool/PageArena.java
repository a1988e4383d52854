package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one shared, bounded, thread-safe source of memory for every {@link MpPool}.
 *
 * <h2>What it hands out</h2>
 * <ul>
 *   <li><b>Pages</b>: {@value #PAGE_SIZE} bytes, {@value #PAGE_SIZE}-byte aligned in native memory
 *   (pool nodes are pages).</li>
 *   <li><b>Large blocks</b>: page-aligned, in size classes of whole pages from 4 KB to 1 MiB
 *   (powers of two, and 20, 24 and 28 KB, where a TLS packet buffer falls: {@link SizeClasses});
 *   above 1 MiB a block is reserved for the request and dropped when it
 *   comes back.</li>
 * </ul>
 *
 * <h2>Terms</h2>
 * <ul>
 *   <li><b>chunk</b>: {@value #CHUNK_SIZE} bytes of direct memory reserved from the JVM at once
 *   ({@link ArenaChunk}), page-aligned, kept until a trim gives it back. The last chunk before the
 *   bound may be shorter.</li>
 *   <li><b>free list</b>: a lock-free stack ({@link BlockStack}) of free blocks of one class; one
 *   for pages and one per large class. This is the hot path.</li>
 *   <li><b>common reserve</b>: reserved pages carved into no class, as a buddy system
 *   ({@link CommonReserve}): any free aligned run of {@code 2^k} pages serves any class of that
 *   size or smaller, and freed buddies merge back up to whole chunks.</li>
 * </ul>
 *
 * <pre>
 *   chunk (1 MiB, 256 pages)
 *   +------------------------+-------------+------+------+--------------------------------+
 *   | 64 pages -> page list  | 8 x 16 KB   | 64KB | free | free 512 KB (common reserve)   |
 *   | (one refill batch)     | (16KB list) |      | 64KB |                                |
 *   +------------------------+-------------+------+------+--------------------------------+
 * </pre>
 *
 * <h2>Initial state</h2>
 * No chunk, every list and the reserve empty, {@code reservedBytes = 0}.
 *
 * <h2>Take</h2>
 * Pop the class's free list: no lock, no {@code allocateDirect}, no garbage. On a miss, under the
 * reservation lock ({@link ArenaReserve#refill}):
 * <ol>
 *   <li>pop again (another thread may have refilled);</li>
 *   <li>take a block from the common reserve: a refill batch of
 *   {@value ArenaReserve#REFILL_BYTES} bytes when one is free (one lock per 64 pages or 16 blocks
 *   of 16 KB), else anything down to one block; carve it into the class, hand out the first
 *   block, push the rest;</li>
 *   <li>else reserve a new chunk if the bound allows, and carve from it;</li>
 *   <li>else <b>reclaim</b>: pop every free list empty, put each block back into the common
 *   reserve, merging buddies, and carve;</li>
 *   <li>else the arena is exhausted: it holds no free aligned run of the block's size.</li>
 * </ol>
 * So memory is locked into no class: after any mix of work, once it is all released, every chunk
 * merges whole again and serves whatever comes next.
 *
 * <h2>Release</h2>
 * Push onto the class's free list (after the scrub rule below). Memory stays in its class until a
 * reclaim; reclaims happen only at the bound, when a request finds nothing else (or in a trim), and cost a pop
 * and a few bit operations per free block (about 1.8 ms for a full 64 MiB arena of free pages),
 * so the hot path never merges.
 *
 * <h2>Bound</h2>
 * {@code reservedBytes} never exceeds {@code maxBytes}. A request that would need more is an
 * exhaustion: under {@link ExhaustionPolicy#FAIL} it throws {@link ArenaExhaustedException};
 * under {@link ExhaustionPolicy#FALLBACK} it gets an unpooled buffer. Only {@link #trim} gives
 * chunks back to the JVM.
 *
 * <h2>Trim</h2>
 * {@link #trim(long) trim(keepBytes)} gives memory no longer needed back to the operating system
 * (as Netty's pooled allocator destroys empty chunks). Under the reservation lock, like a
 * reclaim but without being at the bound:
 * <ol>
 *   <li>if the chunks hold no more than {@code keepBytes}, stop: nothing can go;</li>
 *   <li>drain every free list into the common reserve, merging buddies (a reclaim, not counted
 *   as one); a chunk with no page in use merges into its initial pieces (one block of order 8
 *   for a whole chunk);</li>
 *   <li>walk the chunks from the highest slot down (first fit keeps low addresses busy, so high
 *   chunks are the ones that empty); give back each chunk that is entirely free while the free
 *   memory left reserved stays at least {@code keepBytes}: take its pieces out of the buddy
 *   tree, clear its dirty marks, empty its slot (the next chunk reserved takes the lowest empty
 *   slot), lower {@code reservedBytes}, retire its blocks' ids in the registry (a parked
 *   placeholder with no memory takes their place; new views reuse the ids), and free its memory
 *   at once with {@code Unsafe.invokeCleaner} ({@link DirectMemory}).</li>
 * </ol>
 * The hot path stays lock-free and correct: a take that finds a list drained comes to the lock
 * and is served from what is left or from a new chunk; a block popped or being released while
 * the trim runs is on no list and in no reserve, so its chunk is not entirely free and stays; a
 * pop that read the id of a drained block before the trim finds the placeholder (never null)
 * and fails its compare-and-set, since every pop and push bumps the list's tag. Every block of a
 * chunk given back was parked, so releasing one is a double release and none is carved again.
 * With no page in use, a trim leaves {@code reservedBytes} at {@code keepBytes} rounded up to
 * whole chunks. The drain costs what a reclaim costs; takes after it refill from the reserve.
 *
 * <h2>Scrub</h2>
 * With {@code scrub} on (the default) memory one owner wrote is never readable by the next: a
 * block released without an owner is zeroed at once; one released by an owner (a pool) is zeroed
 * when a different owner takes it, and not at all when the same owner takes it back, which is
 * what a connection does request after request. When a reclaim moves such a block into the
 * common reserve its pages are marked dirty, and a block carved over a dirty page is zeroed
 * before it goes on a free list; every other page in the reserve is already zero (or poisoned,
 * in poison mode).
 */
public final class PageArena {

    /** A page, and so a pool node: 4 KB, the usual OS page and nginx's {@code ngx_pagesize}. */
    public static final int PAGE_SIZE = 4096;
    /**
     * Bytes reserved from the JVM at a time: 1 MiB, the largest cached class, so one free chunk
     * can serve any class (and a chunk is one buddy tree of 256 pages).
     */
    public static final int CHUNK_SIZE = SizeClasses.MAX_CACHED_SIZE;
    /** The arena limit when none is given: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;

    private final long maxBytes;
    private final ExhaustionPolicy policy;
    private final boolean scrub;
    private final DebugOptions debug;

    private final BlockRegistry registry = new BlockRegistry();
    /** Index {@link SizeClasses#PAGE_LIST} for pages, {@code c + 1} for large class c. */
    private final BlockStack[] freeLists = new BlockStack[SizeClasses.LIST_COUNT];
    private final BlockStack freePages;

    /** The cold half: chunks, common reserve, refill and reclaim, behind its own lock. */
    private final ArenaReserve reserve;

    private final LongAdder pagesInUse = new LongAdder();
    /** Pooled large blocks in use, per class; their bytes follow from the class size. */
    private final LongAdder[] largeInUse = new LongAdder[SizeClasses.COUNT];
    /** Uncached and fallback large blocks in use, which belong to no class. */
    private final LongAdder unpooledLargeInUse = new LongAdder();
    private final LongAdder unpooledLargeBytesInUse = new LongAdder();
    private final LongAdder exhaustions = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    /** Fallback pages are in pagesInUse but were never reserved, so never on the free list. */
    private final LongAdder fallbackPagesInUse = new LongAdder();

    /** Outstanding blocks and where they were taken; null unless leak tracking is on. */
    private final Map<ArenaBlock, Throwable> takenAt;

    private PageArena(Builder builder) {
        this.maxBytes = builder.maxBytes;
        this.policy = builder.policy;
        this.scrub = builder.scrub;
        this.debug = builder.debug;
        for (int list = 0; list < freeLists.length; list++) {
            freeLists[list] = new BlockStack(registry);
        }
        this.freePages = freeLists[SizeClasses.PAGE_LIST];
        this.reserve = new ArenaReserve(this, maxBytes, registry, freeLists);
        for (int c = 0; c < largeInUse.length; c++) {
            largeInUse[c] = new LongAdder();
        }
        this.takenAt = debug.leakTracking() ? new ConcurrentHashMap<>() : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Takes one page: {@value #PAGE_SIZE} bytes, page-aligned, zeroed when scrub is on.
     *
     * @throws ArenaExhaustedException when the bound is reached and the policy is FAIL
     */
    public ArenaBlock takePage() {
        return takePage(null);
    }

    /**
     * {@link #takePage()} for an owner that releases with {@link #release(ArenaBlock, Object)}:
     * a page it released itself comes back without being zeroed.
     */
    public ArenaBlock takePage(Object owner) {
        ArenaBlock block = freePages.pop();
        if (block == null) {
            block = reserve.refill(SizeClasses.PAGE_LIST);
            if (block == null) {
                return exhausted(PAGE_SIZE, true);
            }
        }
        return handOut(block, owner);
    }

    /**
     * Takes a page-aligned block of at least {@code size} bytes (rounded up to its size class).
     *
     * @throws IllegalArgumentException when size is negative or above the arena's bound
     * @throws ArenaExhaustedException when the bound is reached and the policy is FAIL
     */
    public ArenaBlock takeLarge(int size) {
        return takeLarge(size, null);
    }

    /** {@link #takeLarge(int)} for an owner (see {@link #takePage(Object)}). */
    public ArenaBlock takeLarge(int size, Object owner) {
        checkSize(size);
        if (size > SizeClasses.MAX_CACHED_SIZE) {
            return takeUncached(size);
        }
        int sizeClass = SizeClasses.indexOf(Math.max(size, 1));
        ArenaBlock block = freeLists[SizeClasses.listOf(sizeClass)].pop();
        if (block == null) {
            block = reserve.refill(SizeClasses.listOf(sizeClass));
            if (block == null) {
                return exhausted(SizeClasses.sizeOf(sizeClass), false);
            }
        }
        return handOut(block, owner);
    }

    /**
     * Takes a block of exactly {@code size} bytes reserved for this request alone and dropped on
     * release; it counts against the bound while held. Used for huge requests and by the
     * no-pooling debug mode.
     */
    public ArenaBlock takeUncached(int size) {
        checkSize(size);
        if (!reserve.reserveUncached(Math.max(size, 1))) {
            return exhausted(size, false);
        }
        ByteBuffer memory = alignedDirect(size);
        return handOut(new ArenaBlock(this, memory, ArenaBlock.Kind.UNCACHED, false), null);
    }

    /**
     * Gives a block back. Afterwards neither the block nor any slice of it may be touched.
     *
     * @throws IllegalArgumentException if the block belongs to another arena
     * @throws IllegalStateException    if the block was already released (a double free)
     */
    public void release(ArenaBlock block) {
        release(block, null);
    }

    /**
     * Gives a block back on behalf of {@code owner}. With scrub on, the block is zeroed before
     * any other owner gets it: at once when {@code owner} is null, else lazily, when a different
     * owner takes it. A pool that takes back the block it just released (the next request on the
     * same connection) skips the memset; memory still never crosses owners unscrubbed.
     */
    public void release(ArenaBlock block, Object owner) {
        if (block.arena != this) {
            throw new IllegalArgumentException("block=" + block + " (expected: a block of this arena)");
        }
        if (!block.markFree()) {
            throw new IllegalStateException("double release of " + block + " to " + this);
        }
        if (takenAt != null) {
            takenAt.remove(block);
        }
        if (block.page) {
            pagesInUse.decrement();
            if (block.kind == ArenaBlock.Kind.FALLBACK) {
                fallbackPagesInUse.decrement();
            }
        } else if (block.sizeClass >= 0) {
            largeInUse[block.sizeClass].decrement();
        } else {
            unpooledLargeInUse.decrement();
            unpooledLargeBytesInUse.add(-block.memory.capacity());
        }
        switch (block.kind) {
            case PAGE, LARGE -> {
                wipe(block, owner);
                freeLists[block.list()].push(block);
            }
            case UNCACHED -> reserve.releaseUncached(Math.max(block.memory.capacity(), 1));
            case FALLBACK -> {
                // Never counted against the bound; the collector takes it.
            }
        }
        if (debug.paranoid()) {
            checkInvariants();
        }
    }

    /**
     * Gives every chunk that is entirely free back to the operating system, keeping at least
     * {@code keepBytes} of free memory reserved so a steady load does not reserve and free in
     * turn (see "Trim" above). Safe while other threads take and release; holds the reservation
     * lock meanwhile (a reclaim's drain plus a free per chunk).
     *
     * @param keepBytes free memory to keep reserved; 0 gives back every free chunk
     * @return the bytes given back
     * @throws IllegalArgumentException when keepBytes is negative
     */
    public long trim(long keepBytes) {
        if (keepBytes < 0) {
            throw new IllegalArgumentException("keepBytes=" + keepBytes + " (expected: >= 0)");
        }
        long given = reserve.trim(keepBytes);
        if (debug.paranoid()) {
            checkInvariants();
        }
        return given;
    }

    /** A snapshot; takes the reservation lock briefly (never held by the hot path). */
    public ArenaStats stats() {
        long pages = pagesInUse.sum();
        long[] inUse = new long[SizeClasses.LIST_COUNT];
        inUse[SizeClasses.PAGE_LIST] = pages - fallbackPagesInUse.sum();
        long largeBlocks = unpooledLargeInUse.sum();
        long largeBytes = unpooledLargeBytesInUse.sum();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long n = largeInUse[c].sum();
            inUse[SizeClasses.listOf(c)] = n;
            largeBlocks += n;
            largeBytes += n * SizeClasses.sizeOf(c);
        }
        ArenaReserve.Counts counts = reserve.counts();
        long[] carved = counts.carvedBlocks();
        List<SizeClassStats> sizeClasses = new ArrayList<>(SizeClasses.LIST_COUNT);
        for (int list = 0; list < SizeClasses.LIST_COUNT; list++) {
            long blockSize = SizeClasses.blockSizeOf(list);
            long free = Math.max(0, carved[list] - inUse[list]);
            sizeClasses.add(new SizeClassStats(list == SizeClasses.PAGE_LIST ? "page" : "large",
                    (int) blockSize, inUse[list], carved[list] * blockSize, free * blockSize));
        }
        return new ArenaStats(PAGE_SIZE, maxBytes, reserve.reservedBytes(), pages,
                Math.max(0, carved[SizeClasses.PAGE_LIST] - inUse[SizeClasses.PAGE_LIST]), largeBlocks,
                largeBytes, exhaustions.sum(), fallbacks.sum(), counts.reserveFreeBytes(), counts.reclaims(),
                sizeClasses, counts.trims(), counts.bytesTrimmed());
    }

    /** Ids the block registry has handed out; a trim's retired ids are reused, so this stays bounded. */
    int registeredBlocks() {
        return reserve.registeredBlocks();
    }

    public long maxBytes() {
        return maxBytes;
    }

    public DebugOptions debug() {
        return debug;
    }

    /**
     * An owner is done with {@code memory} (the first {@code memory.remaining()} bytes from its
     * position) but keeps it for its own reuse instead of releasing it: in poison mode it is filled
     * with {@link DebugOptions#POISON_FREED} as a release would be, so that a holder that goes on
     * using it after giving it back reads or sends an obvious pattern; otherwise nothing.
     */
    public void poisonKept(ByteBuffer memory) {
        if (debug.poison()) {
            MemoryFill.poisonFreed(memory.slice(), memory.remaining());
        }
    }

    /** {@link #poisonKept(ByteBuffer)} for a whole block its owner keeps for reuse. */
    public void poisonKept(ArenaBlock block) {
        if (debug.poison()) {
            MemoryFill.poisonFreed(block.memory, block.memory.capacity());
        }
    }

    /**
     * The blocks still handed out. With leak tracking on, each comes with the stack where it was
     * taken; without it, only the cached blocks can be listed and no site is known.
     */
    public List<OutstandingBlock> outstanding() {
        List<OutstandingBlock> result = new ArrayList<>();
        if (takenAt != null) {
            takenAt.forEach((block, site) -> result.add(new OutstandingBlock(block.toString(), site)));
            return result;
        }
        int count = reserve.registeredBlocks();
        for (int id = 0; id < count; id++) {
            ArenaBlock block = registry.get(id);
            if (block.inUse()) {
                result.add(new OutstandingBlock(block.toString(), null));
            }
        }
        return result;
    }

    /**
     * The outstanding blocks grouped by where they were taken, the site with most blocks first, at
     * most {@code top} sites ({@link LeakSite}); empty unless leak tracking is on.
     */
    public List<LeakSite> leakSites(int top) {
        return takenAt == null ? List.of() : LeakSite.group(takenAt, top);
    }

    /**
     * The outstanding blocks by site for a log ({@link LeakSite#report}, the top
     * {@value LeakSite#REPORT_SITES}); "" when none is outstanding.
     */
    public String leakReport() {
        return LeakSite.report(this, LeakSite.REPORT_SITES);
    }

    /**
     * Checks the arena's invariants that hold even while other threads work: the bound, and no
     * negative counters. {@link #checkInvariantsWhenQuiet()} checks the free lists too.
     */
    public void checkInvariants() {
        long reserved = reserve.reservedBytes();
        if (reserved < 0 || reserved > maxBytes) {
            throw new IllegalStateException("reservedBytes=" + reserved + " outside 0.." + maxBytes);
        }
        if (pagesInUse.sum() < 0 || unpooledLargeInUse.sum() < 0) {
            throw new IllegalStateException("negative in-use counter: " + stats());
        }
        for (LongAdder perClass : largeInUse) {
            if (perClass.sum() < 0) {
                throw new IllegalStateException("negative in-use counter: " + stats());
            }
        }
    }

    /**
     * Checks every invariant, walking the free lists: each cached block is in use, on the free
     * list of its class exactly once, or parked; every reserved page is covered exactly once by a
     * free-listed or in-use block or by a free block of the common reserve, and only reserve
     * pages are marked dirty; the per-class counts match. Only valid while no other thread uses
     * the arena.
     */
    public void checkInvariantsWhenQuiet() {
        checkInvariants();
        reserve.checkWhenQuiet();
    }

    @Override
    public String toString() {
        return "PageArena[" + stats() + " policy=" + policy + " scrub=" + scrub + "]";
    }

    // ---- internals ----

    private ArenaBlock handOut(ArenaBlock block, Object owner) {
        if (!block.markInUse()) {
            throw new IllegalStateException("free list handed out a block already in use: " + block);
        }
        Object dirtyFrom = block.unscrubbedOwner;
        if (dirtyFrom != null) {
            block.unscrubbedOwner = null;
            if (dirtyFrom != owner) {
                MemoryFill.zero(block.memory, block.memory.capacity()); // it changes owner: scrub now
            }
        }
        if (block.page) {
            pagesInUse.increment();
        } else if (block.sizeClass >= 0) {
            largeInUse[block.sizeClass].increment();
        } else {
            unpooledLargeInUse.increment();
            unpooledLargeBytesInUse.add(block.memory.capacity());
        }
        if (takenAt != null) {
            takenAt.put(block, new Throwable("taken here"));
        }
        if (debug.poison()) {
            MemoryFill.poisonFresh(block.memory, block.memory.capacity());
        }
        return block;
    }

    private ArenaBlock exhausted(int size, boolean page) {
        exhaustions.increment();
        ArenaExhaustedEvent.emit(size, page, reserve.reservedBytes(), maxBytes, policy != ExhaustionPolicy.FAIL);
        if (policy == ExhaustionPolicy.FAIL) {
            throw new ArenaExhaustedException(size, reserve.reservedBytes(), maxBytes);
        }
        fallbacks.increment();
        if (page) {
            fallbackPagesInUse.increment();
        }
        ByteBuffer memory = alignedDirect(size);
        return handOut(new ArenaBlock(this, memory, ArenaBlock.Kind.FALLBACK, page), null);
    }

    private void checkSize(int size) {
        if (size < 0 || size > maxBytes) {
            throw new IllegalArgumentException("size=" + size + " (expected: 0.." + maxBytes
                    + ", the arena's maxBytes)");
        }
    }

    /** Direct memory of exactly {@code size} bytes starting on a page boundary. */
    static ByteBuffer alignedDirect(int size) {
        return aligned(directForAlignment(size), size);
    }

    /** Direct memory that holds a page-aligned run of {@code size} bytes ({@link #aligned}). */
    static ByteBuffer directForAlignment(int size) {
        // alignedSlice rounds the end down to a page boundary too, so reserve whole pages plus
        // one page of slack for the start.
        int pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
        return ByteBuffer.allocateDirect((pages + 1) * PAGE_SIZE);
    }

    /** The page-aligned run of {@code size} bytes in a buffer from {@link #directForAlignment}. */
    static ByteBuffer aligned(ByteBuffer direct, int size) {
        return direct.alignedSlice(PAGE_SIZE).slice(0, size);
    }

    private void wipe(ArenaBlock block, Object owner) {
        if (debug.poison()) {
            MemoryFill.poisonFreed(block.memory, block.memory.capacity());
        } else if (scrub) {
            if (owner == null) {
                MemoryFill.zero(block.memory, block.memory.capacity());
            } else {
                block.unscrubbedOwner = owner; // zeroed when another owner takes it
            }
        }
    }

    /** Settings of a new arena; every one has a default. */
    public static final class Builder {
        private long maxBytes = DEFAULT_MAX_BYTES;
        private ExhaustionPolicy policy = ExhaustionPolicy.FAIL;
        private boolean scrub = true;
        private DebugOptions debug = DebugOptions.FROM_SYSTEM_PROPERTIES;

        private Builder() {
        }

        /** The bound on reserved memory; at least one page. Default 64 MiB. */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes < PAGE_SIZE) {
                throw new IllegalArgumentException("maxBytes=" + maxBytes + " (expected: >= "
                        + PAGE_SIZE + ", one page)");
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /** What happens at the bound. Default {@link ExhaustionPolicy#FAIL}. */
        public Builder policy(ExhaustionPolicy policy) {
            if (policy == null) {
                throw new IllegalArgumentException("policy=null (expected: FAIL or FALLBACK)");
            }
            this.policy = policy;
            return this;
        }

        /** Zero every block when it is released. Default on. */
        public Builder scrub(boolean scrub) {
            this.scrub = scrub;
            return this;
        }

        /** Debug switches. Default: the {@code mpool.debug.*} system properties. */
        public Builder debug(DebugOptions debug) {
            if (debug == null) {
                throw new IllegalArgumentException("debug=null (expected: DebugOptions.NONE or a value)");
            }
            this.debug = debug;
            return this;
        }

        public PageArena build() {
            return new PageArena(this);
        }
    }
}
