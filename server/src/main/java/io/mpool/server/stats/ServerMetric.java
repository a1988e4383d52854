package io.mpool.server.stats;

/**
 * The server-wide counters, read-only: what the admin endpoint, the metrics, the health check, the
 * stop summary and tests read (Netty's {@code PoolArenaMetric} is the model). Only
 * {@link ServerStats}, handed to the classes that own each event, can count.
 *
 * <p>Each read is one sum (a {@code LongAdder} or an atomic): figures read one after the other
 * are not one consistent snapshot, which the admin endpoint and the metrics accept.
 */
public interface ServerMetric {
    /**
     * The statuses the framing check answers ({@code FramingViolation}); {@link #framingRefusals()}
     * split by them ({@link #framingRefusals(int)}), anything else under {@link #OTHER_FRAMING_STATUS}.
     */
    int[] FRAMING_STATUSES = {400, 408, 413, 414, 431, 501};
    /** The index for {@link #framingRefusals(int)} of a status not in {@link #FRAMING_STATUSES}. */
    int OTHER_FRAMING_STATUS = FRAMING_STATUSES.length;

    /** Connection pools created (one per accepted connection with the mp pool kind). */
    long poolsCreated();

    /** Pools destroyed, every page back in the arena. */
    long poolsDestroyed();

    /** Pools not destroyed yet. */
    default long poolsLive() {
        return poolsCreated() - poolsDestroyed();
    }

    /** Requests of the main listener (HTTP/2 streams among them). */
    long requests();

    /** Requests between root-handler entry and exchange completion now, over all connections. */
    long inFlight();

    /** Request-end resets of a pool. */
    long resets();

    /** Request ends whose reset waited for a buffer still open. */
    long resetsDeferred();

    /** Request ends covered by a later reset or by the destroy (pipelined requests). */
    long resetsCoalesced();

    /** The delay of every reset so far: the deferred ones recorded, the others in the zero bucket. */
    ResetDelays.Snapshot resetDelays();

    /** Allocations refused at the per-connection cap. */
    long connectionCapExceeded();

    /** Allocations refused at the arena's bound. */
    long arenaRejections();

    /** Requests refused for broken framing (400/414/431/501 from the framing check). */
    long framingRefusals();

    /** Framing refusals answered with {@code FRAMING_STATUSES[index]} (other statuses at {@link #OTHER_FRAMING_STATUS}). */
    long framingRefusals(int index);

    /** Blocking requests refused with 503 because {@code --max-blocking-requests} were running. */
    long blockingRefusals();

    /** Buffers Undertow still held when its connection closed, taken back at destroy. */
    long orphanedBuffersReclaimed();

    /** Bodies refused with 413 for passing {@code --max-body-size} (announced or counted). */
    long bodyTooLarge();

    /** Whole bodies that passed {@code --body-in-memory-max} and went to a temp file. */
    long bodySpills();

    /** Bytes written to those temp files. */
    long bodySpillBytes();

    /** Temp files of spilled bodies that exist now (back to 0 when no request holds one). */
    long bodyTempFilesLive();

    /** Pool memory whole bodies held in memory take now, over all connections ({@code --body-memory-total}). */
    long bodyMemoryInUse();

    /** Bodies sent to a temp file before {@code --body-in-memory-max} because {@code --body-memory-total} was taken. */
    long bodyMemoryEarlySpills();

    /** Bytes in the live temp files of spilled bodies ({@code --body-temp-max}). */
    long bodyTempBytes();

    /** Bodies refused with 503 because their temp file would have passed {@code --body-temp-max}. */
    long bodyTempRefusals();

    /** Temp file writes that failed (a full disk): the request got 503. */
    long bodyTempWriteFailures();

    /** Retained region memory (request bodies) never released, revoked when its connection closed. */
    long retainsLeaked();

    /** Main-listener connections open now (accepted, not yet closed; refused ones not counted). */
    int connectionsOpen();

    /** Of those, the ones whose first request head has not arrived yet. */
    int unfinishedHeads();

    /** Connections refused at accept because {@code --max-connections} were open. */
    long connectionLimitRefusals();

    /** Connections refused at accept because {@code --max-unfinished-heads} (in all or per address) were reached. */
    long unfinishedHeadRefusals();

    /** Connections the read timeout closed (408 when a request was waiting for bytes). */
    long readTimeouts();

    /** Connections the write timeout closed (the client stopped reading). */
    long writeTimeouts();

    /** TLS handshakes finished on the HTTPS listener. */
    long tlsHandshakes();

    /** HTTPS connections closed before their handshake finished (timeouts among them). */
    long tlsHandshakeFailures();

    /** HTTPS connections closed by the handshake timeout. */
    long tlsHandshakeTimeouts();

    /** Of the finished handshakes, those that resumed an earlier session instead of a full handshake. */
    long tlsSessionsResumed();

    /** HTTPS certificate files read again after a change. */
    long certificateReloads();

    /** Changes of those files refused (the old certificate kept). */
    long certificateReloadFailures();

    /** HTTP/2 streams served (each with a region of its own; refused ones are not counted here). */
    long h2Streams();

    /** HTTP/2 streams the peer reset (RST_STREAM frames received). */
    long h2StreamsResetByPeer();

    /** HTTP/2 streams refused (REFUSED_STREAM): past the concurrent-stream limit, or no memory for their region. */
    long h2StreamsRefused();

    /** HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM (rapid reset, CONTINUATION or control-frame floods). */
    long h2CalmGoaways();

    /** HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM for {@code flood}. */
    long h2CalmGoaways(H2Flood flood);

    /** Whether a graceful stop has begun (one volatile read: checked once per request). */
    boolean draining();

    /** When the drain began ({@link System#nanoTime()}); only meaningful while {@link #draining()}. */
    long drainingSinceNanos();
}
