package io.mpool.server.connection;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Server-wide counters, shared by every connection; read by the admin endpoint. */
public final class ServerStats {
    public final LongAdder poolsCreated = new LongAdder();
    public final LongAdder poolsDestroyed = new LongAdder();
    public final LongAdder requests = new LongAdder();
    public final LongAdder resets = new LongAdder();
    public final LongAdder resetsDeferred = new LongAdder();
    public final LongAdder resetsCoalesced = new LongAdder();
    public final LongAdder connectionCapExceeded = new LongAdder();
    public final LongAdder arenaRejections = new LongAdder();
    /** Requests refused for broken framing (400/414/431/501 from the framing check). */
    public final LongAdder framingRefusals = new LongAdder();
    /** Blocking requests refused with 503 because --max-blocking-requests were running. */
    public final LongAdder blockingRefusals = new LongAdder();
    /** Buffers Undertow still held when its connection closed, taken back at destroy. */
    public final LongAdder orphanedBuffersReclaimed = new LongAdder();
    /** Bodies refused with 413 for passing --max-body-size (announced or counted). */
    public final LongAdder bodyTooLarge = new LongAdder();
    /** Whole bodies that passed --body-in-memory-max and went to a temp file, and their bytes. */
    public final LongAdder bodySpills = new LongAdder();
    public final LongAdder bodySpillBytes = new LongAdder();
    /** Temp files of spilled bodies that exist now (back to 0 when no request holds one). */
    public final LongAdder bodyTempFilesLive = new LongAdder();
    /** Retained region memory (request bodies) never released, revoked when its connection closed. */
    public final LongAdder retainsLeaked = new LongAdder();
    /** Requests between root-handler entry and exchange completion, over all connections. */
    public final LongAdder inFlight = new LongAdder();
    /** Main-listener connections open now (accepted, not yet closed; refused ones not counted). */
    public final AtomicInteger connectionsOpen = new AtomicInteger();
    /** Of those, the ones whose first request head has not arrived yet. */
    public final AtomicInteger unfinishedHeads = new AtomicInteger();
    /** Connections refused at accept because --max-connections were open. */
    public final LongAdder connectionLimitRefusals = new LongAdder();
    /** Connections refused at accept because --max-unfinished-heads had not sent a request head yet. */
    public final LongAdder unfinishedHeadRefusals = new LongAdder();

    /** An immutable view for JSON. */
    public record Totals(long poolsCreated, long poolsDestroyed, long poolsLive, long requests,
                         long resets, long resetsDeferred, long resetsCoalesced,
                         long connectionCapExceeded, long arenaRejections, long framingRefusals,
                         long blockingRefusals, long orphanedBuffersReclaimed, long bodyTooLarge,
                         long bodySpills, long bodySpillBytes, long bodyTempFilesLive, long retainsLeaked,
                         long connectionsOpen, long unfinishedHeads, long connectionLimitRefusals,
                         long unfinishedHeadRefusals) {
    }

    public Totals snapshot() {
        long created = poolsCreated.sum();
        long destroyed = poolsDestroyed.sum();
        return new Totals(created, destroyed, created - destroyed, requests.sum(), resets.sum(),
                resetsDeferred.sum(), resetsCoalesced.sum(), connectionCapExceeded.sum(),
                arenaRejections.sum(), framingRefusals.sum(), blockingRefusals.sum(),
                orphanedBuffersReclaimed.sum(), bodyTooLarge.sum(), bodySpills.sum(), bodySpillBytes.sum(),
                bodyTempFilesLive.sum(), retainsLeaked.sum(), connectionsOpen.get(), unfinishedHeads.get(),
                connectionLimitRefusals.sum(), unfinishedHeadRefusals.sum());
    }
}
