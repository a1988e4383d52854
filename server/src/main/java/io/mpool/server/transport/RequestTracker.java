package io.mpool.server.transport;

import io.mpool.server.config.RequestLimits;
import io.mpool.server.framing.FramingViolation;
import io.mpool.server.stats.ServerStats;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.server.protocol.http.PipeliningBufferingStreamSinkConduit;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.xnio.StreamConnection;
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
 *
 * <p>It is a superclass of the connection, not an object the connection holds (as the pool's
 * state machine is the pool's superclass): an idle connection pays for no object header and no
 * reference to it. The connection says what happens at its first request head and where the
 * counters are.
 */
public abstract class RequestTracker implements RequestFramingConduit.Guarded {
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
    /** Set once the connection switched to HTTP/2: its streams stand for its requests. */
    private volatile StreamCounts streams;

    protected RequestTracker() {
    }

    /** The server's counters (the listener's: not a field of every connection). */
    protected abstract ServerStats stats();

    /** What the connection's requests are read from and answered on: the socket, or TLS over it. */
    protected abstract StreamConnection channel();

    /** The listener's timeouts and limits (the watchdog reads them at the sweep). */
    protected abstract RequestLimits limits();

    /** The TLS handshake the watchdog times, or null: a plain connection. */
    protected abstract TlsHandshake handshake();

    /** The framing check, which answers a 408 and closes the lingering way; null until set up. */
    protected abstract RequestFramingConduit framing();

    /**
     * The connection's first request head is complete (its first request starts, or its HTTP/2
     * preface came). Called on the connection's thread, at least once; only the first call counts.
     */
    protected abstract void firstHeadArrived();

    /** False on a TLS connection whose ALPN agreed on {@code http/1.1}: no HTTP/2 preface to look for. */
    @Override
    public boolean mayOpenWithHttp2Preface() {
        TlsHandshake tls = handshake();
        return tls == null || !TlsWrapping.ALPN_HTTP_1_1.equals(tls.applicationProtocol());
    }

    public void started(HttpServerExchange exchange) {
        if (starts == 0) {
            firstHeadArrived();
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
        firstHeadArrived();
        streams = listener;
    }

    /** The connection's Undertow side (HTTP/1.1), known from its first request on; null before. */
    protected final HttpServerConnection undertowConnection() {
        return http;
    }

    /**
     * The connection's Undertow side went while the connection is parked ({@code HttpConnections.release}):
     * the next request comes on a new one, which its start makes known.
     */
    protected final void undertowConnectionReleased() {
        http = null;
        responseConduit = null;
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

    /** Graceful stop: on HTTP/2, no new streams and GOAWAY once the running ones end (nothing on HTTP/1.1). */
    public void goAway() {
        StreamCounts h2 = streams;
        if (h2 != null) {
            h2.goAway();
        }
    }

    /** HTTP/2: whether a running stream's response waits for the peer's window (false on HTTP/1.1). */
    boolean waitingForWindow() {
        StreamCounts h2 = streams;
        return h2 != null && h2.waitingForWindow();
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
        stats().framingRefused(violation.status());
        if (violation.status() == StatusCodes.REQUEST_ENTITY_TOO_LARGE) {
            stats().bodyRefusedTooLarge(); // --max-body-size: announced or counted past it
        }
    }

    /** The connection's read ({@code write == false}) or write timeout closed it. */
    void timedOut(boolean write) {
        if (write) {
            stats().writeTimedOut();
        } else {
            stats().readTimedOut();
        }
    }

    @Override
    public boolean flushHeldResponses() throws IOException {
        HttpServerConnection connection = http;
        PipeliningBufferingStreamSinkConduit held = connection == null ? null : connection.getPipelineBuffer();
        return held == null || held.flushPipelinedData();
    }
}
