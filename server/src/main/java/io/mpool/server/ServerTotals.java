package io.mpool.server;

import io.mpool.server.stats.H2Flood;
import io.mpool.server.stats.ServerMetric;

/**
 * The server's counters since start, one snapshot ({@link MpoolServer#totals()}); the admin
 * listener's {@code /admin/pools} shows the same figures under the same names.
 *
 * @param poolsCreated            connection pools created (one per accepted connection with the mp pool kind)
 * @param poolsDestroyed          pools destroyed, every page back in the arena
 * @param poolsLive               pools not destroyed yet
 * @param requests                requests of the main listener
 * @param resets                  request-end resets of a pool
 * @param resetsDeferred          resets that waited for a buffer still open at the request's end
 * @param resetsCoalesced         request ends covered by a later reset (pipelined requests)
 * @param connectionCapExceeded   allocations refused at the per-connection cap
 * @param arenaRejections         allocations refused at the arena's bound
 * @param framingRefusals         requests refused by the framing check (400, 413, 414, 431, 501)
 * @param blockingRefusals        {@link BlockingRequests#tryStart} refusals
 * @param orphanedBuffersReclaimed buffers of closed connections given back by the sweep
 * @param bodyTooLarge            bodies refused with 413
 * @param bodySpills              {@link RequestBody} bodies that went to a temp file
 * @param bodySpillBytes          bytes written to those files
 * @param bodyTempFilesLive       temp files not deleted yet
 * @param retainsLeaked           retained bodies still unreleased when their connection closed
 * @param connectionsOpen         main-listener connections open now
 * @param unfinishedHeads         connections that have not sent a complete request head yet
 * @param connectionLimitRefusals connections refused at the connection limit
 * @param unfinishedHeadRefusals  connections refused at the unfinished-head limit
 * @param tlsHandshakes           TLS handshakes finished on the HTTPS listener
 * @param tlsHandshakeFailures    HTTPS connections closed before their handshake finished
 * @param tlsHandshakeTimeouts    of those, the ones closed by the handshake timeout
 * @param tlsSessionsResumed      of the finished handshakes, those that resumed an earlier session
 *                                (TLS 1.2 session id or ticket, TLS 1.3 pre-shared key)
 * @param certificateReloads      times the HTTPS certificate was read again after its files changed
 * @param certificateReloadFailures changes of those files refused (logged; the certificate in use kept)
 * @param h2Streams               HTTP/2 streams opened (each with a region of its own)
 * @param h2StreamsResetByPeer    HTTP/2 streams the client reset (RST_STREAM)
 * @param h2StreamsRefused        HTTP/2 streams refused (REFUSED_STREAM): past the concurrent-stream
 *                                limit, or no memory for their region
 * @param h2CalmGoaways           HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM (rapid
 *                                reset, CONTINUATION, control-frame and empty-frame floods); by flood:
 * @param h2RapidResets           of those, rapid reset (RST_STREAM frames past the reset window's bound)
 * @param h2ContinuationFloods    of those, a header block past its bytes or CONTINUATION frames
 * @param h2ControlFloods         of those, PING and SETTINGS frames past their bound
 * @param h2EmptyFrameFloods      of those, DATA frames with no bytes and no END_STREAM, one after another
 */
public record ServerTotals(long poolsCreated, long poolsDestroyed, long poolsLive, long requests,
                           long resets, long resetsDeferred, long resetsCoalesced,
                           long connectionCapExceeded, long arenaRejections, long framingRefusals,
                           long blockingRefusals, long orphanedBuffersReclaimed, long bodyTooLarge,
                           long bodySpills, long bodySpillBytes, long bodyTempFilesLive, long retainsLeaked,
                           long connectionsOpen, long unfinishedHeads, long connectionLimitRefusals,
                           long unfinishedHeadRefusals, long tlsHandshakes, long tlsHandshakeFailures,
                           long tlsHandshakeTimeouts, long tlsSessionsResumed, long certificateReloads,
                           long certificateReloadFailures,
                           long h2Streams, long h2StreamsResetByPeer,
                           long h2StreamsRefused, long h2CalmGoaways, long h2RapidResets,
                           long h2ContinuationFloods, long h2ControlFloods, long h2EmptyFrameFloods) {

    /**
     * The one snapshot of the server's counters: what {@link MpoolServer#totals()} returns, what the
     * admin endpoint serialises under {@code totals}, and what the stop summary prints. Each figure
     * is read once, one after the other.
     */
    static ServerTotals of(ServerMetric m) {
        long created = m.poolsCreated();
        long destroyed = m.poolsDestroyed();
        return new ServerTotals(created, destroyed, created - destroyed, m.requests(), m.resets(),
                m.resetsDeferred(), m.resetsCoalesced(), m.connectionCapExceeded(), m.arenaRejections(),
                m.framingRefusals(), m.blockingRefusals(), m.orphanedBuffersReclaimed(), m.bodyTooLarge(),
                m.bodySpills(), m.bodySpillBytes(), m.bodyTempFilesLive(), m.retainsLeaked(), m.connectionsOpen(),
                m.unfinishedHeads(), m.connectionLimitRefusals(), m.unfinishedHeadRefusals(), m.tlsHandshakes(),
                m.tlsHandshakeFailures(), m.tlsHandshakeTimeouts(), m.tlsSessionsResumed(), m.certificateReloads(),
                m.certificateReloadFailures(), m.h2Streams(), m.h2StreamsResetByPeer(), m.h2StreamsRefused(),
                m.h2CalmGoaways(), m.h2CalmGoaways(H2Flood.RAPID_RESET), m.h2CalmGoaways(H2Flood.CONTINUATION),
                m.h2CalmGoaways(H2Flood.CONTROL), m.h2CalmGoaways(H2Flood.EMPTY_FRAME));
    }
}
