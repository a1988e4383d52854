package io.mpool.mempool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One piece of arena memory handed to an owner: a 4 KB page or a large block.
 *
 * <p><b>Ownership.</b> Between {@link PageArena#takePage()} / {@link PageArena#takeLarge(int)}
 * and {@link PageArena#release(ArenaBlock)} the block belongs to exactly one owner (an
 * {@link MpPool}, or a caller of the arena API). After release, neither the block nor any buffer
 * sliced from it may be touched: the memory may already belong to another connection. Releasing a
 * block twice throws {@link IllegalStateException}, so a double free is caught before the memory
 * can be handed to two owners (the Jetty CVE-2019-17638 pattern).
 *
 * <p>Pooled blocks are views of an {@link ArenaChunk}, made the first time their pages are carved
 * into their class and reused whenever those pages are carved into it again, so taking and
 * releasing them allocates nothing on the heap. While the pages serve another class (or sit in
 * the arena's common reserve) the view is parked: it is neither free nor in use, and releasing it
 * is a double release. When a trim gives its chunk back to the JVM the view stays parked for
 * good: it is never carved again, and its memory must not be touched.
 */
public final class ArenaBlock {

    /** Where the memory came from, which decides what release does with it. */
    enum Kind {
        /** A page of a reserved chunk; released onto the page free list. */
        PAGE,
        /** A block of a large size class; released onto that class's free list. */
        LARGE,
        /** Reserved for one request (huge sizes, no-pooling mode); counted, dropped on release. */
        UNCACHED,
        /** Handed out past the bound under {@link ExhaustionPolicy#FALLBACK}; dropped on release. */
        FALLBACK
    }

    /** On its class's free list (or about to be pushed there, or handed out, under the lock). */
    private static final int FREE = 0;
    private static final int IN_USE = 1;
    /** Parked: its pages are in the common reserve or carved into another class. */
    private static final int IN_RESERVE = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ArenaBlock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The whole block. Owners use absolute operations and slices only; position/limit stay put. */
    final ByteBuffer memory;
    /** Index in the arena's registry, or -1 for blocks the arena does not cache. */
    final int id;
    /** Large size-class index, or -1 for pages and uncached blocks. */
    final int sizeClass;
    final Kind kind;
    /** True for a page (counted in pagesInUse), false for a large block. */
    final boolean page;
    /** Arena-wide number of the block's first page ({@link CommonReserve}), or -1 if not cached. */
    final int firstPage;

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** Next id on the free list; written before the push that publishes it. */
    int nextFree = -1;
    /**
     * The owner that released this block without it being zeroed, or null if it is clean. Written
     * by the releasing thread before the push that publishes the block.
     */
    Object unscrubbedOwner;
    /** The arena it came from and must go back to. */
    final PageArena arena;
    /** The view {@link #ownerView} hands out, kept with the block from one owner to the next. */
    private ByteBuffer ownerView;

    /** A block the arena does not cache (uncached or fallback): free until handed out. */
    ArenaBlock(PageArena arena, ByteBuffer memory, Kind kind, boolean page) {
        this(arena, memory, -1, -1, kind, page, -1);
    }

    /** A cached block: a view of {@code firstPage}.. of a chunk, parked until first carved. */
    ArenaBlock(PageArena arena, ByteBuffer memory, int id, int sizeClass, Kind kind, boolean page, int firstPage) {
        this.arena = arena;
        this.memory = memory;
        this.id = id;
        this.sizeClass = sizeClass;
        this.kind = kind;
        this.page = page;
        this.firstPage = firstPage;
        this.state = firstPage >= 0 ? IN_RESERVE : FREE;
    }

    /** Marks the block taken; false if it already was (an internal error: a free-list bug). */
    boolean markInUse() {
        return STATE.compareAndSet(this, FREE, IN_USE);
    }

    /** Marks the block free; false if it was not in use (a double release). */
    boolean markFree() {
        return STATE.compareAndSet(this, IN_USE, FREE);
    }

    boolean inUse() {
        return (int) STATE.getVolatile(this) == IN_USE;
    }

    /** True while on its free list (only meaningful when the arena is quiet). */
    boolean isFree() {
        return (int) STATE.getVolatile(this) == FREE;
    }

    /** Parks a block taken off its free list; false if it was not free (an internal error). */
    boolean markInReserve() {
        return STATE.compareAndSet(this, FREE, IN_RESERVE);
    }

    /** Un-parks a block whose pages were just carved into its class; false if it was not parked. */
    boolean markCarved() {
        return STATE.compareAndSet(this, IN_RESERVE, FREE);
    }

    /** The free list this block goes back to: {@link SizeClasses#listOf(int)}. */
    int list() {
        return SizeClasses.listOf(sizeClass);
    }

    /** A view of the whole block, position 0, limit = capacity. */
    public ByteBuffer buffer() {
        return memory.duplicate();
    }

    /**
     * The first {@code size} bytes as one buffer, cleared and big-endian: the same object for every owner that asks
     * for the same size, made once per block (an owner that hands the buffer to code it does not
     * control, which may keep the reference past the block's release, then keeps no view of its
     * own alive, and taking a block allocates nothing). Only the owner may touch it, as with any
     * view of the block.
     */
    public ByteBuffer ownerView(int size) {
        ByteBuffer view = ownerView;
        if (view == null || view.capacity() != size) {
            view = memory.slice(0, size);
            ownerView = view;
        }
        return view.clear().order(ByteOrder.BIG_ENDIAN);
    }

    public int capacity() {
        return memory.capacity();
    }

    /** True unless this block was handed out past the arena's bound (an exhaustion fallback). */
    public boolean isPooled() {
        return kind != Kind.FALLBACK;
    }

    @Override
    public String toString() {
        return (page ? "page" : "large") + (id >= 0 ? "#" + id : "") + " kind=" + kind
                + " capacity=" + memory.capacity() + " inUse=" + inUse();
    }
}
