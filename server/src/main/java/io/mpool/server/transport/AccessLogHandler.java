package io.mpool.server.transport;

import io.mpool.server.connection.ConnectionBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * One connection's requests into the {@link AccessLog}: installed only when the access log is on,
 * so a server without it pays nothing. It sits beneath {@link RequestScopeHandler}, so its
 * completion listener runs first and sees the final status (a refused request's 503 included).
 */
public final class AccessLogHandler implements HttpHandler {
    private final AccessLog log;
    private final long connectionId;
    /** The connection's pool, whose bytes in use the JSON line shows; null on Undertow's stock pool. */
    private final ConnectionBufferPool connection;
    private final HttpHandler next;

    public AccessLogHandler(AccessLog log, long connectionId, ConnectionBufferPool connection, HttpHandler next) {
        this.log = log;
        this.connectionId = connectionId;
        this.connection = connection;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        long start = System.nanoTime();
        exchange.addExchangeCompleteListener((done, nextListener) -> {
            try {
                // The target's path as sent, still percent-encoded (the decoded path could hold a
                // CR LF that forges a line); never the query.
                log.record(done, connectionId, connection == null ? -1 : connection.requestBytesInUse(),
                        System.nanoTime() - start);
            } finally {
                nextListener.proceed();
            }
        });
        next.handleRequest(exchange);
    }
}
