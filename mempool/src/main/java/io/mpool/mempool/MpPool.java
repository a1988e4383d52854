package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A region allocator after nginx's {@code ngx_pool_t}: many small allocations bump a pointer in a
 * chain of 4 KB nodes, large ones sit on a list, and everything is released at once by
 * {@link #reset()} (keep the nodes) or {@link #destroy()} (give everything back); an idle pool
 * can give its nodes back and stay usable ({@link #releaseNodes()}).
 *
 * <h2>Terms</h2>
 * <ul>
 *   <li><b>node</b>: one {@value #NODE_SIZE}-byte page from the {@link PageArena}, with
 *   {@code last} (first free byte), {@code end}, {@code next} and {@code failed}.</li>
 *   <li><b>max</b>: the small limit; a request of at most {@code max} bytes is small.</li>
 *   <li><b>current</b>: the first node a small allocation tries.</li>
 *   <li><b>large</b>: the list of allocations above {@code max}, each a block from the arena
 *   ({@link LargeList}).</li>
 *   <li><b>kept bytes</b>: the start of the head node, which resets leave alone
 *   ({@link #allocateKept}).</li>
 *   <li><b>empty</b>: a live pool that holds no node and no block ({@link #releaseNodes()}):
 *   {@code head = current = null}.</li>
 * </ul>
 *
 * <h2>A node</h2>
 * <pre>
 *   page (4096 bytes, 4096-aligned in native memory)
 *   +---------+--+---------+------------+----------------------------+
 *   | alloc 1 |p | alloc 2 |  alloc 3   |           free             |
 *   +---------+--+---------+------------+----------------------------+
 *   0            ^ p = padding to ALIGNMENT  last                    end
 * </pre>
 *
 * <h2>Initial state</h2>
 * One node (the head, taken from the arena at {@link #create}), {@code current = head}, no large
 * list (made at the first large allocation: {@link LargeAllocations}), no cleanups.
 *
 * <h2>States</h2>
 * <pre>
 *   create --&gt; HOLDING: head node (+ more nodes, large blocks) --reset--&gt; HOLDING, rewound
 *                 |    ^
 *   releaseNodes  |    |  the next allocation of any kind (allocateKept too)
 *   (nothing but  v    |  takes a head node from the arena again
 *   kept bytes   EMPTY: no node, no block, bytesReserved() == 0, still live
 *   in use)
 *   HOLDING or EMPTY --destroy--&gt; DESTROYED: every call throws
 * </pre>
 *
 * <h2>Allocate (small: size &lt;= max)</h2>
 * From {@code current} along the chain, the first node whose aligned {@code last} leaves
 * {@code size} bytes serves the request by bumping {@code last}. If none can, a new node is taken
 * from the arena and appended, and every node from {@code current} up to (not including) the old
 * tail gets {@code failed++}; a node whose old count was above {@link #FAILED_LIMIT} moves
 * {@code current} past it, so nearly-full nodes stop being searched. This is
 * {@code ngx_palloc_block} to the letter, including its quirk that the tail itself is not
 * counted.
 *
 * <h2>Allocate (large: size &gt; max)</h2>
 * A block from the arena; the first entries of the large list are scanned for an empty slot
 * ({@code ngx_palloc_large}: at most {@link #LARGE_SLOT_SCAN} + 2 entries), else a new entry is
 * pushed at the head of the list. {@link #free} releases a large block early and leaves its slot
 * empty.
 *
 * <h2>Reset</h2>
 * Cleanups run (newest first) and are cleared, every large block goes back to the arena, every
 * node is rewound ({@code last = 0, failed = 0}; the head node to just past its kept bytes,
 * {@link #allocateKept}) and {@code current = head}. Nodes are kept: the next request on the same
 * owner allocates without touching the arena. Unlike nginx, cleanups do run at reset: a handler
 * registered for a request must not outlive it. An owner may opt in to keeping a few large blocks
 * across resets ({@link #cacheOnReset}). A reset with nothing allocated and no cleanup added since
 * the last one only counts itself: an owner whose request took no memory touches no node or list.
 *
 * <h2>Release nodes</h2>
 * nginx frees an idle keep-alive connection's header buffer and keeps a small pool; here an idle
 * owner can keep nothing: when nothing but the kept bytes is in use (after a reset, no large
 * allocation live, no cleanup pending), every node (the head too) and every cached block goes
 * back to the arena and the kept bytes are forgotten. The pool stays live and empty; its next
 * allocation takes a head node again, and {@link #allocateKept} may be called again first.
 *
 * <h2>Destroy</h2>
 * Cleanups run, every large block and every node goes back to the arena, and the pool is dead:
 * any further call throws {@link IllegalStateException} naming the pool.
 *
 * <h2>Ownership</h2>
 * A buffer returned by an allocate method is valid until the next {@link #reset()},
 * {@link #releaseNodes()} or {@link #destroy()} (or {@link #free} for a large one); the kept bytes
 * ({@link #allocateKept}) survive resets but not {@code releaseNodes} or {@code destroy}. After
 * that its memory belongs to the next allocation, or to another pool, and the {@link ByteBuffer}
 * object itself may be handed out again, cleared and big-endian, by this pool's next request
 * cycle (the kept bytes' view, by the next pool that keeps bytes of the same page): a pool
 * remembers the views it handed out and reuses them for the same allocations after a reset, so
 * a repeating cycle creates no garbage (never after {@link #free}, so a second free is
 * still caught; never in no-pooling mode). The pool cannot revoke a buffer, so the owner must drop
 * every reference first (and must not compare buffers of different cycles by identity); the
 * server enforces this with its own buffer handles, and the poison and no-pooling modes
 * ({@link DebugOptions}) make violations visible.
 *
 * <p>Not thread-safe: one owner at a time (the server holds a lock per connection).
 */
public final class MpPool extends LargeAllocations implements AutoCloseable {

    /** A node is one arena page. */
    public static final int NODE_SIZE = PageArena.PAGE_SIZE;
    /** nginx {@code NGX_MAX_ALLOC_FROM_POOL = ngx_pagesize - 1}: the default small limit. */
    public static final int DEFAULT_MAX = NODE_SIZE - 1;
    /** nginx {@code NGX_ALIGNMENT = sizeof(unsigned long)}: what {@link #allocate} aligns to. */
    public static final int ALIGNMENT = 8;
    /** ngx_palloc_block: {@code if (p->d.failed++ > 4) pool->current = p->d.next;}. */
    public static final int FAILED_LIMIT = 4;
    /** ngx_palloc_large: {@code if (n++ > 3) break;} scans at most 5 entries for an empty slot. */
    public static final int LARGE_SLOT_SCAN = LargeList.LARGE_SLOT_SCAN;
    /** The most blocks {@link #cacheOnReset} may keep: a bound on what an idle owner can hold. */
    public static final int MAX_CACHED_BLOCKS = 64;

    private static final AtomicLong IDS = new AtomicLong();

    private final PageArena arena;
    /** Shown by {@link #name()}: a string, or an object of the owner's whose {@code toString()} names it. */
    private final Object name;
    private final int max;
    private final DebugOptions debug;

    /** The first node, or null while the pool is empty ({@link #releaseNodes()}). */
    private Node head;
    private Node current;
    private int nodeCount;
    private Cleanups cleanups = Cleanups.NONE; // made at the first addCleanup: most pools register none
    private boolean destroyed;
    /** Whether anything was allocated or a cleanup added since the last reset (else it has nothing to do). */
    private boolean usedSinceReset;

    private long smallAllocations;
    private long largeAllocations;
    private long bytesRequested;
    /** Bytes handed out from the nodes since the last reset, padding and kept bytes included. */
    private long nodeBytesInUse;
    private long resets;
    private long highWaterBytes;
    /** Bytes at the start of the head node that resets keep ({@link #allocateKept}). */
    private int keptBytes;

    private MpPool(PageArena arena, int max, Object name) {
        this.arena = arena;
        this.max = max;
        this.name = name;
        this.debug = arena.debug();
        takeHead();
    }

    /** Takes the head node from the arena (at create, and on the first allocation of an empty pool). */
    private void takeHead() {
        assert head == null && nodeCount == 0 : name() + ": a head node already";
        head = new Node(arena.takePage(this), 0);
        current = head;
        nodeCount = 1;
    }

    /** A pool with the default small limit ({@value #DEFAULT_MAX}) and a generated name. */
    public static MpPool create(PageArena arena) {
        return create(arena, DEFAULT_MAX);
    }

    /** A pool whose small limit is {@code max} (0..{@value #NODE_SIZE}). */
    public static MpPool create(PageArena arena, int max) {
        return create(arena, max, "mp_pool#" + IDS.incrementAndGet());
    }

    /**
     * A pool named {@code name} (used in messages and stats) whose small limit is {@code max}.
     * Takes its first node from the arena. The name may be any object (its {@code toString()} made
     * only when a message or the stats ask), so a pool per connection keeps no string of its own.
     *
     * @throws IllegalArgumentException for a null arena or name, or max outside 0..NODE_SIZE
     * @throws ArenaExhaustedException  when the arena cannot give the first node
     */
    public static MpPool create(PageArena arena, int max, Object name) {
        if (arena == null) {
            throw new IllegalArgumentException("arena=null (expected: a PageArena)");
        }
        if (name == null) {
            throw new IllegalArgumentException("name=null (expected: a name for messages)");
        }
        if (max < 0 || max > NODE_SIZE) {
            throw new IllegalArgumentException("max=" + max + " (expected: 0.." + NODE_SIZE + ")");
        }
        return new MpPool(arena, max, name);
    }

    // ---- allocation ----

    /** {@code size} bytes aligned to {@value #ALIGNMENT} (nginx {@code ngx_palloc}). */
    public ByteBuffer allocate(int size) {
        return allocate(size, ALIGNMENT, false);
    }

    /** {@code size} bytes with no alignment (nginx {@code ngx_pnalloc}), e.g. for strings. */
    public ByteBuffer allocateUnaligned(int size) {
        return allocate(size, 1, false);
    }

    /** {@code size} zeroed bytes aligned to {@value #ALIGNMENT} (nginx {@code ngx_pcalloc}). */
    public ByteBuffer allocateZeroed(int size) {
        return allocate(size, ALIGNMENT, true);
    }

    /**
     * {@code size} bytes whose native address is a multiple of {@code alignment}, a power of two
     * up to {@value #NODE_SIZE} (nginx {@code ngx_pmemalign}).
     */
    public ByteBuffer allocateAligned(int size, int alignment) {
        if (alignment <= 0 || alignment > NODE_SIZE || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment=" + alignment
                    + " (expected: a power of two in 1.." + NODE_SIZE + ")");
        }
        return allocate(size, alignment, false);
    }

    /**
     * {@code size} bytes at the start of the head node that resets keep: only {@link #destroy()}
     * gives them back (nginx keeps its pool header there; {@code ngx_reset_pool} rewinds the first
     * block to just past it). For memory the owner uses in every cycle, such as a connection's
     * request-head buffer, so that no cycle allocates it again. Once per head node, before any
     * other allocation: on a new pool, or on one whose nodes {@link #releaseNodes()} gave back
     * (which takes a head node from the arena for it). The buffer is the page's own view, the
     * object the next pool to keep bytes of that page gets too: a pool made per connection makes none.
     *
     * @throws IllegalArgumentException if {@code size} is outside 1..{@value #NODE_SIZE}/2
     * @throws IllegalStateException    if bytes were kept already or the pool is not empty
     * @throws ArenaExhaustedException  if the pool is empty and the arena cannot give a head node
     */
    public ByteBuffer allocateKept(int size) {
        checkLive();
        if (size < 1 || size > NODE_SIZE / 2) {
            throw new IllegalArgumentException("size=" + size + " (expected: 1.." + NODE_SIZE / 2
                    + ", at most half the head node) in " + name());
        }
        if (keptBytes > 0 || bytesInUse() > 0) {
            throw new IllegalStateException("allocateKept(" + size + ") in " + name() + ": only once, on an empty pool");
        }
        if (head == null) {
            takeHead();
        }
        keptBytes = align(size, ALIGNMENT);
        head.last = keptBytes;
        nodeBytesInUse += keptBytes;
        bytesRequested += size;
        smallAllocations++;
        return head.page.ownerView(size);
    }

    /** Bytes kept across resets at the start of the head node ({@link #allocateKept}). */
    public int keptBytes() {
        return keptBytes;
    }

    private ByteBuffer allocate(int size, int alignment, boolean zeroed) {
        checkLive();
        if (size < 0 || size > arena.maxBytes()) {
            throw new IllegalArgumentException("size=" + size + " (expected: 0.." + arena.maxBytes()
                    + ", the arena's maxBytes) in " + name());
        }
        if (head == null) {
            takeHead(); // an empty pool: any allocation, small or large, takes its head node first
        }
        bytesRequested += size;
        usedSinceReset = true; // before the arena may refuse: a partial allocation is rewound too
        ByteBuffer result;
        if (size <= max && !debug.noPooling()) {
            result = allocateSmall(size, alignment);
            smallAllocations++;
            if (zeroed) {
                MemoryFill.zero(result, size);
            } else if (debug.poison()) {
                MemoryFill.poisonFresh(result, size);
            }
        } else {
            result = large().allocate(size);
            largeAllocations++;
            if (zeroed) {
                MemoryFill.zero(result, size);
            }
        }
        highWaterBytes = Math.max(highWaterBytes, bytesInUse());
        if (debug.paranoid()) {
            checkInvariants();
        }
        return result;
    }

    private ByteBuffer allocateSmall(int size, int alignment) {
        Node p = current;
        do {
            int m = align(p.last, alignment);
            if (p.end - m >= size) {
                nodeBytesInUse += m + size - p.last;
                p.last = m + size;
                return p.slice(m, size);
            }
            p = p.next;
        } while (p != null);
        return allocateBlock(size);
    }

    /** ngx_palloc_block: a new node serves the request; nodes that could not are penalised. */
    private ByteBuffer allocateBlock(int size) {
        Node fresh = new Node(arena.takePage(this), nodeCount);
        fresh.last = size; // offset 0 is page-aligned, so aligned for every supported alignment
        nodeBytesInUse += size;
        Node p = current;
        for (; p.next != null; p = p.next) {
            if (p.failed++ > FAILED_LIMIT) {
                current = p.next;
            }
        }
        p.next = fresh;
        nodeCount++;
        return fresh.slice(0, size);
    }

    /**
     * Frees a large allocation now (nginx {@code ngx_pfree}), leaving an empty slot.
     *
     * @param buffer a buffer returned by this pool's allocate methods
     * @return true if it was a live large allocation and is now freed; false for a small
     *         allocation, which only a reset releases (nginx's {@code NGX_DECLINED})
     * @throws IllegalStateException if the buffer is larger than the small limit but is not a live
     *                               large allocation of this pool (freed twice, freed by a reset,
     *                               or from another pool)
     */
    public boolean free(ByteBuffer buffer) {
        checkLive();
        if (buffer == null) {
            throw new IllegalArgumentException("buffer=null (expected: a buffer of " + name() + ")");
        }
        if (large != null && large.free(buffer)) {
            if (debug.paranoid()) {
                checkInvariants();
            }
            return true;
        }
        if (buffer.capacity() > max) {
            throw new IllegalStateException("free of " + buffer + " in " + name()
                    + ": not a live large allocation of this pool (freed twice, freed by reset, or foreign)");
        }
        return false;
    }

    /**
     * Lets {@link #reset()} keep up to {@code maxBlocks} released large blocks of at most
     * {@code maxBlockBytes} each for this pool's next allocations of the same size class (off by
     * default: nginx's reset frees every large block), so an owner that allocates the same buffers
     * request after request skips the arena and the scrub of memory changing owners. Safe as the
     * nodes are: only after a reset, only by this pool; the view last handed out for a block is
     * handed out again (cleared). {@link #releaseCached()} gives them back; destroy always does.
     *
     * @throws IllegalArgumentException for maxBlocks outside 0..64 or a negative byte limit
     */
    public MpPool cacheOnReset(int maxBlocks, int maxBlockBytes) {
        checkLive();
        if (maxBlocks < 0 || maxBlocks > MAX_CACHED_BLOCKS) {
            throw new IllegalArgumentException("maxBlocks=" + maxBlocks + " (expected: 0.." + MAX_CACHED_BLOCKS + ")");
        }
        if (maxBlockBytes < 0) {
            throw new IllegalArgumentException("maxBlockBytes=" + maxBlockBytes + " (expected: >= 0)");
        }
        keepOnReset(maxBlocks, maxBlockBytes);
        return this;
    }

    // ---- cleanups ----

    /**
     * Registers a handler to run at the next {@link #reset()} or {@link #destroy()}, newest
     * first (nginx {@code ngx_pool_cleanup_add}); it runs once and is then forgotten.
     */
    public void addCleanup(Runnable cleanup) {
        checkLive();
        if (cleanup == null) {
            throw new IllegalArgumentException("cleanup=null (expected: a Runnable) in " + name());
        }
        if (cleanups == Cleanups.NONE) {
            cleanups = new Cleanups();
        }
        cleanups.add(cleanup);
        usedSinceReset = true;
    }

    // ---- reset and destroy ----

    /**
     * Releases everything allocated since the last reset: runs the cleanups, gives the large
     * blocks back to the arena (but for those {@link #cacheOnReset} lets it keep), rewinds every
     * node. The nodes stay with the pool.
     *
     * @throws RuntimeException the first exception a cleanup threw, after the reset is complete
     */
    public void reset() {
        checkLive();
        resets++;
        if (!usedSinceReset) { // the nodes are rewound, the large list and the cleanups empty
            if (debug.paranoid()) {
                checkInvariants();
            }
            return;
        }
        usedSinceReset = false;
        RuntimeException failure = cleanups.runAll();
        if (large != null) {
            large.releaseAll(true);
        }
        for (Node node = head; node != null; node = node.next) {
            int start = node == head ? keptBytes : 0;
            if (debug.poison() && node.last > start) {
                MemoryFill.poisonFreed(node.page.memory.slice(start, node.last - start), node.last - start);
            }
            node.rewind(start);
        }
        current = head;
        nodeBytesInUse = keptBytes;
        if (debug.paranoid()) {
            checkInvariants();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Runs the cleanups and gives every node and large block back to the arena. The pool cannot
     * be used afterwards.
     *
     * @throws IllegalStateException if the pool was already destroyed
     * @throws RuntimeException      the first exception a cleanup threw, after all memory is back
     */
    public void destroy() {
        checkLive();
        RuntimeException failure = cleanups.runAll();
        dropLarge();
        for (Node node = head; node != null; node = node.next) {
            arena.release(node.page, this);
        }
        current = null;
        destroyed = true;
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * For an owner going idle: gives every node (the head too), the kept bytes and every cached
     * block back to the arena if nothing but the kept bytes is in use (no allocation since the
     * last reset, no cleanup pending). The pool stays live and empty ({@code nodeCount() == 0},
     * {@code bytesReserved() == 0}); its next allocation of any kind, {@link #allocateKept}
     * included, takes a head node again. Every buffer it handed out is invalid afterwards.
     *
     * @return true if the pool is empty now; false, changing nothing, if other memory or a
     *         cleanup is still held (nginx's {@code NGX_DECLINED}): reset first
     * @throws IllegalStateException if the pool was destroyed
     */
    public boolean releaseNodes() {
        checkLive();
        if (nodeBytesInUse > keptBytes || largeCount() > 0 || cleanups.count() > 0) {
            return false;
        }
        dropLarge(); // only empty slots, cached blocks and spare entries are left on it
        for (Node node = head; node != null; node = node.next) {
            arena.release(node.page, this);
        }
        head = null;
        current = null;
        nodeCount = 0;
        nodeBytesInUse = 0;
        keptBytes = 0;
        if (debug.paranoid()) {
            checkInvariants();
        }
        return true;
    }

    /** {@link #destroy()}, but a no-op on a destroyed pool (for try-with-resources). */
    @Override
    public void close() {
        if (!destroyed) {
            destroy();
        }
    }

    // ---- inspection ----

    public String name() {
        return name.toString();
    }

    public int max() {
        return max;
    }

    @Override
    public PageArena arena() {
        return arena;
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    /** Bytes handed out since the last reset, alignment padding included. */
    public long bytesInUse() {
        return nodeBytesInUse + largeBytes();
    }

    /** Arena memory this pool holds now: its nodes, its live large blocks and its cached blocks. */
    public long bytesReserved() {
        return destroyed ? 0 : (long) nodeCount * NODE_SIZE + largeBytesReserved();
    }

    public long resets() {
        return resets;
    }

    public int nodeCount() {
        return destroyed ? 0 : nodeCount;
    }

    public PoolStats stats() {
        List<PoolStats.NodeStats> nodes = new ArrayList<>(nodeCount);
        int currentIndex = -1;
        if (!destroyed) {
            for (Node node = head; node != null; node = node.next) {
                nodes.add(new PoolStats.NodeStats(node.index, node.last, node.free(), node.failed));
                if (node == current) {
                    currentIndex = node.index;
                }
            }
        }
        List<PoolStats.LargeStats> entries = new ArrayList<>();
        if (large != null) {
            large.addStats(entries);
        }
        return new PoolStats(name(), nodes, currentIndex, entries, cleanups.count(), smallAllocations,
                largeAllocations, bytesRequested, bytesInUse(), bytesReserved(), cachedCount(), resets,
                Math.max(highWaterBytes, bytesInUse()), destroyed);
    }

    /**
     * Checks the pool's invariants (the paranoid mode calls this after every operation): node
     * bounds, {@code current} on the chain, the byte accounting, and live large blocks still held
     * from the arena.
     *
     * @throws IllegalStateException naming the pool and the broken invariant
     */
    public void checkInvariants() {
        PoolInvariants.check(this, head, current, nodeBytesInUse, large);
    }

    void checkLive() {
        if (destroyed) {
            throw new IllegalStateException(name() + " is destroyed");
        }
    }

    private static int align(int offset, int alignment) {
        return (offset + alignment - 1) & -alignment;
    }

    @Override
    public String toString() {
        return "MpPool[" + name() + " max=" + max + " nodes=" + nodeCount() + " bytesInUse=" + bytesInUse()
                + " bytesReserved=" + bytesReserved() + " resets=" + resets + " destroyed=" + destroyed + "]";
    }
}
