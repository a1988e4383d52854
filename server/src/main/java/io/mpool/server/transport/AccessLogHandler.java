package io.mpool.server.transport;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.function.LongSupplier;

/**
 * One connection's requests into the {@link AccessLog}: installed only when the access log is on,
 * so a server without it pays nothing. It sits beneath the connection's request-scope handler, so
 * its completion listener runs first and sees the final status (a refused request's 503 included).
 */
public final class AccessLogHandler implements HttpHandler {
    private final AccessLog log;
    private final long connectionId;
    /** The bytes the request took from the connection's pool, for the JSON line; null on Undertow's stock pool. */
    private final LongSupplier poolBytes;
    private final HttpHandler next;

    public AccessLogHandler(AccessLog log, long connectionId, LongSupplier poolBytes, HttpHandler next) {
        this.log = log;
        this.connectionId = connectionId;
        this.poolBytes = poolBytes;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        long start = System.nanoTime();
        exchange.addExchangeCompleteListener((done, nextListener) -> {
            try {
                // The target's path as sent, still percent-encoded (the decoded path could hold a
                // CR LF that forges a line); never the query.
                log.record(done, connectionId, poolBytes == null ? -1 : poolBytes.getAsLong(),
                        System.nanoTime() - start);
            } finally {
                nextListener.proceed();
            }
        });
        next.handleRequest(exchange);
    }
}
