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
 * The root handler of a connection: counts the request as open from entry until the exchange
 * completes, then hands over to the routes. On a listener that does not count requests (the admin
 * listener's) it only tells the framing check which request runs.
 *
 * <p>The completion listener is added before any other, and Undertow runs completion listeners
 * newest first, so it runs last: after every handler's own listener, when the response is done.
 * Requests Undertow rejects before this handler (parse errors) never reach it; the connection's
 * close covers them.
 *
 * <p>It is a superclass of {@link Connection}, and its own completion listener and response wrapper
 * (each gets the exchange as an argument): the connection is the root handler Undertow holds, so a
 * connection pays for no handler object, no reference to one and no lambda, and a request allocates
 * nothing here.
 */
public abstract class RequestScopeHandler extends RequestTracker
        implements HttpHandler, ExchangeCompletionListener, ConduitWrapper<StreamSinkConduit> {
    /**
     * When the running request reached this handler: HTTP/1.1 runs one request of a connection at
     * a time, and the next one (pipelined) starts only after the previous one's end is recorded.
     */
    private long startNanos;

    RequestScopeHandler() {
    }

    /** The connection's own memory, or null with {@code --pool undertow}: then only the counts are kept. */
    abstract ConnectionBufferPool requestPool();

    /** The listener's settings: whether requests count, the metrics (null: off). */
    abstract Listener listener();

    /** The handler requests go to (the application, with the access log when it is on). */
    abstract HttpHandler next();

    @Override
    protected final ServerStats stats() {
        return listener().stats();
    }

    @Override
    public final void handleRequest(HttpServerExchange exchange) throws Exception {
        Listener on = listener();
        if (!on.countsRequests()) {
            started(exchange);
            exchange.addExchangeCompleteListener(this);
            next().handleRequest(exchange);
            return;
        }
        ServerStats stats = on.stats();
        if (on.requestMetrics() != null) {
            startNanos = System.nanoTime();
        }
        stats.requestEntered();
        started(exchange);
        exchange.addExchangeCompleteListener(this); // exchangeEvent: the request's end
        if (stats.draining()) {
            exchange.setPersistent(false); // Undertow answers Connection: close, then closes
        } else if (!exchange.isRequestComplete()) {
            exchange.addResponseWrapper(this); // wrap: when the response starts, the drain is checked
        }
        ConnectionBufferPool connection = requestPool();
        try {
            if (connection == null) {
                stats.requestStarted();
            } else {
                connection.requestStarted(); // may refuse: the request has not started its response
            }
            next().handleRequest(exchange);
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
    public final StreamSinkConduit wrap(ConduitFactory<StreamSinkConduit> factory, HttpServerExchange exchange) {
        if (stats().draining()) {
            exchange.setPersistent(false); // read by Undertow when it builds the response conduit, next
        }
        return factory.create();
    }

    /** The exchange completed: the request ends. */
    @Override
    public final void exchangeEvent(HttpServerExchange completed, ExchangeCompletionListener.NextListener nextListener) {
        Listener on = listener();
        if (!on.countsRequests()) {
            ended(completed);
            nextListener.proceed();
            return;
        }
        RequestMetrics requestMetrics = on.requestMetrics();
        if (requestMetrics != null) {
            requestMetrics.record(completed, System.nanoTime() - startNanos);
        }
        on.stats().requestCompleted();
        ended(completed);
        ConnectionBufferPool connection = requestPool();
        if (connection == null) {
            nextListener.proceed();
            return;
        }
        // Ends the request before Undertow moves on to the next one (which, with pipelined bytes,
        // it may start inside proceed()); buffers Undertow still holds keep the reset pending
        // until they are closed.
        try {
            if (upgraded()) { // noted by ended above
                connection.disablePerRequestReset();
            }
            connection.requestEnded();
        } finally {
            nextListener.proceed();
        }
    }
}
