package io.mpool.server.connection;

import io.mpool.server.stats.ServerStats;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link RegionHold}s of one connection: region memory kept past its request, which a pending
 * reset waits for; and the whole request bodies read since the last reset, in pool memory and in
 * temp files (what such holds usually keep). Made at a connection's first hold or body: most
 * connections never have one. Guarded by the owning {@link ConnectionBufferPool}'s lock.
 */
final class RegionHolds {
    private static final Logger LOG = Logger.getLogger(ConnectionBufferPool.class.getName());

    private final List<RegionHold> holds = new ArrayList<>(0);
    private boolean leakLogged;
    /** Whole request bodies of the requests since the last reset: bytes in pool memory and in temp files. */
    private long bodyBytesInMemory;
    private long bodyBytesOnDisk;

    /** Whole-body bytes taken (positive) or given up (negative) in pool memory and on disk. */
    void accountBody(long inMemory, long onDisk) {
        bodyBytesInMemory += inMemory;
        bodyBytesOnDisk += onDisk;
    }

    /** The whole bodies went with the reset (or the destroy). */
    void bodiesGone() {
        bodyBytesInMemory = 0;
        bodyBytesOnDisk = 0;
    }

    boolean isEmpty() {
        return holds.isEmpty();
    }

    long bodyBytesInMemory() {
        return bodyBytesInMemory;
    }

    long bodyBytesOnDisk() {
        return bodyBytesOnDisk;
    }

    int size() {
        return holds.size();
    }

    void add(RegionHold hold) {
        holds.add(hold);
    }

    /** True if {@code hold} was one of these (and is now gone). */
    boolean remove(RegionHold hold) {
        return holds.remove(hold);
    }

    /** What a pending reset waits for, e.g. {@code 2 retained: request body (20000 bytes), ...}. */
    String describe() {
        return holds.size() + " retained: " + holds.get(0).what() + (holds.size() > 1 ? ", ..." : "");
    }

    /**
     * Holds never released by the time {@code connection} closed: leaks, revoked (their memory goes
     * back with the pool), counted in {@code stats}, logged once per connection.
     */
    void revokeAll(String connection, ServerStats stats) {
        if (holds.isEmpty()) {
            return;
        }
        if (!leakLogged) {
            leakLogged = true;
            LOG.warning(connection + " closed with " + holds.size() + " region hold(s) never released ("
                    + holds.get(0) + "): revoked, their memory goes back with the pool");
        }
        stats.retainsRevoked(holds.size());
        for (RegionHold hold : holds) {
            try {
                hold.revoke();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "revoking " + hold + " failed", e);
            }
        }
        holds.clear();
    }
}
