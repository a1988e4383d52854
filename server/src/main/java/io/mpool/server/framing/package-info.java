/**
 * The pure request-framing scanner and its violations: bytes in, verdicts out; no XNIO or
 * Undertow type.
 */
package io.mpool.server.framing;
