package io.mpool.server.connection;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.server.stats.ServerStats;
import io.mpool.server.transport.RequestMetrics;
import io.mpool.server.transport.RequestTracker;
import io.undertow.server.ConduitWrapper;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.ConduitFactory;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import org.xnio.IoUtils;
import org.xnio.conduits.StreamSinkConduit;

/**
 * The root handler of a pooled connection: counts the request as open from entry until the
 * exchange completes, then hands over to the routes.
 *
 * <p>The completion listener is added before any other, and Undertow runs completion listeners
 * newest first, so it runs last: after every handler's own listener, when the response is done.
 * Requests Undertow rejects before this handler (parse errors) never reach it; the connection's
 * close covers them.
 *
 * <p>The handler is its own completion listener and response wrapper (each gets the exchange as an
 * argument): one object per connection, no allocation per request, no lambda object per
 * connection either.
 */
public final class RequestScopeHandler
        implements HttpHandler, ExchangeCompletionListener, ConduitWrapper<StreamSinkConduit> {
    private final ConnectionBufferPool connection;
    private final ServerStats stats;
    private final RequestTracker tracker;
    private final HttpHandler next;
    /** Null when request metrics are off. */
    private final RequestMetrics requestMetrics;
    /**
     * When the running request reached this handler: HTTP/1.1 runs one request of a connection at
     * a time, and the next one (pipelined) starts only after the previous one's end is recorded.
     */
    private long startNanos;

    /**
     * {@code connection} is null with {@code --pool undertow}: then only the counts are kept.
     * {@code tracker} tells this connection's framing check which request is running;
     * {@code requestMetrics} (null: off) times every request.
     */
    public RequestScopeHandler(ConnectionBufferPool connection, ServerStats stats, RequestTracker tracker,
                               RequestMetrics requestMetrics, HttpHandler next) {
        this.connection = connection;
        this.stats = stats;
        this.tracker = tracker;
        this.requestMetrics = requestMetrics;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (requestMetrics != null) {
            startNanos = System.nanoTime();
        }
        stats.requestEntered();
        tracker.started(exchange);
        exchange.addExchangeCompleteListener(this); // exchangeEvent: the request's end
        if (stats.draining()) {
            exchange.setPersistent(false); // Undertow answers Connection: close, then closes
        } else if (!exchange.isRequestComplete()) {
            exchange.addResponseWrapper(this); // wrap: when the response starts, the drain is checked
        }
        try {
            if (connection == null) {
                stats.requestStarted();
            } else {
                connection.requestStarted(); // may refuse: the request has not started its response
            }
            next.handleRequest(exchange);
        } catch (ArenaExhaustedException | ConnectionCapExceededException refused) {
            // The connection's pool has already refused: counted and logged through the
            // rate-limited refusal log. Undertow would log a stack trace per request (UT005071)
            // for what is an expected refusal under memory pressure. A response not yet started
            // becomes a 503 (its bytes from the heap); otherwise only a close can end it.
            if (exchange.isResponseStarted()) {
                IoUtils.safeClose(exchange.getConnection());
            } else {
                exchange.getResponseHeaders().clear(); // whatever the handler set (a length, say) is void
                exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                exchange.getResponseHeaders().put(Headers.CONNECTION, "close");
                exchange.setPersistent(false); // Undertow writes it as the exchange ends, then closes
            }
        }
    }

    /**
     * The response starts: one that starts after a graceful stop began says {@code Connection:
     * close}. Added only to requests that still have a body to read, the ones whose response may
     * start long after they did.
     */
    @Override
    public StreamSinkConduit wrap(ConduitFactory<StreamSinkConduit> factory, HttpServerExchange exchange) {
        if (stats.draining()) {
            exchange.setPersistent(false); // read by Undertow when it builds the response conduit, next
        }
        return factory.create();
    }

    /** The exchange completed: the request ends. */
    @Override
    public void exchangeEvent(HttpServerExchange completed, ExchangeCompletionListener.NextListener nextListener) {
        if (requestMetrics != null) {
            requestMetrics.record(completed, System.nanoTime() - startNanos);
        }
        stats.requestCompleted();
        tracker.ended(completed);
        if (connection == null) {
            nextListener.proceed();
            return;
        }
        // Ends the request before Undertow moves on to the next one (which, with pipelined bytes,
        // it may start inside proceed()); buffers Undertow still holds keep the reset pending
        // until they are closed.
        try {
            if (tracker.upgraded()) { // noted by tracker.ended above
                connection.disablePerRequestReset();
            }
            connection.requestEnded();
        } finally {
            nextListener.proceed();
        }
    }
}
