/**
 * The command line: {@code Main}, flag and environment parsing into the builder, usage errors, the
 * health check command and the command line's log format. The first user of the public API; only it
 * depends on picocli (optional for embedders).
 */
package io.mpool.server.cli;
