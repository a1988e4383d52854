/**
 * The admin listener and what it serves: the JSON endpoint, the live view, metrics (Micrometer:
 * Prometheus text and JMX) and health. It reads snapshots and the read-only counters
 * ({@link io.mpool.server.stats.ServerMetric}); it never holds a connection's lock for long.
 */
package io.mpool.server.admin;
