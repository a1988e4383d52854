package io.mpool.server.connection;

import io.mpool.server.stats.ServerStats;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link RegionHold}s of one connection: region memory kept past its request, which a pending
 * reset waits for. Guarded by the owning {@link ConnectionBufferPool}'s lock.
 */
final class RegionHolds {
    private static final Logger LOG = Logger.getLogger(ConnectionBufferPool.class.getName());

    private final List<RegionHold> holds = new ArrayList<>(0);
    private boolean leakLogged;

    boolean isEmpty() {
        return holds.isEmpty();
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
