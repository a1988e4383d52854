package io.mpool.server.connection;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@link #CAPACITY} resets of one connection, in preallocated arrays: recording a reset
 * (once per request) allocates nothing; {@link ResetRecord}s are built only when the admin
 * endpoint asks. Guarded by the connection's lock.
 */
public final class ResetHistory {
    /** How many resets the admin endpoint can show per connection. */
    public static final int CAPACITY = 8;

    private final long[] atEpochMillis = new long[CAPACITY];
    private final long[] bytesInUseBefore = new long[CAPACITY];
    private final int[] nodes = new int[CAPACITY];
    private final int[] largeFreed = new int[CAPACITY];
    private final long[] deferredMicros = new long[CAPACITY];
    private final int[] requestsCovered = new int[CAPACITY];
    private long recorded;

    void record(long at, long bytesBefore, int nodeCount, int large, long deferred, int covered) {
        int slot = (int) (recorded++ % CAPACITY);
        atEpochMillis[slot] = at;
        bytesInUseBefore[slot] = bytesBefore;
        nodes[slot] = nodeCount;
        largeFreed[slot] = large;
        deferredMicros[slot] = deferred;
        requestsCovered[slot] = covered;
    }

    /** The recorded resets, oldest first. */
    List<ResetRecord> snapshot() {
        int size = (int) Math.min(recorded, CAPACITY);
        List<ResetRecord> records = new ArrayList<>(size);
        for (long i = recorded - size; i < recorded; i++) {
            int slot = (int) (i % CAPACITY);
            records.add(new ResetRecord(atEpochMillis[slot], bytesInUseBefore[slot], nodes[slot], largeFreed[slot],
                    deferredMicros[slot], requestsCovered[slot]));
        }
        return records;
    }
}
