package io.mpool.mempool;

import java.util.Arrays;

/**
 * A pool's cleanup handlers (nginx's {@code ngx_pool_cleanup_t} list): run newest first, each
 * once, all of them even when some throw.
 */
final class Cleanups {
    private static final Runnable[] NONE = new Runnable[0];
    /** First growth of the handler array. */
    private static final int INITIAL_CAPACITY = 4;

    private Runnable[] handlers = NONE;
    private int count;

    void add(Runnable cleanup) {
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
