/**
 * What sits on a channel: TLS wrapping, the framing conduit and its direct answers, lingering
 * close, the watchdog's timeouts by progress stamps, accept limits, the access log. Knows nothing
 * of connections.
 */
package io.mpool.server.transport;
