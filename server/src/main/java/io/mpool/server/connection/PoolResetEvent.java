package io.mpool.server.connection;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event: a connection's pool was reset after a request (the fields of {@link ResetRecord}).
 * One per request on a busy server, so no stack trace. While no recording enables it, emitting
 * costs a {@code shouldCommit()} check on an event the JIT does not allocate.
 */
@Name("mpool.PoolReset")
@Label("Pool Reset")
@Category({"mpool", "Pool"})
@Description("A connection's region pool was reset when its request ended")
@StackTrace(false)
final class PoolResetEvent extends Event {
    @Label("Connection")
    @Description("The connection's id, as on /admin/pools")
    long connectionId;

    @Label("Bytes In Use Before")
    @DataAmount
    long bytesInUseBefore;

    @Label("Nodes")
    @Description("Nodes the pool kept")
    int nodes;

    @Label("Large Freed")
    @Description("Large allocations still live when the reset ran")
    int largeFreed;

    @Label("Deferred")
    @Description("Time from the end of the request to the reset (0: ran at once)")
    @Timespan(Timespan.MICROSECONDS)
    long deferred;

    @Label("Requests Covered")
    @Description("Request ends this reset stood for (more than 1: coalesced)")
    int requestsCovered;

    /**
     * Whether a recording takes these events now: the reset's figures are worth reading only then.
     * Until Flight Recorder has started once, a static read; after that, the event's own check.
     */
    static boolean enabled() {
        return FlightRecorder.isInitialized() && new PoolResetEvent().isEnabled();
    }

    static void emit(long connectionId, long bytesInUseBefore, int nodes, int largeFreed, long deferredMicros,
                     int requestsCovered) {
        PoolResetEvent event = new PoolResetEvent();
        if (event.shouldCommit()) {
            event.connectionId = connectionId;
            event.bytesInUseBefore = bytesInUseBefore;
            event.nodes = nodes;
            event.largeFreed = largeFreed;
            event.deferred = deferredMicros;
            event.requestsCovered = requestsCovered;
            event.commit();
        }
    }
}
