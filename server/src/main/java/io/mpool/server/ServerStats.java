package io.mpool.server;

import java.util.concurrent.atomic.LongAdder;

/** Server-wide counters, shared by every connection; read by the admin endpoint. */
public final class ServerStats {
    final LongAdder poolsCreated = new LongAdder();
    final LongAdder poolsDestroyed = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder resets = new LongAdder();
    final LongAdder resetsDeferred = new LongAdder();
    final LongAdder resetsCoalesced = new LongAdder();
    final LongAdder connectionCapExceeded = new LongAdder();
    final LongAdder arenaRejections = new LongAdder();
    /** Requests refused for broken framing (400/414/431/501 from the framing check). */
    final LongAdder framingRefusals = new LongAdder();
    /** Blocking requests refused with 503 because --max-blocking-requests were running. */
    public final LongAdder blockingRefusals = new LongAdder();
    /** Requests between root-handler entry and exchange completion, over all connections. */
    final LongAdder inFlight = new LongAdder();

    /** An immutable view for JSON. */
    public record Totals(long poolsCreated, long poolsDestroyed, long poolsLive, long requests,
                         long resets, long resetsDeferred, long resetsCoalesced,
                         long connectionCapExceeded, long arenaRejections, long framingRefusals,
                         long blockingRefusals) {
    }

    public Totals snapshot() {
        long created = poolsCreated.sum();
        long destroyed = poolsDestroyed.sum();
        return new Totals(created, destroyed, created - destroyed, requests.sum(), resets.sum(),
                resetsDeferred.sum(), resetsCoalesced.sum(), connectionCapExceeded.sum(),
                arenaRejections.sum(), framingRefusals.sum(), blockingRefusals.sum());
    }
}
