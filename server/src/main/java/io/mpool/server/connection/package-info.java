/**
 * One connection's memory and life: one {@code Connection} per accepted channel (its region, watchdog
 * state, conduits, TLS and HTTP/2 hand-over, its one teardown), the registry (one map per listener),
 * the request and stream regions, reset history, and the handler that stands before the
 * application (Expect: 100-continue, upgrades refused). Sits above {@code transport}: it owns what
 * sits on the channel.
 */
package io.mpool.server.connection;
