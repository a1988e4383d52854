package io.mpool.server.transport;

import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * The root handler of a connection without a pool of its own (the admin listener's): tells the
 * connection's framing check which request is running, so a refused head is answered only
 * between requests and a broken body only before its response started. Counts nothing: the
 * server's request totals are the main listener's.
 */
public final class TrackedHandler implements HttpHandler {
    private final RequestTracker tracker;
    private final HttpHandler next;
    private final ExchangeCompletionListener requestEnd;

    public TrackedHandler(RequestTracker tracker, HttpHandler next) {
        this.tracker = tracker;
        this.next = next;
        this.requestEnd = (exchange, nextListener) -> {
            tracker.ended(exchange);
            nextListener.proceed();
        };
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        tracker.started(exchange);
        exchange.addExchangeCompleteListener(requestEnd);
        next.handleRequest(exchange);
    }
}
