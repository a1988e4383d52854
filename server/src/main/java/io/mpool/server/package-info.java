/**
 * The public API: the server and its builder ({@link io.mpool.server.MpoolServer},
 * {@link io.mpool.server.MpoolServerBuilder}), what handlers use ({@link io.mpool.server.RequestRegion},
 * {@link io.mpool.server.RequestBody}, {@link io.mpool.server.BlockingRequests},
 * {@link io.mpool.server.AllowedMethods}), TLS set-up, and read-only views of the arena and the totals.
 * Only public types live here; everything else is internal, and no public signature here names an
 * internal type ({@code PackageRulesTest}).
 */
package io.mpool.server;
