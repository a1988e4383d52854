package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one shared, bounded, thread-safe source of memory for every {@link MpPool}.
 *
 * <h2>What it hands out</h2>
 * <ul>
 *   <li><b>Pages</b>: {@value #PAGE_SIZE} bytes, {@value #PAGE_SIZE}-byte aligned in native memory
 *   (pool nodes are pages).</li>
 *   <li><b>Large blocks</b>: page-aligned, in power-of-two size classes from 4 KB to 1 MiB
 *   ({@link SizeClasses}); above 1 MiB a block is reserved for the request and dropped when it
 *   comes back.</li>
 * </ul>
 *
 * <h2>How</h2>
 * Memory is reserved lazily from the JVM in chunks of {@value #CHUNK_SIZE} bytes (or one block,
 * if larger) with {@code ByteBuffer.allocateDirect(...).alignedSlice(PAGE_SIZE)}, cut into pages
 * or blocks of one class, and registered once. Taking and releasing is a pop/push on a lock-free
 * free list ({@link BlockStack}) per page size and per class: no lock, no {@code allocateDirect},
 * no garbage in steady state. Only reserving a new chunk takes the arena's lock.
 *
 * <h2>Bound</h2>
 * {@code reservedBytes} never exceeds {@code maxBytes}. A request that would need more is an
 * exhaustion: under {@link ExhaustionPolicy#FAIL} it throws {@link ArenaExhaustedException};
 * under {@link ExhaustionPolicy#FALLBACK} it gets an unpooled buffer. Reserved memory stays with
 * its size class: a free 64 KB block does not serve a page request.
 *
 * <h2>Scrub</h2>
 * With {@code scrub} on (the default) memory one owner wrote is never readable by the next: a
 * block released without an owner is zeroed at once; one released by an owner (a pool) is zeroed
 * when a different owner takes it, and not at all when the same owner takes it back, which is
 * what a connection does request after request.
 */
public final class PageArena {

    /** A page, and so a pool node: 4 KB, the usual OS page and nginx's {@code ngx_pagesize}. */
    public static final int PAGE_SIZE = 4096;
    /** Bytes reserved from the JVM at a time for pages or small classes: 64 pages. */
    public static final int CHUNK_SIZE = 64 * PAGE_SIZE;
    /** The arena limit when none is given: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;

    private final long maxBytes;
    private final ExhaustionPolicy policy;
    private final boolean scrub;
    private final DebugOptions debug;

    private final BlockRegistry registry = new BlockRegistry();
    private final BlockStack freePages = new BlockStack(registry);
    private final BlockStack[] freeLarge = new BlockStack[SizeClasses.COUNT];

    /** Held only while reserving a chunk from the JVM. */
    private final Object reserveLock = new Object();
    private final AtomicLong reservedBytes = new AtomicLong();
    private volatile long pagesReserved;

    private final LongAdder pagesInUse = new LongAdder();
    private final LongAdder largeBlocksInUse = new LongAdder();
    private final LongAdder largeBytesInUse = new LongAdder();
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
        for (int i = 0; i < freeLarge.length; i++) {
            freeLarge[i] = new BlockStack(registry);
        }
        this.takenAt = debug.leakTracking() ? new ConcurrentHashMap<>() : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An arena with the given bound and every other setting at its default. */
    public static PageArena withMaxBytes(long maxBytes) {
        return builder().maxBytes(maxBytes).build();
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
            block = reservePages();
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
        ArenaBlock block = freeLarge[sizeClass].pop();
        if (block == null) {
            block = reserveLarge(sizeClass);
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
        long reserve = Math.max(size, 1);
        synchronized (reserveLock) {
            if (reservedBytes.get() + reserve > maxBytes) {
                return exhausted(size, false);
            }
            reservedBytes.addAndGet(reserve);
        }
        ByteBuffer memory = alignedDirect(size);
        return handOut(new ArenaBlock(this, memory, -1, -1, ArenaBlock.Kind.UNCACHED, false), null);
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
        } else {
            largeBlocksInUse.decrement();
            largeBytesInUse.add(-block.memory.capacity());
        }
        switch (block.kind) {
            case PAGE -> {
                wipe(block, owner);
                freePages.push(block);
            }
            case LARGE -> {
                wipe(block, owner);
                freeLarge[block.sizeClass].push(block);
            }
            case UNCACHED -> reservedBytes.addAndGet(-Math.max(block.memory.capacity(), 1));
            case FALLBACK -> {
                // Never counted against the bound; the collector takes it.
            }
        }
        if (debug.paranoid()) {
            checkInvariants();
        }
    }

    public ArenaStats stats() {
        long pages = pagesInUse.sum();
        long pooledPagesInUse = pages - fallbackPagesInUse.sum();
        return new ArenaStats(PAGE_SIZE, maxBytes, reservedBytes.get(), pages,
                Math.max(0, pagesReserved - pooledPagesInUse), largeBlocksInUse.sum(),
                largeBytesInUse.sum(), exhaustions.sum(), fallbacks.sum());
    }

    public long maxBytes() {
        return maxBytes;
    }

    public ExhaustionPolicy policy() {
        return policy;
    }

    public boolean scrub() {
        return scrub;
    }

    public DebugOptions debug() {
        return debug;
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
        int count;
        synchronized (reserveLock) {
            count = registry.size();
        }
        for (int id = 0; id < count; id++) {
            ArenaBlock block = registry.get(id);
            if (block.inUse()) {
                result.add(new OutstandingBlock(block.toString(), null));
            }
        }
        return result;
    }

    /**
     * Checks the arena's invariants that hold even while other threads work: the bound, and no
     * negative counters. {@link #checkInvariantsWhenQuiet()} checks the free lists too.
     */
    public void checkInvariants() {
        long reserved = reservedBytes.get();
        if (reserved < 0 || reserved > maxBytes) {
            throw new IllegalStateException("reservedBytes=" + reserved + " outside 0.." + maxBytes);
        }
        if (pagesInUse.sum() < 0 || largeBlocksInUse.sum() < 0 || largeBytesInUse.sum() < 0) {
            throw new IllegalStateException("negative in-use counter: " + stats());
        }
    }

    /**
     * Checks every invariant, walking the free lists: each cached block is either in use or on the
     * free list of its kind exactly once. Only valid while no other thread uses the arena.
     */
    public void checkInvariantsWhenQuiet() {
        checkInvariants();
        int count;
        synchronized (reserveLock) {
            count = registry.size();
        }
        long pagesFreeOnList = freePages.sizeWhenQuiet();
        long pagesFreeByState = 0;
        long[] largeFreeByState = new long[freeLarge.length];
        for (int id = 0; id < count; id++) {
            ArenaBlock block = registry.get(id);
            if (!block.inUse()) {
                if (block.page) {
                    pagesFreeByState++;
                } else {
                    largeFreeByState[block.sizeClass]++;
                }
            }
        }
        if (pagesFreeOnList != pagesFreeByState) {
            throw new IllegalStateException("page free list holds " + pagesFreeOnList
                    + " pages but " + pagesFreeByState + " are marked free");
        }
        for (int c = 0; c < freeLarge.length; c++) {
            long onList = freeLarge[c].sizeWhenQuiet();
            if (onList != largeFreeByState[c]) {
                throw new IllegalStateException("free list of class " + SizeClasses.sizeOf(c)
                        + " holds " + onList + " blocks but " + largeFreeByState[c] + " are marked free");
            }
        }
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
        } else {
            largeBlocksInUse.increment();
            largeBytesInUse.add(block.memory.capacity());
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
        if (policy == ExhaustionPolicy.FAIL) {
            throw new ArenaExhaustedException(size, reservedBytes.get(), maxBytes);
        }
        fallbacks.increment();
        if (page) {
            fallbackPagesInUse.increment();
        }
        ByteBuffer memory = alignedDirect(size);
        return handOut(new ArenaBlock(this, memory, -1, -1, ArenaBlock.Kind.FALLBACK, page), null);
    }

    private ArenaBlock reservePages() {
        return reserve(freePages, PAGE_SIZE, -1, ArenaBlock.Kind.PAGE);
    }

    private ArenaBlock reserveLarge(int sizeClass) {
        return reserve(freeLarge[sizeClass], SizeClasses.sizeOf(sizeClass), sizeClass, ArenaBlock.Kind.LARGE);
    }

    /**
     * Reserves a chunk ({@value #CHUNK_SIZE} bytes, or one block if larger, or what the bound
     * still allows), cuts it into blocks of {@code blockSize}, registers them and pushes all but
     * one onto {@code freeList}. Returns that one (not yet handed out), or null at the bound.
     */
    private ArenaBlock reserve(BlockStack freeList, int blockSize, int sizeClass, ArenaBlock.Kind kind) {
        synchronized (reserveLock) {
            ArenaBlock raced = freeList.pop(); // another thread may have reserved meanwhile
            if (raced != null) {
                return raced;
            }
            long budget = (maxBytes - reservedBytes.get()) / blockSize * blockSize;
            int bytes = (int) Math.min(Math.max(CHUNK_SIZE, blockSize), budget);
            if (bytes < blockSize) {
                return null;
            }
            ByteBuffer chunk = alignedDirect(bytes);
            ArenaBlock first = null;
            for (int offset = 0; offset < bytes; offset += blockSize) {
                ArenaBlock block = new ArenaBlock(this, chunk.slice(offset, blockSize), registry.nextId(),
                        sizeClass, kind, kind == ArenaBlock.Kind.PAGE);
                registry.add(block);
                if (first == null) {
                    first = block;
                } else {
                    freeList.push(block);
                }
            }
            reservedBytes.addAndGet(bytes);
            if (kind == ArenaBlock.Kind.PAGE) {
                pagesReserved += bytes / PAGE_SIZE;
            }
            return first;
        }
    }

    private void checkSize(int size) {
        if (size < 0 || size > maxBytes) {
            throw new IllegalArgumentException("size=" + size + " (expected: 0.." + maxBytes
                    + ", the arena's maxBytes)");
        }
    }

    /** Direct memory of exactly {@code size} bytes starting on a page boundary. */
    private static ByteBuffer alignedDirect(int size) {
        // alignedSlice rounds the end down to a page boundary too, so reserve whole pages plus
        // one page of slack for the start.
        int pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
        ByteBuffer raw = ByteBuffer.allocateDirect((pages + 1) * PAGE_SIZE);
        return raw.alignedSlice(PAGE_SIZE).slice(0, size);
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
