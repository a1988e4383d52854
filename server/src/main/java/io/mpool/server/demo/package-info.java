/**
 * The demo application ({@code /hello}, {@code /echo}, {@code /upload}, {@code /bytes}, {@code /json},
 * static files), built on the public API only, as any embedder's application is.
 */
package io.mpool.server.demo;
