package io.mpool.server.framing;

import java.nio.ByteBuffer;

/**
 * The runs of empty lines before request lines that one scan found in its bytes (a pipelining
 * client may send one before every request), and their removal from those bytes in one pass:
 * each stretch between two runs is moved down once, so a read full of them costs one copy of
 * the read, not one per run.
 */
final class EmptyLineRuns {
    /** Runs a scan usually finds: none, or one before the connection's first request. */
    private static final int INITIAL_RUNS = 4;

    /**
     * Pairs of offsets: start (inclusive) and end (exclusive) of each run, in order; made at the
     * first run (most connections never send an empty line, and an idle one should cost no array).
     */
    private int[] bounds;
    private int count;

    void clear() {
        count = 0;
    }

    /** A run {@code [start, end)}; runs come in order and do not overlap. */
    void add(int start, int end) {
        if (count > 0 && bounds[2 * count - 1] == start) {
            bounds[2 * count - 1] = end; // continues the last run
            return;
        }
        if (bounds == null) {
            bounds = new int[2 * INITIAL_RUNS];
        } else if (2 * count == bounds.length) {
            int[] grown = new int[bounds.length * 2];
            System.arraycopy(bounds, 0, grown, 0, bounds.length);
            bounds = grown;
        }
        bounds[2 * count] = start;
        bounds[2 * count + 1] = end;
        count++;
    }

    /**
     * Removes every run before {@code stop} from {@code bytes}, moving the bytes between them (and
     * after the last one, up to {@code stop}) down. Returns where the kept bytes now end.
     */
    int drop(ByteBuffer bytes, int stop) {
        if (count == 0) {
            return stop;
        }
        int out = bounds[0];
        for (int run = 0; run < count; run++) {
            int keptFrom = bounds[2 * run + 1];
            int keptTo = run + 1 < count ? bounds[2 * run + 2] : stop;
            int length = keptTo - keptFrom;
            if (length > 0) {
                // Overlapping moves are defined: as if copied through an intermediate buffer.
                bytes.put(out, bytes, keptFrom, length);
                out += length;
            }
        }
        count = 0;
        return out;
    }
}
