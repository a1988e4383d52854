package io.mpool.server.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Writes the first GOAWAY of a graceful stop between the frames Undertow's HTTP/2 writes, beneath
 * it. Undertow 2.3 has one way to send GOAWAY, and it closes the connection's write side as soon
 * as the frame is out, which would cut the answers of the streams still running; RFC 9113 (6.8)
 * wants the GOAWAY first and the running streams finished after it. So this conduit follows the
 * frames as their bytes pass (9-byte header, then the payload its length names), and puts the
 * GOAWAY in at the first boundary between two frames: before Undertow's next write, or at once if
 * the last frame has gone out whole.
 *
 * <p>IO thread only, like every write of the channel.
 */
public final class Http2GoAwayWriter extends AbstractStreamSinkConduit<StreamSinkConduit> {
    /** RFC 9113, 4.1: length (3), type, flags, stream id (4). */
    private static final int FRAME_HEADER_LENGTH = 9;
    private static final int TYPE_GOAWAY = 0x7;
    /** RFC 9113, 6.8: last stream id (4), error code (4). */
    private static final int GOAWAY_PAYLOAD_LENGTH = 8;

    /** Bytes of the current frame's header passed so far; {@link #FRAME_HEADER_LENGTH} while in its payload. */
    private int headerSeen;
    /** The current frame's length, from the first three bytes of its header as they pass. */
    private int frameLength;
    private long payloadLeft;
    /** Positions of a gathering write's buffers before it, grown as needed (no allocation per write). */
    private int[] positions = new int[8];
    /** The GOAWAY still to write, or null. */
    private ByteBuffer goAway;

    public Http2GoAwayWriter(StreamSinkConduit next) {
        super(next);
    }

    /**
     * GOAWAY with {@code errorCode} naming {@code lastStreamId}, at the next boundary between two
     * frames (on the connection's IO thread).
     */
    public void goAway(int lastStreamId, int errorCode) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER_LENGTH + GOAWAY_PAYLOAD_LENGTH);
        frame.put((byte) 0).put((byte) 0).put((byte) GOAWAY_PAYLOAD_LENGTH).put((byte) TYPE_GOAWAY).put((byte) 0)
                .putInt(0).putInt(lastStreamId & Integer.MAX_VALUE).putInt(errorCode).flip();
        goAway = frame;
        if (!writeGoAwayIfBetweenFrames()) {
            next.resumeWrites(); // the rest when the socket takes it: Undertow's flush listener runs, and flush() writes it
        }
    }

    /** Writes what is left of the GOAWAY if no frame is half written; true when nothing of it is left. */
    private boolean writeGoAwayIfBetweenFrames() throws IOException {
        ByteBuffer frame = goAway;
        if (frame == null) {
            return true;
        }
        if (headerSeen != 0 || payloadLeft != 0) {
            return false;
        }
        next.write(frame);
        if (frame.hasRemaining()) {
            return false;
        }
        goAway = null;
        return true;
    }

    /** Follows the frames in the {@code count} bytes just written from {@code srcs} (their positions before). */
    private void passed(ByteBuffer[] srcs, int offs, int len, int[] positions, long count) {
        long left = count;
        for (int i = 0; i < len && left > 0; i++) {
            ByteBuffer src = srcs[offs + i];
            int from = positions[i];
            int passed = (int) Math.min(left, src.position() - from);
            follow(src, from, from + passed);
            left -= passed;
        }
    }

    private void follow(ByteBuffer buffer, int from, int to) {
        int at = from;
        while (at < to) {
            if (headerSeen == 0 && to - at >= FRAME_HEADER_LENGTH) { // a whole header here: its length at once
                int length = (buffer.get(at) & 0xff) << 16 | (buffer.get(at + 1) & 0xff) << 8 | buffer.get(at + 2) & 0xff;
                at += FRAME_HEADER_LENGTH;
                int skip = Math.min(length, to - at);
                at += skip;
                if (skip < length) {
                    headerSeen = FRAME_HEADER_LENGTH;
                    payloadLeft = length - skip;
                }
            } else if (headerSeen < FRAME_HEADER_LENGTH) {
                byte next = buffer.get(at++);
                if (headerSeen < 3) { // RFC 9113, 4.1: the length is the first three bytes
                    frameLength = frameLength << 8 | next & 0xff;
                }
                if (++headerSeen == FRAME_HEADER_LENGTH) {
                    payloadLeft = frameLength;
                    frameLength = 0;
                    if (payloadLeft == 0) {
                        headerSeen = 0;
                    }
                }
            } else {
                int skip = (int) Math.min(payloadLeft, to - at);
                at += skip;
                payloadLeft -= skip;
                if (payloadLeft == 0) {
                    headerSeen = 0;
                }
            }
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!writeGoAwayIfBetweenFrames()) {
            return 0;
        }
        int from = src.position();
        int written = next.write(src);
        follow(src, from, from + Math.max(written, 0));
        writeGoAwayIfBetweenFrames();
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
        if (!writeGoAwayIfBetweenFrames()) {
            return 0;
        }
        markPositions(srcs, offs, len);
        long written = next.write(srcs, offs, len);
        passed(srcs, offs, len, positions, Math.max(written, 0));
        writeGoAwayIfBetweenFrames();
        return written;
    }

    /** Remembers where each of {@code srcs} starts, so {@link #passed} can follow what a gathering write took. */
    private void markPositions(ByteBuffer[] srcs, int offs, int len) {
        if (positions.length < len) {
            positions = new int[len];
        }
        for (int i = 0; i < len; i++) {
            positions[i] = srcs[offs + i].position();
        }
    }

    @Override
    public int writeFinal(ByteBuffer src) throws IOException {
        if (!writeGoAwayIfBetweenFrames()) {
            return 0;
        }
        int from = src.position();
        int written = next.writeFinal(src);
        follow(src, from, from + Math.max(written, 0));
        return written;
    }

    @Override
    public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
        if (!writeGoAwayIfBetweenFrames()) {
            return 0;
        }
        markPositions(srcs, offs, len);
        long written = next.writeFinal(srcs, offs, len);
        passed(srcs, offs, len, positions, Math.max(written, 0));
        return written;
    }

    /** Undertow's framed channel writes from buffers only; a transfer would pass bytes this cannot follow. */
    @Override
    public long transferFrom(FileChannel src, long position, long count) throws IOException {
        throw new IOException("HTTP/2 frames are written from buffers");
    }

    @Override
    public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer) throws IOException {
        throw new IOException("HTTP/2 frames are written from buffers");
    }

    @Override
    public boolean flush() throws IOException {
        return writeGoAwayIfBetweenFrames() && next.flush();
    }
}
