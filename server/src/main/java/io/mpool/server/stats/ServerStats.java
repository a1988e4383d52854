package io.mpool.server.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide counters, shared by every connection. The classes that own an event count it here,
 * through the method named for it (one {@code LongAdder} increment, or for the counts every request
 * bumps a plain add on the counting thread's own {@link RequestCounters}: no allocation); everyone else reads them through {@link ServerMetric}, which is what the
 * admin endpoint, the metrics and the stop summary are given.
 *
 * <p>Who counts what: the connection registry and pools (pools, requests, resets, refusals by the
 * arena or the cap), the request scope and HTTP/2's stream listener (requests in flight, streams),
 * the request tracker (timeouts, 413s), the framing check, the accept limiter (open connections,
 * unfinished heads and their refusals), TLS (handshakes, certificates), whole request bodies
 * (memory and temp-file budgets) and blocking requests.
 */
public final class ServerStats implements ServerMetric {
    private final LongAdder poolsCreated = new LongAdder();
    private final LongAdder poolsDestroyed = new LongAdder();
    /** Requests, requests in flight and resets: per thread, summed when read (every request counts them). */
    private final RequestCounters perRequest = new RequestCounters();
    private final LongAdder resetsDeferred = new LongAdder();
    private final LongAdder resetsCoalesced = new LongAdder();
    private final ResetDelays resetDelays = new ResetDelays();
    private final LongAdder connectionCapExceeded = new LongAdder();
    private final LongAdder arenaRejections = new LongAdder();
    private final LongAdder framingRefusals = new LongAdder();
    private final LongAdder[] framingRefusalsByStatus = new LongAdder[FRAMING_STATUSES.length + 1];
    private final LongAdder blockingRefusals = new LongAdder();
    private final LongAdder orphanedBuffersReclaimed = new LongAdder();
    private final LongAdder bodyTooLarge = new LongAdder();
    private final LongAdder bodySpills = new LongAdder();
    private final LongAdder bodySpillBytes = new LongAdder();
    private final LongAdder bodyTempFilesLive = new LongAdder();
    /** A budget as well as a figure: reserved with compare-and-set against its bound. */
    private final AtomicLong bodyMemoryInUse = new AtomicLong();
    private final LongAdder bodyMemoryEarlySpills = new LongAdder();
    /** A budget as well as a figure, like {@link #bodyMemoryInUse}. */
    private final AtomicLong bodyTempBytes = new AtomicLong();
    private final LongAdder bodyTempRefusals = new LongAdder();
    private final LongAdder bodyTempWriteFailures = new LongAdder();
    private final LongAdder retainsLeaked = new LongAdder();
    /** A limit as well as a figure: taken with increment-then-check, as the accept limiter does. */
    private final AtomicInteger connectionsOpen = new AtomicInteger();
    private final AtomicInteger unfinishedHeads = new AtomicInteger();
    private final LongAdder connectionLimitRefusals = new LongAdder();
    private final LongAdder unfinishedHeadRefusals = new LongAdder();
    private final LongAdder readTimeouts = new LongAdder();
    private final LongAdder writeTimeouts = new LongAdder();
    private final LongAdder tlsHandshakes = new LongAdder();
    private final LongAdder tlsHandshakeFailures = new LongAdder();
    private final LongAdder tlsHandshakeTimeouts = new LongAdder();
    private final LongAdder tlsSessionsResumed = new LongAdder();
    private final LongAdder certificateReloads = new LongAdder();
    private final LongAdder certificateReloadFailures = new LongAdder();
    private final LongAdder h2Streams = new LongAdder();
    private final LongAdder h2StreamsResetByPeer = new LongAdder();
    private final LongAdder h2StreamsRefused = new LongAdder();
    private final LongAdder h2CalmGoaways = new LongAdder();
    private final LongAdder[] h2CalmByFlood = new LongAdder[H2Flood.values().length];
    /** When a graceful stop began ({@link System#nanoTime()}); {@link #NOT_DRAINING} while serving. */
    private volatile long drainingSinceNanos = NOT_DRAINING;
    private static final long NOT_DRAINING = Long.MIN_VALUE;

    public ServerStats() {
        for (int i = 0; i < h2CalmByFlood.length; i++) {
            h2CalmByFlood[i] = new LongAdder();
        }
        for (int i = 0; i < framingRefusalsByStatus.length; i++) {
            framingRefusalsByStatus[i] = new LongAdder();
        }
    }

    // ---- pools and requests (connection/) ----

    public void poolCreated() {
        poolsCreated.increment();
    }

    public void poolDestroyed() {
        poolsDestroyed.increment();
    }

    /** A request of the main listener started (an HTTP/2 stream among them). */
    public void requestStarted() {
        perRequest.requestStarted();
    }

    /** A request entered the root handler; {@link #requestCompleted()} when its exchange completes. */
    public void requestEntered() {
        perRequest.requestEntered();
    }

    public void requestCompleted() {
        perRequest.requestCompleted();
    }

    /** A pool was reset at a request's end. */
    public void poolReset() {
        perRequest.poolReset();
    }

    /** A request ended and its reset had to wait for a buffer still open. */
    public void resetDeferred() {
        resetsDeferred.increment();
    }

    /** A deferred reset ran {@code micros} after its request ended. */
    public void deferredResetRan(long micros) {
        resetDelays.recordDeferred(micros);
    }

    /** {@code requestEnds} request ends were covered by another reset or by the destroy. */
    public void requestEndsCoalesced(long requestEnds) {
        resetsCoalesced.add(requestEnds);
    }

    /** An allocation was refused at the per-connection cap. */
    public void connectionCapRefused() {
        connectionCapExceeded.increment();
    }

    /** An allocation was refused at the arena's bound. */
    public void arenaRejected() {
        arenaRejections.increment();
    }

    /** {@code buffers} Undertow still held when their connection closed were taken back. */
    public void orphanedBuffersReclaimed(long buffers) {
        orphanedBuffersReclaimed.add(buffers);
    }

    /** {@code holds} of retained region memory were never released and were revoked at the close. */
    public void retainsRevoked(long holds) {
        retainsLeaked.add(holds);
    }

    // ---- what a request is refused for (transport/, the framing check, blocking requests) ----

    /** A framing refusal answered {@code status}: counted in total and by status. */
    public void framingRefused(int status) {
        framingRefusals.increment();
        int index = 0;
        while (index < FRAMING_STATUSES.length && FRAMING_STATUSES[index] != status) {
            index++;
        }
        framingRefusalsByStatus[index].increment();
    }

    /** A body passed {@code --max-body-size} (announced or counted): 413. */
    public void bodyRefusedTooLarge() {
        bodyTooLarge.increment();
    }

    /** A blocking request was refused at {@code --max-blocking-requests}: 503. */
    public void blockingRefused() {
        blockingRefusals.increment();
    }

    public void readTimedOut() {
        readTimeouts.increment();
    }

    public void writeTimedOut() {
        writeTimeouts.increment();
    }

    // ---- whole request bodies: memory and temp files ----

    /** Takes {@code bytes} of the in-memory body budget; false (nothing taken) when that would pass {@code max}. */
    public boolean tryReserveBodyMemory(long bytes, long max) {
        long now;
        do {
            now = bodyMemoryInUse.get();
            if (now + bytes > max) {
                return false;
            }
        } while (!bodyMemoryInUse.compareAndSet(now, now + bytes));
        return true;
    }

    /** Gives back {@code bytes} of the in-memory body budget; returns what is still taken. */
    public long releaseBodyMemory(long bytes) {
        return bodyMemoryInUse.addAndGet(-bytes);
    }

    /** A body went to a temp file early because the in-memory budget was taken. */
    public void bodySpilledEarly() {
        bodyMemoryEarlySpills.increment();
    }

    /** A body went to a temp file: one more spill, one more live file. */
    public void bodyTempFileCreated() {
        bodySpills.increment();
        bodyTempFilesLive.increment();
    }

    public void bodyTempFileDeleted() {
        bodyTempFilesLive.decrement();
    }

    /** Takes {@code bytes} of the temp-file budget; false (nothing taken, counted as a refusal) past {@code max}. */
    public boolean tryReserveBodyTemp(long bytes, long max) {
        long now;
        do {
            now = bodyTempBytes.get();
            if (now + bytes > max) {
                bodyTempRefusals.increment();
                return false;
            }
        } while (!bodyTempBytes.compareAndSet(now, now + bytes));
        return true;
    }

    public void releaseBodyTemp(long bytes) {
        bodyTempBytes.addAndGet(-bytes);
    }

    /** {@code bytes} of a body were written to its temp file. */
    public void bodySpillWritten(long bytes) {
        bodySpillBytes.add(bytes);
    }

    /** A write to a temp file failed (a full disk). */
    public void bodyTempWriteFailed() {
        bodyTempWriteFailures.increment();
    }

    // ---- accept limits (transport/ConnectionLimiter) ----

    /** Takes a place among the open connections; false (nothing taken) when {@code max} are open. */
    public boolean tryOpenConnection(int max) {
        if (connectionsOpen.incrementAndGet() > max) {
            connectionsOpen.decrementAndGet();
            return false;
        }
        return true;
    }

    public void connectionClosed() {
        connectionsOpen.decrementAndGet();
    }

    /** Takes a place among the connections without a request head yet; false when {@code max} have none. */
    public boolean tryStartUnfinishedHead(int max) {
        if (unfinishedHeads.incrementAndGet() > max) {
            unfinishedHeads.decrementAndGet();
            return false;
        }
        return true;
    }

    /** A connection's first request head arrived, or it closed before (or was refused after) taking a place. */
    public void unfinishedHeadEnded() {
        unfinishedHeads.decrementAndGet();
    }

    public void connectionLimitRefused() {
        connectionLimitRefusals.increment();
    }

    public void unfinishedHeadRefused() {
        unfinishedHeadRefusals.increment();
    }

    // ---- TLS (transport/) ----

    public void tlsHandshakeFinished() {
        tlsHandshakes.increment();
    }

    /** An HTTPS connection closed before its handshake finished. */
    public void tlsHandshakeFailed() {
        tlsHandshakeFailures.increment();
    }

    public void tlsHandshakeTimedOut() {
        tlsHandshakeTimeouts.increment();
    }

    /** A finished handshake resumed an earlier session (TLS 1.2 session id or ticket, TLS 1.3 PSK). */
    public void tlsSessionResumed() {
        tlsSessionsResumed.increment();
    }

    public void certificateReloaded() {
        certificateReloads.increment();
    }

    public void certificateReloadFailed() {
        certificateReloadFailures.increment();
    }

    // ---- HTTP/2 ----

    public void h2StreamOpened() {
        h2Streams.increment();
    }

    public void h2StreamResetByPeer() {
        h2StreamsResetByPeer.increment();
    }

    public void h2StreamRefused() {
        h2StreamsRefused.increment();
    }

    /** An HTTP/2 connection is closed with GOAWAY ENHANCE_YOUR_CALM for {@code flood}. */
    public void h2CalmGoaway(H2Flood flood) {
        h2CalmByFlood[flood.ordinal()].increment();
        h2CalmGoaways.increment();
    }

    @Override
    public long h2CalmGoaways(H2Flood flood) {
        return h2CalmByFlood[flood.ordinal()].sum();
    }

    // ---- graceful stop ----

    /** A graceful stop has begun: readiness turns DOWN, answers carry {@code Connection: close}. */
    public void beginDrain() {
        if (drainingSinceNanos == NOT_DRAINING) {
            drainingSinceNanos = System.nanoTime();
        }
    }

    // ---- ServerMetric: the reads ----

    @Override
    public long poolsCreated() {
        return poolsCreated.sum();
    }

    @Override
    public long poolsDestroyed() {
        return poolsDestroyed.sum();
    }

    @Override
    public long requests() {
        return perRequest.requests();
    }

    @Override
    public long inFlight() {
        return perRequest.inFlight();
    }

    @Override
    public long resets() {
        return perRequest.resets();
    }

    @Override
    public long resetsDeferred() {
        return resetsDeferred.sum();
    }

    @Override
    public long resetsCoalesced() {
        return resetsCoalesced.sum();
    }

    @Override
    public ResetDelays.Snapshot resetDelays() {
        return resetDelays.snapshot(perRequest.resets());
    }

    @Override
    public long connectionCapExceeded() {
        return connectionCapExceeded.sum();
    }

    @Override
    public long arenaRejections() {
        return arenaRejections.sum();
    }

    @Override
    public long framingRefusals() {
        return framingRefusals.sum();
    }

    @Override
    public long framingRefusals(int index) {
        return framingRefusalsByStatus[index].sum();
    }

    @Override
    public long blockingRefusals() {
        return blockingRefusals.sum();
    }

    @Override
    public long orphanedBuffersReclaimed() {
        return orphanedBuffersReclaimed.sum();
    }

    @Override
    public long bodyTooLarge() {
        return bodyTooLarge.sum();
    }

    @Override
    public long bodySpills() {
        return bodySpills.sum();
    }

    @Override
    public long bodySpillBytes() {
        return bodySpillBytes.sum();
    }

    @Override
    public long bodyTempFilesLive() {
        return bodyTempFilesLive.sum();
    }

    @Override
    public long bodyMemoryInUse() {
        return bodyMemoryInUse.get();
    }

    @Override
    public long bodyMemoryEarlySpills() {
        return bodyMemoryEarlySpills.sum();
    }

    @Override
    public long bodyTempBytes() {
        return bodyTempBytes.get();
    }

    @Override
    public long bodyTempRefusals() {
        return bodyTempRefusals.sum();
    }

    @Override
    public long bodyTempWriteFailures() {
        return bodyTempWriteFailures.sum();
    }

    @Override
    public long retainsLeaked() {
        return retainsLeaked.sum();
    }

    @Override
    public int connectionsOpen() {
        return connectionsOpen.get();
    }

    @Override
    public int unfinishedHeads() {
        return unfinishedHeads.get();
    }

    @Override
    public long connectionLimitRefusals() {
        return connectionLimitRefusals.sum();
    }

    @Override
    public long unfinishedHeadRefusals() {
        return unfinishedHeadRefusals.sum();
    }

    @Override
    public long readTimeouts() {
        return readTimeouts.sum();
    }

    @Override
    public long writeTimeouts() {
        return writeTimeouts.sum();
    }

    @Override
    public long tlsHandshakes() {
        return tlsHandshakes.sum();
    }

    @Override
    public long tlsHandshakeFailures() {
        return tlsHandshakeFailures.sum();
    }

    @Override
    public long tlsHandshakeTimeouts() {
        return tlsHandshakeTimeouts.sum();
    }

    @Override
    public long tlsSessionsResumed() {
        return tlsSessionsResumed.sum();
    }

    @Override
    public long certificateReloads() {
        return certificateReloads.sum();
    }

    @Override
    public long certificateReloadFailures() {
        return certificateReloadFailures.sum();
    }

    @Override
    public long h2Streams() {
        return h2Streams.sum();
    }

    @Override
    public long h2StreamsResetByPeer() {
        return h2StreamsResetByPeer.sum();
    }

    @Override
    public long h2StreamsRefused() {
        return h2StreamsRefused.sum();
    }

    @Override
    public long h2CalmGoaways() {
        return h2CalmGoaways.sum();
    }

    @Override
    public boolean draining() {
        return drainingSinceNanos != NOT_DRAINING;
    }

    @Override
    public long drainingSinceNanos() {
        return drainingSinceNanos;
    }
}
