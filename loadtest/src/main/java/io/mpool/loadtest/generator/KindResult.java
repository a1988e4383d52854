package io.mpool.loadtest.generator;

import org.HdrHistogram.Histogram;

/**
 * One kind of request in a run's result ({@code hello}, {@code echo}, ...): its weight in the mix,
 * how many got a good answer, how many failed, and their latency.
 *
 * @param weight   the kind's weight in {@code --mix}
 * @param requests good responses (2xx, body as expected when verifying)
 * @param errors   failures charged to this kind: bad status, wrong body, or in flight when its
 *                 connection broke or timed out
 */
public record KindResult(int weight, long requests, long errors, double requestsPerSecond, long p50Micros,
                         long p90Micros, long p99Micros, long p999Micros, long maxMicros) {

    static KindResult of(int weight, long requests, long errors, double seconds, Histogram latency) {
        return new KindResult(weight, requests, errors, requests / Math.max(seconds, 1e-9),
                latency.getValueAtPercentile(50), latency.getValueAtPercentile(90), latency.getValueAtPercentile(99),
                latency.getValueAtPercentile(99.9), latency.getMaxValue());
    }
}
