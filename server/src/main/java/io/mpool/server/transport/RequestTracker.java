package io.mpool.server.transport;

import io.mpool.server.connection.ServerStats;
import io.mpool.server.framing.FramingViolation;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's running request, as its framing check needs to know it: whether a request is
 * running (a refused head may only be answered between requests) and whether the running
 * request's response has started (a broken body may only be answered before it has).
 */
public final class RequestTracker implements RequestFramingConduit.Guarded {
    private final ServerStats stats;
    private final AtomicInteger running = new AtomicInteger();
    private volatile HttpServerExchange current;

    public RequestTracker(ServerStats stats) {
        this.stats = stats;
    }

    void started(HttpServerExchange exchange) {
        running.incrementAndGet();
        current = exchange;
    }

    void ended(HttpServerExchange exchange) {
        if (current == exchange) {
            current = null;
        }
        running.decrementAndGet();
    }

    @Override
    public boolean requestRunning() {
        return running.get() > 0;
    }

    @Override
    public boolean responseStarted() {
        HttpServerExchange exchange = current;
        return exchange == null || exchange.isResponseStarted();
    }

    @Override
    public void refused(FramingViolation violation) {
        stats.framingRefused(violation.status());
    }

    /** The connection's read ({@code write == false}) or write timeout closed it. */
    void timedOut(boolean write) {
        (write ? stats.writeTimeouts : stats.readTimeouts).increment();
    }
}
