package io.mpool.server.transport;

import io.mpool.server.framing.FramingViolation;
import io.mpool.server.stats.ServerStats;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.server.protocol.http.PipeliningBufferingStreamSinkConduit;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.xnio.conduits.StreamSinkConduit;

/**
 * One connection's running request, as its framing check needs to know it: whether a request is
 * running (a refused head may only be answered between requests) and whether the running
 * request's response has started (a broken body may only be answered before it has).
 *
 * <p>Written by the thread that runs the connection's request (one at a time: Undertow hands a
 * connection from its IO thread to a worker and back with a happens-before), read by any: the
 * writes are release stores, which on x86 are plain stores (no fence per request). The fields live
 * in this object (through {@link VarHandle}s, not one atomic object each), so a request touches one
 * object of its connection here, not four.
 */
public final class RequestTracker implements RequestFramingConduit.Guarded {
    private static final VarHandle RUNNING;
    private static final VarHandle STARTED;
    private static final VarHandle CURRENT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RUNNING = lookup.findVarHandle(RequestTracker.class, "running", int.class);
            STARTED = lookup.findVarHandle(RequestTracker.class, "starts", int.class);
            CURRENT = lookup.findVarHandle(RequestTracker.class, "current", HttpServerExchange.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ServerStats stats;
    /** Requests between root handler and completion (0 or 1 but while a pipelined one takes over). */
    private int running;
    /** Requests started on this connection (the watchdog's idle check compares it across sweeps). */
    private int starts;
    /** Set once the connection was upgraded: no request boundaries (and no idle timeout) after that. */
    private volatile boolean upgraded;
    private HttpServerExchange current;
    /** The connection's Undertow side, known from its first request on (for its pipelining buffer). */
    private volatile HttpServerConnection http;
    /** The response conduit of the last request; another one means Undertow replaced it. */
    private StreamSinkConduit responseConduit;
    /** Run when the first request starts (its head is complete), then dropped; null after. */
    private Runnable firstRequest;
    /** Set once the connection switched to HTTP/2: its streams stand for its requests. */
    private volatile StreamCounts streams;

    public RequestTracker(ServerStats stats) {
        this.stats = stats;
    }

    /** Runs {@code action} once, when the connection's first request head is complete. */
    public RequestTracker onFirstRequest(Runnable action) {
        this.firstRequest = action;
        return this;
    }

    public void started(HttpServerExchange exchange) {
        Runnable first = firstRequest;
        if (first != null) {
            firstRequest = null;
            first.run();
        }
        RUNNING.setRelease(this, running + 1);
        STARTED.setRelease(this, starts + 1);
        CURRENT.setRelease(this, exchange);
        if (http == null && exchange.getConnection() instanceof HttpServerConnection connection) {
            http = connection;
        }
        HttpServerConnection connection = http;
        if (connection != null && connection.getResponseConduit() != responseConduit) {
            if (responseConduit != null) {
                AbandonedResponseBuffer.close(responseConduit); // the switch to batching left it behind
            }
            responseConduit = connection.getResponseConduit();
        }
    }

    public void ended(HttpServerExchange exchange) {
        if (exchange.isUpgrade()) {
            upgraded = true;
        }
        if (current == exchange) {
            CURRENT.setRelease(this, null);
        }
        RUNNING.setRelease(this, running - 1);
    }

    /**
     * The connection switched to HTTP/2 (its preface came, which counts as its first request
     * head): from now on a request runs while a stream does, and streams count as requests.
     */
    public void servesStreams(StreamCounts listener) {
        Runnable first = firstRequest;
        if (first != null) {
            firstRequest = null;
            first.run();
        }
        streams = listener;
    }

    /** Whether the connection switched to HTTP/2. */
    public boolean servesStreams() {
        return streams != null;
    }

    @Override
    public boolean requestRunning() {
        StreamCounts h2 = streams;
        return h2 != null ? h2.running() > 0 : (int) RUNNING.getAcquire(this) > 0;
    }

    int requestsStarted() {
        StreamCounts h2 = streams;
        return h2 != null ? (int) h2.opened() : (int) STARTED.getAcquire(this);
    }

    public boolean upgraded() {
        return upgraded;
    }

    @Override
    public boolean responseStarted() {
        HttpServerExchange exchange = (HttpServerExchange) CURRENT.getAcquire(this);
        return exchange == null || exchange.isResponseStarted();
    }

    @Override
    public void refused(FramingViolation violation) {
        stats.framingRefused(violation.status());
        if (violation.status() == StatusCodes.REQUEST_ENTITY_TOO_LARGE) {
            stats.bodyRefusedTooLarge(); // --max-body-size: announced or counted past it
        }
    }

    /** The connection's read ({@code write == false}) or write timeout closed it. */
    void timedOut(boolean write) {
        if (write) {
            stats.writeTimedOut();
        } else {
            stats.readTimedOut();
        }
    }

    @Override
    public boolean flushHeldResponses() throws IOException {
        HttpServerConnection connection = http;
        PipeliningBufferingStreamSinkConduit held = connection == null ? null : connection.getPipelineBuffer();
        return held == null || held.flushPipelinedData();
    }
}
