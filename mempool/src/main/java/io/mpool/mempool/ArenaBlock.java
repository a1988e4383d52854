package io.mpool.mempool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

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
 * <p>Pooled blocks are created once, when the arena reserves memory, and reused forever, so taking
 * and releasing them allocates nothing on the heap.
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

    private static final int FREE = 0;
    private static final int IN_USE = 1;
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

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = FREE;
    /** Next id on the free list; written before the push that publishes it. */
    int nextFree = -1;
    /**
     * The owner that released this block without it being zeroed, or null if it is clean. Written
     * by the releasing thread before the push that publishes the block.
     */
    Object unscrubbedOwner;
    /** The arena it came from and must go back to. */
    final PageArena arena;

    ArenaBlock(PageArena arena, ByteBuffer memory, int id, int sizeClass, Kind kind, boolean page) {
        this.arena = arena;
        this.memory = memory;
        this.id = id;
        this.sizeClass = sizeClass;
        this.kind = kind;
        this.page = page;
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

    /** A view of the whole block, position 0, limit = capacity. */
    public ByteBuffer buffer() {
        return memory.duplicate();
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
