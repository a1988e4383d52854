package io.mpool.server.connection;

import io.mpool.server.transport.RefusalLog;
import io.mpool.server.transport.RequestFramingConduit;
import io.mpool.server.transport.RequestTracker;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;

/**
 * What a connection does when it cannot get memory (the arena at its bound, or the connection at
 * its cap): the running request is answered 503 if its response has not started, a connection
 * between requests is answered 503 the lingering way, a response under way can only be cut off.
 */
final class AllocationRefusedAnswer {
    private AllocationRefusedAnswer() {
    }

    /** Answers {@code refusal} of {@code connection}'s memory (logged, rate-limited, through {@code refusals}). */
    static void answer(RuntimeException refusal, RefusalLog refusals, ConnectionBufferPool connection,
                       StreamConnection channel, RequestTracker tracker, RequestFramingConduit framing) {
        refusals.log(refusal);
        if (tracker.requestRunning() && !tracker.responseStarted()) {
            // The running request is answered 503 by RequestScopeHandler through Undertow
            // (its few bytes from the heap, see ConnectionBufferPool.refuseArena), then
            // closed the usual way after a Connection: close answer.
            connection.refuseArena();
            return;
        }
        if (tracker.requestRunning() || tracker.servesStreams()) {
            // Half an answer is out, or the connection speaks HTTP/2 (an HTTP/1.1 503 would be
            // garbage to it): only a close can end it.
            IoUtils.safeClose(channel);
        } else {
            // Straight through the framing check, which owns the socket's reads: a lingering
            // close, so the client gets the 503 even with its request unread.
            framing.refuseConnection(503, "server out of memory for this request; retry later");
        }
        connection.connectionClosed(); // the close listener may not be attached yet
    }
}
