package io.mpool.server.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The counters every request bumps (requests started, entered, completed; pool resets), kept per
 * thread and summed when read: each counting thread (an IO thread, a worker running a blocking
 * request) owns one {@link Cell} whose fields only it writes. A thread finds its cell in a slot
 * picked by its id (the IO threads' ids are few and close together, so each has a slot of its
 * own): three loads and a compare, then a plain add, where a shared {@code LongAdder} costs a
 * locked compare-and-set (four per request) and a thread-local look-up about as much. A thread
 * whose slot another holds looks its cell up in a {@code ThreadLocal}.
 *
 * <p>Writes are release stores and reads acquire loads (plain moves on x86): a reader sees each
 * count whole, and a completion it sees implies the entry of the same request, which happened
 * before it on whichever thread. {@link #inFlight()} reads the completions first, so it is never
 * below the requests truly in flight at its start.
 *
 * <p>A thread's cell is made at its first count and kept after the thread ends (its counts stay in
 * the sums); each thread allocates its own in its own allocation buffer, so two IO threads' cells
 * do not share a cache line.
 */
final class RequestCounters {
    private static final VarHandle REQUESTS;
    private static final VarHandle ENTERED;
    private static final VarHandle COMPLETED;
    private static final VarHandle RESETS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTS = lookup.findVarHandle(Cell.class, "requests", long.class);
            ENTERED = lookup.findVarHandle(Cell.class, "entered", long.class);
            COMPLETED = lookup.findVarHandle(Cell.class, "completed", long.class);
            RESETS = lookup.findVarHandle(Cell.class, "resets", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Slots of cells by thread id: a power of two, more than a server has IO threads. */
    private static final int SLOTS = 64;

    /** One thread's counts; written by that thread only. */
    private static final class Cell {
        private final Thread owner;
        private long requests;
        private long entered;
        private long completed;
        private long resets;

        Cell(Thread owner) {
            this.owner = owner;
        }
    }

    /** Every cell ever made, for the sums (a thread's, made at its first count: rare writes). */
    private final List<Cell> cells = new CopyOnWriteArrayList<>();
    private final AtomicReferenceArray<Cell> slots = new AtomicReferenceArray<>(SLOTS);
    private final ThreadLocal<Cell> ownCell = ThreadLocal.withInitial(this::newCell);

    private Cell newCell() {
        Cell cell = new Cell(Thread.currentThread());
        cells.add(cell);
        return cell;
    }

    /** The calling thread's cell: from its slot, else (a slot held by another thread) its thread-local one. */
    private Cell cell() {
        Thread thread = Thread.currentThread();
        int slot = (int) (thread.getId() & (SLOTS - 1));
        Cell cell = slots.getPlain(slot);
        if (cell != null && cell.owner == thread) {
            return cell;
        }
        return slowCell(slot, cell);
    }

    private Cell slowCell(int slot, Cell inSlot) {
        Cell cell = ownCell.get();
        if (inSlot == null) {
            slots.compareAndSet(slot, null, cell); // first come keeps the slot; others stay on the thread-local way
        }
        return cell;
    }

    void requestStarted() {
        increment(REQUESTS);
    }

    void requestEntered() {
        increment(ENTERED);
    }

    void requestCompleted() {
        increment(COMPLETED);
    }

    void poolReset() {
        increment(RESETS);
    }

    /**
     * One more in {@code counter} of the calling thread's cell: a plain read (only this thread
     * writes the field), a release store. Each caller passes a constant handle and this is small
     * enough to be inlined into it, so the JIT makes of it what a field written by name would be.
     */
    private void increment(VarHandle counter) {
        Cell cell = cell();
        counter.setRelease(cell, (long) counter.get(cell) + 1);
    }

    long requests() {
        return sum(REQUESTS);
    }

    long resets() {
        return sum(RESETS);
    }

    /** Requests entered and not yet completed: completions read first (see the class comment). */
    long inFlight() {
        long completed = sum(COMPLETED);
        return sum(ENTERED) - completed;
    }

    private long sum(VarHandle counter) {
        long sum = 0;
        for (Cell cell : cells) {
            sum += (long) counter.getAcquire(cell);
        }
        return sum;
    }
}
