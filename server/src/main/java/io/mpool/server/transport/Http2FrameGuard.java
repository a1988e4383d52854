package io.mpool.server.transport;

import io.mpool.server.config.Http2Settings;
import io.mpool.server.stats.ServerStats;
import io.undertow.protocols.http2.Http2Channel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Logger;
import org.xnio.conduits.StreamSourceConduit;

/**
 * What guards an HTTP/2 connection where the HTTP/1.1 framing check guards HTTP/1.1: a conduit
 * beneath Undertow's {@link Http2Channel} that reads every frame's 9-byte header as the bytes pass
 * (payloads are skipped, never copied) and closes the connection with GOAWAY ENHANCE_YOUR_CALM at
 * the first sign of an attack Undertow (2.3 and 2.4) lets through or lets run long:
 * <ul>
 *   <li><b>rapid reset</b> (CVE-2023-44487): more than {@link Http2Settings#maxResetsPerWindow()}
 *   RST_STREAM frames within {@link Http2Settings#resetWindow()} (Undertow's own window, counted
 *   here first so that every reset by the peer is counted and the close is counted too);</li>
 *   <li><b>CONTINUATION flood</b> (CVE-2024-27316 family): a header block, HEADERS and its
 *   CONTINUATION frames, longer than the header list limit or split into more than
 *   {@link #MAX_CONTINUATION_FRAMES} frames (a flood of empty ones costs no bytes).</li>
 * </ul>
 * Once it has cut the connection, nothing more is passed up: the bytes that follow are read and
 * dropped until the GOAWAY is written and the channel closes.
 */
public final class Http2FrameGuard extends InspectingSourceConduit {
    private static final Logger LOG = Logger.getLogger(Http2FrameGuard.class.getName());

    /** RFC 9113, 4.1: length (3), type, flags, stream id (4). */
    static final int FRAME_HEADER_LENGTH = 9;
    static final int TYPE_HEADERS = 0x1;
    static final int TYPE_RST_STREAM = 0x3;
    static final int TYPE_CONTINUATION = 0x9;
    static final int FLAG_END_HEADERS = 0x4;
    /**
     * CONTINUATION frames one header block may take. A client fills frames up to
     * SETTINGS_MAX_FRAME_SIZE (16 KB at least), so a header block within the header list limit
     * needs one or two; 32 leaves room for clients that split small, and bounds a flood of empty
     * frames that the byte limit cannot see.
     */
    static final int MAX_CONTINUATION_FRAMES = 32;

    private final Http2Settings settings;
    private final ServerStats stats;
    private final long resetWindowNanos;
    /** Bytes read before the HTTP/2 channel took over (after the preface): given up first. */
    private ByteBuffer pending;
    private Http2Channel channel;

    private final byte[] header = new byte[FRAME_HEADER_LENGTH];
    /** Bytes of the current frame header seen so far; {@link #FRAME_HEADER_LENGTH} while in a payload. */
    private int headerSeen;
    /** Payload bytes of the current frame still to pass. */
    private int payloadLeft;
    /** Bytes and CONTINUATION frames of the header block under way; -1 outside one. */
    private long headerBlockBytes = -1;
    private int continuationFrames;
    private long resetWindowStart;
    private int resetsInWindow;
    private boolean cut;

    public Http2FrameGuard(StreamSourceConduit next, ByteBuffer pending, Http2Settings settings, ServerStats stats) {
        super(next);
        this.pending = pending.hasRemaining() ? pending : null;
        this.settings = settings;
        this.stats = stats;
        this.resetWindowNanos = settings.resetWindow().toNanos();
    }

    /** The channel whose peer this guards: where the GOAWAY goes. */
    public void guarding(Http2Channel http2) {
        this.channel = http2;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        int read;
        if (pending != null) {
            read = Math.min(dst.remaining(), pending.remaining());
            dst.put(pending.duplicate().limit(pending.position() + read));
            pending.position(pending.position() + read);
            if (!pending.hasRemaining()) {
                pending = null;
            }
        } else {
            read = next.read(dst);
        }
        if (read <= 0 || cut) {
            dst.position(start);
            return cut && read >= 0 ? 0 : read;
        }
        if (!scan(dst, start, start + read)) {
            cut = true;
            dst.position(start);
            return 0;
        }
        return read;
    }

    /** Follows the frames in {@code buffer[from, to)}; false at the first violation (the GOAWAY is on its way). */
    private boolean scan(ByteBuffer buffer, int from, int to) {
        int at = from;
        while (at < to) {
            if (headerSeen < FRAME_HEADER_LENGTH) {
                header[headerSeen++] = buffer.get(at++);
                if (headerSeen == FRAME_HEADER_LENGTH) {
                    payloadLeft = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                    if (!frameStarts(header[3] & 0xff, header[4] & 0xff, payloadLeft)) {
                        return false;
                    }
                    if (payloadLeft == 0) {
                        headerSeen = 0;
                    }
                }
            } else {
                int skip = Math.min(payloadLeft, to - at);
                at += skip;
                payloadLeft -= skip;
                if (payloadLeft == 0) {
                    headerSeen = 0;
                }
            }
        }
        return true;
    }

    /** A frame header has come; false if the frame breaks a limit. */
    private boolean frameStarts(int type, int flags, int length) {
        switch (type) {
            case TYPE_RST_STREAM:
                stats.h2StreamResetByPeer();
                long now = System.nanoTime();
                if (resetsInWindow == 0 || now - resetWindowStart >= resetWindowNanos) {
                    resetWindowStart = now;
                    resetsInWindow = 0;
                }
                if (++resetsInWindow > settings.maxResetsPerWindow()) {
                    return calm("more than " + settings.maxResetsPerWindow() + " RST_STREAM frames within "
                            + settings.resetWindow().toSeconds() + " s (rapid reset)");
                }
                return true;
            case TYPE_HEADERS:
                headerBlockBytes = (flags & FLAG_END_HEADERS) != 0 ? -1 : length;
                continuationFrames = 0;
                return headerBlockBytes <= settings.maxHeaderListSize()
                        || calm("a header block past " + settings.maxHeaderListSize() + " bytes");
            case TYPE_CONTINUATION:
                if (headerBlockBytes < 0) {
                    return true; // out of place: Undertow's protocol error
                }
                headerBlockBytes += length;
                continuationFrames++;
                if (headerBlockBytes > settings.maxHeaderListSize() || continuationFrames > MAX_CONTINUATION_FRAMES) {
                    return calm("a header block past " + settings.maxHeaderListSize() + " bytes or "
                            + MAX_CONTINUATION_FRAMES + " CONTINUATION frames");
                }
                if ((flags & FLAG_END_HEADERS) != 0) {
                    headerBlockBytes = -1;
                }
                return true;
            default:
                return true;
        }
    }

    /** Closes with GOAWAY ENHANCE_YOUR_CALM (counted); always false. */
    private boolean calm(String why) {
        stats.h2CalmGoawaySent();
        Http2Channel http2 = channel;
        LOG.fine(() -> "closing HTTP/2 connection from " + (http2 == null ? "?" : http2.getPeerAddress()) + ": " + why);
        if (http2 != null) {
            http2.getIoThread().execute(() -> http2.sendGoAway(Http2Channel.ERROR_ENHANCE_YOUR_CALM));
        }
        return false;
    }

    @Override
    public void resumeReads() {
        if (pending != null) {
            next.wakeupReads(); // bytes read before the switch are ready though the socket may not be
        } else {
            next.resumeReads();
        }
    }
}
