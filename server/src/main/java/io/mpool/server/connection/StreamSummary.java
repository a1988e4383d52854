package io.mpool.server.connection;

/**
 * One live HTTP/2 stream of a connection, as {@code /admin/pools/{id}} lists it.
 *
 * @param id            the HTTP/2 stream id
 * @param state         {@code running} (its exchange runs) or {@code ended} (its exchange has
 *                      ended; its region waits for buffers Undertow has not closed yet)
 * @param bytesReserved arena bytes its region holds
 * @param prereadBytes  request body bytes copied into its region and not read by the handler yet
 * @param ageMillis     since its request arrived
 */
public record StreamSummary(int id, String state, long bytesReserved, long prereadBytes, long ageMillis) {
}
