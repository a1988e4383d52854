package io.mpool.server.transport;

/**
 * The streams of an HTTP/2 connection, as its {@link RequestTracker} counts them: on such a
 * connection a request runs while a stream does, and the streams opened stand for its requests.
 */
public interface StreamCounts {
    /** Streams whose exchange has started and not ended. */
    int running();

    /** Streams opened since the connection switched to HTTP/2. */
    long opened();

    /**
     * Graceful stop: streams from now on are refused (REFUSED_STREAM: not processed, safe to
     * retry elsewhere); once the running ones have ended, GOAWAY NO_ERROR with the last stream id,
     * and the connection closes.
     */
    void goAway();

    /** Whether a running stream's response waits for the peer to open its flow-control window. */
    boolean waitingForWindow();
}
