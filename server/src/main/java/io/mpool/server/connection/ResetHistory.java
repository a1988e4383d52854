package io.mpool.server.connection;

import java.util.ArrayList;
import java.util.List;

/**
 * What one connection's resets did: how many ran, how many request ends they covered, and the last
 * {@link #CAPACITY} in one array (recording a reset, once per request, allocates nothing;
 * {@link ResetRecord}s are built only when the admin endpoint asks). The array (400 bytes) is made
 * the first time someone looks at the connection's detail: most connections are never looked at,
 * and an idle one should cost as little heap as possible; until then only the last reset is kept.
 * Each reset is also counted in {@link ServerStats} and emitted as a JFR event. Guarded by the
 * connection's lock.
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

    /** The last {@link #CAPACITY} resets once someone has looked ({@link #snapshot}); else the last one. */
    private long[] records = new long[FIELDS];
    private long recorded;
    private long resets;
    private long coalesced;
    /** When the pending reset was first deferred (System.nanoTime), or 0: only a deferred reset is timed. */
    private long pendingSinceNanos;

    long resets() {
        return resets;
    }

    /** Request ends covered by a reset that ran for another one (or by the destroy). */
    long coalesced() {
        return coalesced;
    }

    /** A request ended and its reset had to wait. */
    void deferred(ServerStats stats) {
        stats.resetsDeferred.increment();
        if (pendingSinceNanos == 0) {
            pendingSinceNanos = System.nanoTime();
        }
    }

    /** {@code requestEnds} pending request ends are covered without a reset of their own (the destroy). */
    void coalesced(int requestEnds, ServerStats stats) {
        if (requestEnds > 0) {
            coalesced += requestEnds;
            stats.resetsCoalesced.add(requestEnds);
        }
    }

    /** Connection {@code id}'s pool was reset, covering {@code covered} request ends. */
    void reset(long id, long bytesBefore, int nodeCount, int large, int covered, ServerStats stats) {
        boolean waited = pendingSinceNanos != 0;
        long deferredMicros = waited ? (System.nanoTime() - pendingSinceNanos) / 1_000 : 0;
        pendingSinceNanos = 0;
        resets++;
        stats.resets.increment();
        coalesced(covered - 1, stats);
        if (waited) {
            stats.resetDelays.recordDeferred(deferredMicros);
        }
        record(System.currentTimeMillis(), bytesBefore, nodeCount, large, deferredMicros, covered);
        PoolResetEvent.emit(id, bytesBefore, nodeCount, large, deferredMicros, covered);
    }

    private void record(long at, long bytesBefore, int nodeCount, int large, long deferred, int covered) {
        int base = (int) (recorded++ % capacity()) * FIELDS;
        records[base + AT] = at;
        records[base + BYTES_BEFORE] = bytesBefore;
        records[base + NODES] = nodeCount;
        records[base + LARGE_FREED] = large;
        records[base + DEFERRED_MICROS] = deferred;
        records[base + COVERED] = covered;
    }

    private int capacity() {
        return records.length / FIELDS;
    }

    /** The recorded resets, oldest first; from now on the last {@link #CAPACITY} are kept. */
    List<ResetRecord> snapshot() {
        int size = (int) Math.min(recorded, capacity());
        List<ResetRecord> snapshot = new ArrayList<>(size);
        for (long i = recorded - size; i < recorded; i++) {
            int base = (int) (i % capacity()) * FIELDS;
            snapshot.add(new ResetRecord(records[base + AT], records[base + BYTES_BEFORE], (int) records[base + NODES],
                    (int) records[base + LARGE_FREED], records[base + DEFERRED_MICROS], (int) records[base + COVERED]));
        }
        if (capacity() < CAPACITY) {
            long[] last = records;
            records = new long[CAPACITY * FIELDS];
            if (recorded > 0) {
                System.arraycopy(last, 0, records, (int) ((recorded - 1) % CAPACITY) * FIELDS, FIELDS);
            }
        }
        return snapshot;
    }
}
