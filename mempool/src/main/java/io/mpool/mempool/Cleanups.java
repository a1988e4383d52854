package io.mpool.mempool;

import java.util.Arrays;

/**
 * A pool's cleanup handlers (nginx's {@code ngx_pool_cleanup_t} list): run newest first, each
 * once, all of them even when some throw.
 */
final class Cleanups {
    private static final Runnable[] NO_HANDLERS = new Runnable[0];
    /** Shared by every pool that has registered no cleanup (it is never added to: runs and counts nothing). */
    static final Cleanups NONE = new Cleanups();
    /** First growth of the handler array. */
    private static final int INITIAL_CAPACITY = 4;

    private Runnable[] handlers = NO_HANDLERS;
    private int count;

    void add(Runnable cleanup) {
        assert this != NONE : "a cleanup added to the shared empty list";
        if (count == handlers.length) {
            handlers = Arrays.copyOf(handlers, Math.max(INITIAL_CAPACITY, count * 2));
        }
        handlers[count++] = cleanup;
    }

    int count() {
        return count;
    }

    /** Runs and forgets every handler, newest first; returns the first failure (others suppressed), or null. */
    RuntimeException runAll() {
        RuntimeException failure = null;
        while (count > 0) {
            Runnable cleanup = handlers[--count];
            handlers[count] = null;
            try {
                cleanup.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }
}
