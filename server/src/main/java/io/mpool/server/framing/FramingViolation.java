package io.mpool.server.framing;

/**
 * Why a request's framing was refused.
 *
 * @param status the HTTP status to answer with (400, 408, 413, 414, 431, 501)
 * @param reason a short reason for the response body and the log; never echoes request bytes
 * @param inHead true if found in the request head (answered before Undertow sees the request);
 *               false if found in a chunked body (the handler reading it gets an IOException)
 */
public record FramingViolation(int status, String reason, boolean inHead) {
}
