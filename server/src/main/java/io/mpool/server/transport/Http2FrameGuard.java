package io.mpool.server.transport;

import io.mpool.server.config.Http2Settings;
import io.mpool.server.stats.H2Flood;
import io.mpool.server.stats.ServerStats;
import io.undertow.protocols.http2.Http2Channel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.IoUtils;
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
 *
 * <p>It also gives back the flow-control window Undertow loses on a DATA frame flagged PADDED
 * with a pad length of 0: the frame's pad length byte counts against the connection's and the
 * stream's windows (RFC 9113, 6.1), and Undertow gives a frame's pad length byte back only with
 * its padding, when there is some ({@code Http2StreamSourceChannel.handleHeaderData}), so each
 * such frame would shrink both windows by one byte for good, until a long body stalls.
 */
public final class Http2FrameGuard extends InspectingSourceConduit {
    private static final Logger LOG = Logger.getLogger(Http2FrameGuard.class.getName());

    /** RFC 9113, 4.1: length (3), type, flags, stream id (4). */
    static final int FRAME_HEADER_LENGTH = 9;
    static final int TYPE_DATA = 0x0;
    static final int TYPE_HEADERS = 0x1;
    static final int TYPE_RST_STREAM = 0x3;
    static final int TYPE_SETTINGS = 0x4;
    static final int TYPE_PING = 0x6;
    /** ACK on SETTINGS and PING, END_STREAM on DATA: the same bit (RFC 9113, 6.1, 6.5, 6.7). */
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_STREAM = 0x1;
    /** DATA: a pad length byte opens the payload (RFC 9113, 6.1). */
    static final int FLAG_PADDED = 0x8;
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
    private long controlWindowStart;
    private int controlFramesInWindow;
    private int emptyFramesInARow;
    private boolean cut;
    /** The current frame ({@link #header}) is a padded DATA frame whose pad length byte has not passed yet. */
    private boolean padLengthAhead;
    /** Pad length bytes of frames padded with 0 bytes, not given back yet: to the connection, and to {@link #owedStreamId}. */
    private int padLengthBytesOwed;
    private int owedStreamId;
    private int owedStreamBytes;

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
        if (padLengthBytesOwed > 0) {
            giveBackPadLengthBytes();
        }
        return read;
    }

    /** Follows the frames in {@code buffer[from, to)}; false at the first violation (the GOAWAY is on its way). */
    private boolean scan(ByteBuffer buffer, int from, int to) {
        int at = from;
        while (at < to) {
            if (headerSeen == 0 && to - at >= FRAME_HEADER_LENGTH) { // a whole header here: taken at once
                buffer.get(at, header);
                at += FRAME_HEADER_LENGTH;
                headerSeen = FRAME_HEADER_LENGTH;
                if (!headerPassed()) {
                    return false;
                }
            } else if (headerSeen < FRAME_HEADER_LENGTH) {
                header[headerSeen++] = buffer.get(at++);
                if (headerSeen == FRAME_HEADER_LENGTH && !headerPassed()) {
                    return false;
                }
            } else {
                if (padLengthAhead) {
                    padLengthAhead = false;
                    if (buffer.get(at) == 0) {
                        paddedWithNothing();
                    }
                }
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

    /** The current frame's header has passed whole; false if the frame breaks a limit. */
    private boolean headerPassed() {
        payloadLeft = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
        int type = header[3] & 0xff;
        int flags = header[4] & 0xff;
        if (!frameStarts(type, flags, payloadLeft)) {
            return false;
        }
        padLengthAhead = type == TYPE_DATA && (flags & FLAG_PADDED) != 0 && payloadLeft > 0;
        if (payloadLeft == 0) {
            headerSeen = 0;
        }
        return true;
    }

    /**
     * A DATA frame padded with 0 bytes: its pad length byte is owed to the connection's window and,
     * unless the frame ends the stream (no more DATA can come on it), to the stream's.
     */
    private void paddedWithNothing() {
        int dataStreamId = (header[5] & 0x7f) << 24 | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8 | header[8] & 0xff;
        boolean dataEndsStream = (header[4] & FLAG_END_STREAM) != 0;
        if (!dataEndsStream && owedStreamBytes > 0 && dataStreamId != owedStreamId) {
            giveBackPadLengthBytes(); // one stream's bytes at a time
        }
        padLengthBytesOwed++;
        if (!dataEndsStream) {
            owedStreamId = dataStreamId;
            owedStreamBytes++;
        }
    }

    /**
     * Gives the owed pad length bytes back on the IO thread once Undertow has handled this read's
     * frames: the connection's through Undertow's own count ({@code updateReceiveFlowControlWindow},
     * which sends a WINDOW_UPDATE once half the window is owed), the stream's in a WINDOW_UPDATE of
     * its own (the stream's window is counted by its reader, which never sees the byte: the
     * stream's copy, or Undertow's stream channel with {@code --pool undertow}).
     */
    private void giveBackPadLengthBytes() {
        int connectionBytes = padLengthBytesOwed;
        int streamId = owedStreamId;
        int streamBytes = owedStreamBytes;
        padLengthBytesOwed = 0;
        owedStreamBytes = 0;
        Http2Channel http2 = channel;
        if (http2 == null) {
            return;
        }
        http2.getIoThread().execute(() -> {
            try {
                http2.updateReceiveFlowControlWindow(connectionBytes);
                if (streamBytes > 0) {
                    http2.sendUpdateWindowSize(streamId, streamBytes);
                }
            } catch (IOException e) {
                LOG.log(Level.FINE, "HTTP/2: giving back the window of pad length bytes failed", e);
                IoUtils.safeClose(http2);
            }
        });
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
                    return calm(H2Flood.RAPID_RESET, "more than " + settings.maxResetsPerWindow()
                            + " RST_STREAM frames within " + settings.resetWindow().toSeconds() + " s");
                }
                return true;
            case TYPE_SETTINGS:
            case TYPE_PING:
                return (flags & FLAG_ACK) != 0 || controlFrame();
            case TYPE_DATA:
                if (length > 0 || (flags & FLAG_END_STREAM) != 0) {
                    emptyFramesInARow = 0;
                    return true;
                }
                return ++emptyFramesInARow <= Http2Settings.DEFAULT_MAX_EMPTY_FRAMES
                        || calm(H2Flood.EMPTY_FRAME, "more than " + Http2Settings.DEFAULT_MAX_EMPTY_FRAMES
                                + " empty DATA frames in a row");
            case TYPE_HEADERS:
                emptyFramesInARow = 0;
                headerBlockBytes = (flags & FLAG_END_HEADERS) != 0 ? -1 : length;
                continuationFrames = 0;
                return headerBlockBytes <= settings.maxHeaderListSize()
                        || calm(H2Flood.CONTINUATION, "a header block past " + settings.maxHeaderListSize() + " bytes");
            case TYPE_CONTINUATION:
                if (headerBlockBytes < 0) {
                    return true; // out of place: Undertow's protocol error
                }
                headerBlockBytes += length;
                continuationFrames++;
                if (headerBlockBytes > settings.maxHeaderListSize() || continuationFrames > MAX_CONTINUATION_FRAMES) {
                    return calm(H2Flood.CONTINUATION, "a header block past " + settings.maxHeaderListSize() + " bytes or "
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

    /** A PING or SETTINGS frame the server must answer; false past the window's bound. */
    private boolean controlFrame() {
        long now = System.nanoTime();
        if (controlFramesInWindow == 0 || now - controlWindowStart >= resetWindowNanos) {
            controlWindowStart = now;
            controlFramesInWindow = 0;
        }
        return ++controlFramesInWindow <= Http2Settings.DEFAULT_MAX_CONTROL_FRAMES_PER_WINDOW
                || calm(H2Flood.CONTROL, "more than " + Http2Settings.DEFAULT_MAX_CONTROL_FRAMES_PER_WINDOW
                        + " PING and SETTINGS frames within " + settings.resetWindow().toSeconds() + " s");
    }

    /** Closes with GOAWAY ENHANCE_YOUR_CALM, counted under {@code flood}; always false. */
    private boolean calm(H2Flood flood, String why) {
        stats.h2CalmGoaway(flood);
        Http2Channel http2 = channel;
        LOG.fine(() -> "closing HTTP/2 connection from " + (http2 == null ? "?" : http2.getPeerAddress()) + ": " + why
                + " (" + flood + ")");
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
