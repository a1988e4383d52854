package io.mpool.server.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * How long resets waited after their request ended, as a histogram with fixed buckets.
 *
 * <p>Only a deferred reset (one that waited for Undertow to close a buffer) is recorded, and
 * recording is two {@link LongAdder} additions on the path that already reads the clock for it. A
 * reset that ran at once costs nothing here: it is counted by {@link ServerStats#resets} anyway,
 * so the snapshot puts {@code resets - deferred recorded} into the zero bucket and the histogram
 * covers every reset.
 */
public final class ResetDelays {
    /**
     * Upper bounds of the buckets, in microseconds: 0 for resets that ran at once, then decades
     * from 10 µs (a buffer closed on the same IO-thread turn) to 10 s (longer than any timeout a
     * buffer can be held by a live request without the connection closing); above it, +Inf.
     */
    static final long[] UPPER_BOUNDS_MICROS = {0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000};

    private final LongAdder[] deferred = new LongAdder[UPPER_BOUNDS_MICROS.length + 1];
    private final LongAdder deferredMicrosSum = new LongAdder();

    ResetDelays() {
        for (int i = 0; i < deferred.length; i++) {
            deferred[i] = new LongAdder();
        }
    }

    /** A deferred reset ran {@code micros} after its request ended (never the zero bucket). */
    public void recordDeferred(long micros) {
        int bucket = 1;
        while (bucket < UPPER_BOUNDS_MICROS.length && micros > UPPER_BOUNDS_MICROS[bucket]) {
            bucket++;
        }
        deferred[bucket].increment();
        deferredMicrosSum.add(micros);
    }

    /** Upper bounds in seconds, without the last (+Inf) bucket. */
    public static double[] upperBoundsSeconds() {
        double[] seconds = new double[UPPER_BOUNDS_MICROS.length];
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] = UPPER_BOUNDS_MICROS[i] / 1e6;
        }
        return seconds;
    }

    /**
     * The histogram now, given the resets counted so far: bucket counts (not cumulative; the last
     * is +Inf) and the sum of delays. Counters are read one after another, so while resets run the
     * zero bucket may lag by the resets in between; it is never negative.
     */
    public Snapshot snapshot(long resets) {
        long[] counts = new long[deferred.length];
        long deferredTotal = 0;
        for (int i = 1; i < counts.length; i++) {
            counts[i] = deferred[i].sum();
            deferredTotal += counts[i];
        }
        counts[0] = Math.max(0, resets - deferredTotal);
        return new Snapshot(counts, deferredMicrosSum.sum() / 1e6);
    }

    /**
     * @param counts     resets per bucket, in the order of {@link #upperBoundsSeconds()}, +Inf last
     * @param sumSeconds the delays added up
     */
    public record Snapshot(long[] counts, double sumSeconds) {
        public long count() {
            long total = 0;
            for (long count : counts) {
                total += count;
            }
            return total;
        }
    }
}
