package io.mpool.server.connection;

import io.mpool.server.stats.ServerStats;
import java.util.ArrayList;
import java.util.List;

/**
 * What one connection's resets did beyond their count (the pool counts them): how many request
 * ends they covered without a reset of their own, how long a deferred one waited, and, from the
 * first time someone looks at the connection alone ({@link #snapshot()}: the admin endpoint's
 * detail, the live view), the last {@link #CAPACITY} in one array (recording a reset, once per
 * request, allocates nothing; {@link ResetRecord}s are built only when asked). The connection
 * makes its history only when one of these first happens ({@link #counted} counts the plain
 * reset of a request that needed none): most connections never have one. The array holds ints
 * (times in milliseconds since the connection was accepted, byte counts capped at
 * {@code Integer.MAX_VALUE}). Each reset is also counted in {@link ServerStats} and emitted as a
 * JFR event. Guarded by the connection's lock.
 */
public final class ResetHistory {
    /** How many resets the admin endpoint can show per connection. */
    public static final int CAPACITY = 8;

    /** Fields of one record, side by side so a reset writes one cache line, not six arrays. */
    private static final int AT = 0;
    private static final int BYTES_BEFORE = 1;
    private static final int NODES = 2;
    private static final int LARGE_FREED = 3;
    private static final int DEFERRED_MICROS = 4;
    private static final int COVERED = 5;
    private static final int FIELDS = 6;

    /** The last resets, or null until the first {@link #snapshot()}. */
    private int[] records;
    /** When the connection was accepted (epoch milliseconds): records hold times relative to it. */
    private final long startMillis;
    private long recorded;
    private long coalesced;
    /** When the pending reset was first deferred (System.nanoTime), or 0: only a deferred reset is timed. */
    private long pendingSinceNanos;

    ResetHistory(long startMillis) {
        this.startMillis = startMillis;
    }

    /** Request ends covered by a reset that ran for another one (or by the destroy). */
    long coalesced() {
        return coalesced;
    }

    /** A request ended and its reset had to wait. */
    void deferred(ServerStats stats) {
        stats.resetDeferred();
        if (pendingSinceNanos == 0) {
            pendingSinceNanos = System.nanoTime();
        }
    }

    /** {@code requestEnds} pending request ends are covered without a reset of their own (the destroy). */
    void coalesced(int requestEnds, ServerStats stats) {
        if (requestEnds > 0) {
            coalesced += requestEnds;
            stats.requestEndsCoalesced(requestEnds);
        }
    }

    /** Connection {@code id}'s pool was reset, covering {@code covered} request ends. */
    void reset(long id, long bytesBefore, int nodeCount, int large, int covered, ServerStats stats) {
        boolean waited = pendingSinceNanos != 0;
        long deferredMicros = waited ? (System.nanoTime() - pendingSinceNanos) / 1_000 : 0;
        pendingSinceNanos = 0;
        stats.poolReset();
        coalesced(covered - 1, stats);
        if (waited) {
            stats.deferredResetRan(deferredMicros);
        }
        record(System.currentTimeMillis(), bytesBefore, nodeCount, large, deferredMicros, covered);
        PoolResetEvent.emit(id, bytesBefore, nodeCount, large, deferredMicros, covered);
    }

    /** Connection {@code id}'s pool was reset for one request end, without waiting, and nobody looks. */
    static void counted(long id, long bytesBefore, int nodeCount, int large, ServerStats stats) {
        stats.poolReset();
        PoolResetEvent.emit(id, bytesBefore, nodeCount, large, 0, 1);
    }

    private void record(long at, long bytesBefore, int nodeCount, int large, long deferred, int covered) {
        if (records == null) {
            return; // nobody has looked at this connection alone: no history kept
        }
        int base = (int) (recorded++ % CAPACITY) * FIELDS;
        records[base + AT] = capped(at - startMillis);
        records[base + BYTES_BEFORE] = capped(bytesBefore);
        records[base + NODES] = nodeCount;
        records[base + LARGE_FREED] = large;
        records[base + DEFERRED_MICROS] = capped(deferred);
        records[base + COVERED] = covered;
    }

    private static int capped(long value) {
        return (int) Math.min(value, Integer.MAX_VALUE);
    }

    /** The recorded resets, oldest first; the first call starts the keeping (and returns none). */
    List<ResetRecord> snapshot() {
        if (records == null) {
            records = new int[CAPACITY * FIELDS];
            return List.of();
        }
        int size = (int) Math.min(recorded, CAPACITY);
        List<ResetRecord> snapshot = new ArrayList<>(size);
        for (long i = recorded - size; i < recorded; i++) {
            int base = (int) (i % CAPACITY) * FIELDS;
            snapshot.add(new ResetRecord(startMillis + records[base + AT], records[base + BYTES_BEFORE],
                    records[base + NODES], records[base + LARGE_FREED], records[base + DEFERRED_MICROS],
                    records[base + COVERED]));
        }
        return snapshot;
    }
}
