/**
 * Settings records, sizes, durations and converters, every default named once. Depends on nothing
 * else of the server.
 */
package io.mpool.server.config;
