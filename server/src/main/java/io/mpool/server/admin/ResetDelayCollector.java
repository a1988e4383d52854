package io.mpool.server.admin;

import io.mpool.server.stats.ResetDelays;
import io.mpool.server.stats.ServerMetric;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;

/**
 * {@code mpool_reset_delay_seconds}, a Prometheus histogram read at scrape time from the
 * {@link ResetDelays} the connections fill. Micrometer has no meter that reads a histogram kept
 * elsewhere (its Timer records each value itself, and over JMX through a Dropwizard reservoir
 * that takes a lock), so this one family is a collector on the Prometheus registry beneath
 * Micrometer's; JMX gets its count and sum as a FunctionTimer.
 */
final class ResetDelayCollector implements Collector {
    static final String NAME = "mpool_reset_delay_seconds";
    private static final MetricMetadata METADATA = new MetricMetadata(NAME,
            "Time from the end of a request to its pool's reset (0 when it ran at once)", Unit.SECONDS);

    private final ServerMetric stats;
    private final double[] upperBounds;

    ResetDelayCollector(ServerMetric stats) {
        this.stats = stats;
        double[] bounds = ResetDelays.upperBoundsSeconds();
        this.upperBounds = new double[bounds.length + 1];
        System.arraycopy(bounds, 0, upperBounds, 0, bounds.length);
        upperBounds[bounds.length] = Double.POSITIVE_INFINITY;
    }

    @Override
    public MetricSnapshot collect() {
        ResetDelays.Snapshot delays = stats.resetDelays();
        HistogramSnapshot.HistogramDataPointSnapshot point = new HistogramSnapshot.HistogramDataPointSnapshot(
                ClassicHistogramBuckets.of(upperBounds, delays.counts()), delays.sumSeconds(), Labels.EMPTY,
                Exemplars.EMPTY, 0L);
        return new HistogramSnapshot(METADATA, List.of(point));
    }

    @Override
    public String getPrometheusName() {
        return NAME;
    }
}
