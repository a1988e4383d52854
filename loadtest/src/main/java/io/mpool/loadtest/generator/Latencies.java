package io.mpool.loadtest.generator;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;

/**
 * One worker's response latencies in microseconds, all together and per request kind (index:
 * {@link RequestMix.Template#kind()}), read by the run once a second as interval histograms.
 *
 * <p>At a fixed rate ({@code --rate}) every connection is due to send once per expected interval.
 * A response that took k intervals held back the k - 1 sends due meanwhile (the connection waits
 * for its answer): a closed-loop recorder would miss exactly the slow samples that matter
 * (coordinated omission). Each value is therefore recorded with
 * {@code recordValueWithExpectedInterval}, which adds value - interval, value - 2 &times; interval,
 * ... down to one interval for those sends. Without {@code --rate} (as fast as responses come)
 * there is no schedule to miss: each value is recorded once.
 */
final class Latencies {
    /** Largest latency recorded: 60 s, in microseconds; a longer wait is recorded as 60 s. */
    static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);
    /** HdrHistogram's precision: 3 significant digits (0.1% resolution at any magnitude). */
    private static final int SIGNIFICANT_DIGITS = 3;

    final Recorder all = new Recorder(MAX_MICROS, SIGNIFICANT_DIGITS);
    final Recorder[] byKind;
    /** Microseconds between a connection's scheduled sends; 0: closed loop, no correction. */
    private final long expectedIntervalMicros;

    Latencies(int kinds, long expectedIntervalMicros) {
        if (expectedIntervalMicros < 0) {
            throw new IllegalArgumentException("expectedIntervalMicros=" + expectedIntervalMicros
                    + " (expected: 0 for no schedule, or the microseconds between a connection's sends)");
        }
        this.expectedIntervalMicros = expectedIntervalMicros;
        this.byKind = new Recorder[kinds];
        for (int k = 0; k < kinds; k++) {
            byKind[k] = new Recorder(MAX_MICROS, SIGNIFICANT_DIGITS);
        }
    }

    /**
     * The interval between one connection's sends at {@code rate} requests a second over
     * {@code connections} connections (every connection sends every connections / rate seconds),
     * in nanoseconds; 0 without a rate.
     */
    static long expectedIntervalNanos(double rate, int connections) {
        return rate > 0 ? (long) (1e9 * connections / rate) : 0;
    }

    /** Records one response of {@code kind} that took {@code micros} (clamped to 1 .. {@link #MAX_MICROS}). */
    void record(int kind, long micros) {
        long value = Math.min(MAX_MICROS, Math.max(1, micros));
        if (expectedIntervalMicros > 0) {
            all.recordValueWithExpectedInterval(value, expectedIntervalMicros);
            byKind[kind].recordValueWithExpectedInterval(value, expectedIntervalMicros);
        } else {
            all.recordValue(value);
            byKind[kind].recordValue(value);
        }
    }
}
