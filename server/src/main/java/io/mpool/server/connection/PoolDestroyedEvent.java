package io.mpool.server.connection;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR event: a closed connection's pool was destroyed, every page going back to the arena. */
@Name("mpool.PoolDestroyed")
@Label("Pool Destroyed")
@Category({"mpool", "Pool"})
@Description("A closed connection's region pool was destroyed")
@StackTrace(false)
final class PoolDestroyedEvent extends Event {
    @Label("Connection")
    @Description("The connection's id, as on /admin/pools")
    long connectionId;

    @Label("Remote Address")
    String remote;

    @Label("Lifetime")
    @Timespan(Timespan.MILLISECONDS)
    long lifetime;

    @Label("Requests")
    long requests;

    @Label("Resets")
    long resets;

    @Label("Resets Coalesced")
    long resetsCoalesced;

    @Label("Bytes Reserved")
    @Description("Arena memory the pool held when it was destroyed (nodes, live and cached blocks)")
    @DataAmount
    long bytesReserved;

    /** {@code owner}'s address is asked for only when the event is recorded: XNIO makes a new one per call. */
    static void emit(long connectionId, PoolOwner owner, long lifetimeMillis, long requests, long resets,
                     long resetsCoalesced, long bytesReserved) {
        PoolDestroyedEvent event = new PoolDestroyedEvent();
        if (event.shouldCommit()) {
            event.connectionId = connectionId;
            event.remote = owner.peer();
            event.lifetime = lifetimeMillis;
            event.requests = requests;
            event.resets = resets;
            event.resetsCoalesced = resetsCoalesced;
            event.bytesReserved = bytesReserved;
            event.commit();
        }
    }
}
