package io.mpool.server.connection;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@link #CAPACITY} resets of one connection, in one preallocated array: recording a reset
 * (once per request) allocates nothing; {@link ResetRecord}s are built only when the admin
 * endpoint asks. Guarded by the connection's lock.
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

    private final long[] records = new long[CAPACITY * FIELDS];
    private long recorded;

    void record(long at, long bytesBefore, int nodeCount, int large, long deferred, int covered) {
        int base = (int) (recorded++ % CAPACITY) * FIELDS;
        records[base + AT] = at;
        records[base + BYTES_BEFORE] = bytesBefore;
        records[base + NODES] = nodeCount;
        records[base + LARGE_FREED] = large;
        records[base + DEFERRED_MICROS] = deferred;
        records[base + COVERED] = covered;
    }

    /** The recorded resets, oldest first. */
    List<ResetRecord> snapshot() {
        int size = (int) Math.min(recorded, CAPACITY);
        List<ResetRecord> snapshot = new ArrayList<>(size);
        for (long i = recorded - size; i < recorded; i++) {
            int base = (int) (i % CAPACITY) * FIELDS;
            snapshot.add(new ResetRecord(records[base + AT], records[base + BYTES_BEFORE], (int) records[base + NODES],
                    (int) records[base + LARGE_FREED], records[base + DEFERRED_MICROS], (int) records[base + COVERED]));
        }
        return snapshot;
    }
}
