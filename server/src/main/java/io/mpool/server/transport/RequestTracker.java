package io.mpool.server.transport;

import io.mpool.server.connection.ServerStats;
import io.mpool.server.framing.FramingViolation;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.server.protocol.http.PipeliningBufferingStreamSinkConduit;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One connection's running request, as its framing check needs to know it: whether a request is
 * running (a refused head may only be answered between requests) and whether the running
 * request's response has started (a broken body may only be answered before it has).
 *
 * <p>Written by the thread that runs the connection's request (one at a time: Undertow hands a
 * connection from its IO thread to a worker and back with a happens-before), read by any: the
 * writes are release stores, which on x86 are plain stores (no fence per request).
 */
public final class RequestTracker implements RequestFramingConduit.Guarded {
    private final ServerStats stats;
    private final AtomicInteger running = new AtomicInteger();
    /** Requests started on this connection (the watchdog's idle check compares it across sweeps). */
    private final AtomicInteger started = new AtomicInteger();
    /** Set once the connection was upgraded: no request boundaries (and no idle timeout) after that. */
    private volatile boolean upgraded;
    private final AtomicReference<HttpServerExchange> current = new AtomicReference<>();
    /** The connection's Undertow side, known from its first request on (for its pipelining buffer). */
    private volatile HttpServerConnection http;
    /** Run when the first request starts (its head is complete), then dropped; null after. */
    private Runnable firstRequest;

    public RequestTracker(ServerStats stats) {
        this.stats = stats;
    }

    /** Runs {@code action} once, when the connection's first request head is complete. */
    public RequestTracker onFirstRequest(Runnable action) {
        this.firstRequest = action;
        return this;
    }

    void started(HttpServerExchange exchange) {
        Runnable first = firstRequest;
        if (first != null) {
            firstRequest = null;
            first.run();
        }
        running.setRelease(running.getPlain() + 1);
        started.setRelease(started.getPlain() + 1);
        current.setRelease(exchange);
        if (http == null && exchange.getConnection() instanceof HttpServerConnection connection) {
            http = connection;
        }
    }

    void ended(HttpServerExchange exchange) {
        if (exchange.isUpgrade()) {
            upgraded = true;
        }
        if (current.getPlain() == exchange) {
            current.setRelease(null);
        }
        running.setRelease(running.getPlain() - 1);
    }

    @Override
    public boolean requestRunning() {
        return running.get() > 0;
    }

    int requestsStarted() {
        return started.get();
    }

    boolean upgraded() {
        return upgraded;
    }

    @Override
    public boolean responseStarted() {
        HttpServerExchange exchange = current.get();
        return exchange == null || exchange.isResponseStarted();
    }

    @Override
    public void refused(FramingViolation violation) {
        stats.framingRefused(violation.status());
        if (violation.status() == StatusCodes.REQUEST_ENTITY_TOO_LARGE) {
            stats.bodyTooLarge.increment(); // --max-body-size: announced or counted past it
        }
    }

    /** The connection's read ({@code write == false}) or write timeout closed it. */
    void timedOut(boolean write) {
        (write ? stats.writeTimeouts : stats.readTimeouts).increment();
    }

    @Override
    public boolean flushHeldResponses() throws IOException {
        HttpServerConnection connection = http;
        PipeliningBufferingStreamSinkConduit held = connection == null ? null : connection.getPipelineBuffer();
        return held == null || held.flushPipelinedData();
    }
}
