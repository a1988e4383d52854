package io.mpool.server.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
    /** Pool memory whole bodies held in memory take now, over all connections (--body-memory-total). */
    public final AtomicLong bodyMemoryInUse = new AtomicLong();
    /** Bodies sent to a temp file before --body-in-memory-max because --body-memory-total was taken. */
    public final LongAdder bodyMemoryEarlySpills = new LongAdder();
    /** Bytes in the live temp files of spilled bodies (--body-temp-max). */
    public final AtomicLong bodyTempBytes = new AtomicLong();
    /** Bodies refused with 503 because their temp file would have passed --body-temp-max. */
    public final LongAdder bodyTempRefusals = new LongAdder();
    /** Temp file writes that failed (a full disk): the request got 503. */
    public final LongAdder bodyTempWriteFailures = new LongAdder();
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
    /** Connections the read timeout closed (408 when a request was waiting for bytes). */
    public final LongAdder readTimeouts = new LongAdder();
    /** TLS handshakes finished, and TLS connections closed before theirs finished (timeouts among them). */
    public final LongAdder tlsHandshakes = new LongAdder();
    public final LongAdder tlsHandshakeFailures = new LongAdder();
    /** TLS connections closed by the handshake timeout. */
    public final LongAdder tlsHandshakeTimeouts = new LongAdder();
    /** HTTPS certificate files read again after a change, and changes refused (the old certificate kept). */
    public final LongAdder certificateReloads = new LongAdder();
    public final LongAdder certificateReloadFailures = new LongAdder();
    /** Connections the write timeout closed (the client stopped reading). */
    public final LongAdder writeTimeouts = new LongAdder();
    /** HTTP/2 streams served (each with a region of its own; refused ones are not counted here). */
    public final LongAdder h2Streams = new LongAdder();
    /** HTTP/2 streams the peer reset (RST_STREAM frames received). */
    public final LongAdder h2StreamsResetByPeer = new LongAdder();
    /** HTTP/2 streams refused (REFUSED_STREAM): past the concurrent-stream limit, or no memory for their region. */
    public final LongAdder h2StreamsRefused = new LongAdder();
    /** HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM (any {@link H2Flood}); bump with {@link #h2CalmGoaway}. */
    public final LongAdder h2CalmGoaways = new LongAdder();
    private final LongAdder[] h2CalmByFlood = new LongAdder[H2Flood.values().length];
    /** Delay of every reset, recorded for the deferred ones only (see {@link ResetDelays}). */
    public final ResetDelays resetDelays = new ResetDelays();

    /**
     * The statuses the framing check answers ({@code FramingViolation}); {@link #framingRefusals}
     * split by them, anything else under {@link #OTHER_FRAMING_STATUS}.
     */
    public static final int[] FRAMING_STATUSES = {400, 408, 413, 414, 431, 501};
    /** The index in {@link #framingRefusalsByStatus} of a status not in {@link #FRAMING_STATUSES}. */
    public static final int OTHER_FRAMING_STATUS = FRAMING_STATUSES.length;
    private final LongAdder[] framingRefusalsByStatus = new LongAdder[FRAMING_STATUSES.length + 1];
    /** When a graceful stop began ({@link System#nanoTime()}); {@link #NOT_DRAINING} while serving. */
    private volatile long drainingSinceNanos = NOT_DRAINING;
    private static final long NOT_DRAINING = Long.MIN_VALUE;

    /** The floods an HTTP/2 connection is closed for with GOAWAY ENHANCE_YOUR_CALM. */
    public enum H2Flood {
        /** RST_STREAM frames past the reset window's bound (CVE-2023-44487). */
        RAPID_RESET,
        /** A header block past its bytes or CONTINUATION frames (CVE-2024-27316 family). */
        CONTINUATION,
        /** PING and SETTINGS frames, each of which the server must answer (CVE-2019-9512, -9515). */
        CONTROL,
        /** DATA frames with no bytes and no END_STREAM, one after another (CVE-2019-9518). */
        EMPTY_FRAME
    }

    public ServerStats() {
        for (int i = 0; i < h2CalmByFlood.length; i++) {
            h2CalmByFlood[i] = new LongAdder();
        }
        for (int i = 0; i < framingRefusalsByStatus.length; i++) {
            framingRefusalsByStatus[i] = new LongAdder();
        }
    }

    /** A framing refusal answered {@code status}: counted in total and by status. */
    public void framingRefused(int status) {
        framingRefusals.increment();
        int index = 0;
        while (index < FRAMING_STATUSES.length && FRAMING_STATUSES[index] != status) {
            index++;
        }
        framingRefusalsByStatus[index].increment();
    }

    /** Framing refusals answered with {@code FRAMING_STATUSES[index]} (or other statuses at {@link #OTHER_FRAMING_STATUS}). */
    public long framingRefusals(int index) {
        return framingRefusalsByStatus[index].sum();
    }

    /** An HTTP/2 connection is closed with GOAWAY ENHANCE_YOUR_CALM for {@code flood}. */
    public void h2CalmGoaway(H2Flood flood) {
        h2CalmByFlood[flood.ordinal()].increment();
        h2CalmGoaways.increment();
    }

    /** HTTP/2 connections closed for {@code flood}. */
    public long h2CalmGoaways(H2Flood flood) {
        return h2CalmByFlood[flood.ordinal()].sum();
    }

    /** A graceful stop has begun: readiness turns DOWN, answers carry {@code Connection: close}. */
    public void beginDrain() {
        if (drainingSinceNanos == NOT_DRAINING) {
            drainingSinceNanos = System.nanoTime();
        }
    }

    /** Whether a graceful stop has begun (one volatile read: checked once per request). */
    public boolean draining() {
        return drainingSinceNanos != NOT_DRAINING;
    }

    /** When the drain began ({@link System#nanoTime()}); only meaningful while {@link #draining()}. */
    public long drainingSinceNanos() {
        return drainingSinceNanos;
    }

    /** An immutable view for JSON. */
    public record Totals(long poolsCreated, long poolsDestroyed, long poolsLive, long requests,
                         long resets, long resetsDeferred, long resetsCoalesced,
                         long connectionCapExceeded, long arenaRejections, long framingRefusals,
                         long blockingRefusals, long orphanedBuffersReclaimed, long bodyTooLarge,
                         long bodySpills, long bodySpillBytes, long bodyTempFilesLive, long retainsLeaked,
                         long connectionsOpen, long unfinishedHeads, long connectionLimitRefusals,
                         long unfinishedHeadRefusals, long tlsHandshakes, long tlsHandshakeFailures,
                         long tlsHandshakeTimeouts, long certificateReloads, long certificateReloadFailures,
                         long h2Streams, long h2StreamsResetByPeer,
                         long h2StreamsRefused, long h2CalmGoaways, long h2RapidResets,
                         long h2ContinuationFloods, long h2ControlFloods, long h2EmptyFrameFloods) {
    }

    public Totals snapshot() {
        long created = poolsCreated.sum();
        long destroyed = poolsDestroyed.sum();
        return new Totals(created, destroyed, created - destroyed, requests.sum(), resets.sum(),
                resetsDeferred.sum(), resetsCoalesced.sum(), connectionCapExceeded.sum(),
                arenaRejections.sum(), framingRefusals.sum(), blockingRefusals.sum(),
                orphanedBuffersReclaimed.sum(), bodyTooLarge.sum(), bodySpills.sum(), bodySpillBytes.sum(),
                bodyTempFilesLive.sum(), retainsLeaked.sum(), connectionsOpen.get(), unfinishedHeads.get(),
                connectionLimitRefusals.sum(), unfinishedHeadRefusals.sum(), tlsHandshakes.sum(),
                tlsHandshakeFailures.sum(), tlsHandshakeTimeouts.sum(), certificateReloads.sum(),
                certificateReloadFailures.sum(),
                h2Streams.sum(), h2StreamsResetByPeer.sum(),
                h2StreamsRefused.sum(), h2CalmGoaways.sum(), h2CalmGoaways(H2Flood.RAPID_RESET),
                h2CalmGoaways(H2Flood.CONTINUATION), h2CalmGoaways(H2Flood.CONTROL), h2CalmGoaways(H2Flood.EMPTY_FRAME));
    }
}
