/**
 * How whole request bodies are kept for {@code RequestBody}: the limits, the server-wide budget of
 * pool memory bodies may hold, temp files for bodies past it (created, bounded, counted, deleted),
 * and the settings handlers find through their exchange. Used by the public API only; counts
 * through {@link io.mpool.server.stats.ServerStats}.
 */
package io.mpool.server.body;
