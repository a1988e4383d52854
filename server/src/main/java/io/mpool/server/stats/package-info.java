/**
 * The server-wide counters: {@link io.mpool.server.stats.ServerStats}, counted by the classes that
 * own each event through methods named for it, and {@link io.mpool.server.stats.ServerMetric}, the
 * read-only view everyone else gets. Depends on nothing else of the server.
 */
package io.mpool.server.stats;
