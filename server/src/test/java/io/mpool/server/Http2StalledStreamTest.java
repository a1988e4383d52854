package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.mempool.MpPool;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionSummary;
import io.mpool.server.connection.StreamSummary;
import io.mpool.testing.Await;
import io.undertow.server.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stream whose handler does not read its body: what of the connection's memory its unread bytes
 * pin while the connection's other streams go on. Undertow's HTTP/2 hands a stream's DATA to it as
 * views of the connection's read buffers; a stalled stream would keep every buffer its bytes came
 * in (up to Undertow's 16 queued read buffers). Its body is copied into its own region as it comes
 * instead (nginx's preread), so the connection's buffers go back at once, and the stream's window
 * (64 KB) bounds the copy.
 */
class Http2StalledStreamTest {
    private static final int KILOBYTE = 1024;
    private final CountDownLatch release = new CountDownLatch(1);

    /** Reads nothing until released, then echoes. */
    private final HttpHandler stall = StallingHandler.readingAfter(release);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config,
            routes -> exchange -> (exchange.getRequestPath().equals("/stall") ? stall : routes).handleRequest(exchange));

    private ConnectionBufferPool connection() {
        List<ConnectionBufferPool> connections = fixture.server().registry().pools();
        assertEquals(1, connections.size());
        return connections.get(0);
    }

    private ConnectionSummary summary() {
        return connection().summary();
    }

    @Test
    void aStalledStreamsBodyIsCopiedIntoItsRegionAndPinsNoneOfTheConnectionsBuffers() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/stall"), false);
            byte[] kilobyte = new byte[KILOBYTE];
            for (int i = 0; i < 63; i++) { // within the stream's window: 63 frames of 1 KB
                h2.data(1, kilobyte, false);
                h2.headers(3 + 2 * i, H2Frames.requestHeaders("GET", "/hello"), true); // another stream between each
                assertEquals("hello\n", new String(h2.response(3 + 2 * i).body(), StandardCharsets.US_ASCII));
            }
            StreamSummary stalled = Await.until("the stalled stream's body copied", Duration.ofSeconds(10),
                    () -> connection().detail().streams().get(0), stream -> stream.prereadBytes() == 63 * KILOBYTE);
            // Undertow's views of the read buffers pinned 7 of them (16 KB each) here, none given back.
            assertEquals(0, summary().openBuffers(), summary().toString());
            assertEquals(1, stalled.id());
            assertEquals("running", stalled.state());
            assertTrue(stalled.bytesReserved() >= 63 * KILOBYTE, stalled.toString());
            assertTrue(stalled.bytesReserved() <= 64 * KILOBYTE + 2 * MpPool.NODE_SIZE + 16 * KILOBYTE,
                    "its window's chunks, its node and a response buffer: " + stalled);
            JsonNode detail = fixture.admin("/admin/pools/" + connection().id(), null).json();
            JsonNode listed = detail.path("streams").get(0);
            assertEquals(1, listed.path("id").asInt(), detail.toString());
            assertEquals("running", listed.path("state").asText());
            assertEquals(63 * KILOBYTE, listed.path("prereadBytes").asLong());
            assertTrue(listed.path("bytesReserved").asLong() >= 63 * KILOBYTE, listed.toString());
            assertTrue(listed.has("ageMillis"), listed.toString());
            release.countDown();
            h2.data(1, kilobyte, true);
            assertEquals("read 65536", new String(h2.response(1).body(), StandardCharsets.US_ASCII));
        }
    }

    /** The copy is bounded by the window: a client that sends past it breaks flow control. */
    @Test
    void aClientThatSendsPastTheStreamsWindowHasTheStreamResetWithFlowControlError() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/stall"), false);
            byte[] kilobyte = new byte[KILOBYTE];
            for (int i = 0; i < 64; i++) { // the whole window (64 KB), then one byte more
                h2.data(1, kilobyte, false);
            }
            h2.data(1, new byte[1], false);
            H2Frames.Frame reset = h2.until(H2Frames.RST_STREAM);
            assertEquals(1, reset.stream());
            assertEquals(H2Frames.FLOW_CONTROL_ERROR, reset.errorCode());
            release.countDown();
            h2.headers(3, H2Frames.requestHeaders("GET", "/hello"), true);
            assertEquals("hello\n", new String(h2.response(3).body(), StandardCharsets.US_ASCII), "the connection goes on");
        }
    }

    /**
     * A body of 16 windows to a handler that reads it: the copy's window updates let the client go
     * on as the handler reads (the client keeps to its windows, else its stream would be reset),
     * the copy's chunks are used again, and the echo comes back whole.
     */
    @Test
    void aBodyOfManyWindowsIsCopiedChunkByChunkAndArrivesWhole() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo"), false);
            int total = 1024 * KILOBYTE;
            long streamWindow = H2Frames.DEFAULT_WINDOW;
            long connectionWindow = H2Frames.DEFAULT_WINDOW;
            int sent = 0;
            ByteArrayOutputStream echoed = new ByteArrayOutputStream();
            boolean ended = false;
            while (!ended) {
                int next = (int) Math.min(Math.min(16 * KILOBYTE, total - sent), Math.min(streamWindow, connectionWindow));
                if (sent < total && next > 0) {
                    byte[] block = new byte[next];
                    for (int j = 0; j < next; j++) {
                        block[j] = (byte) ((sent + j) * 31);
                    }
                    h2.data(1, block, sent + next == total);
                    sent += next;
                    streamWindow -= next;
                    connectionWindow -= next;
                    continue;
                }
                H2Frames.Frame frame = h2.read();
                assertTrue(frame != null && frame.type() != H2Frames.RST_STREAM && frame.type() != H2Frames.GOAWAY,
                        "the stream goes on: " + frame);
                if (frame.type() == H2Frames.WINDOW_UPDATE) {
                    long increment = frame.errorCode() & 0x7fff_ffffL; // the same four bytes
                    if (frame.stream() == 0) {
                        connectionWindow += increment;
                    } else {
                        streamWindow += increment;
                    }
                } else if (frame.type() == H2Frames.DATA && frame.stream() == 1) {
                    echoed.writeBytes(frame.payload());
                    if (frame.payload().length > 0) {
                        h2.windowUpdate(0, frame.payload().length);
                        h2.windowUpdate(1, frame.payload().length);
                    }
                    ended = (frame.flags() & H2Frames.END_STREAM) != 0;
                }
            }
            byte[] body = echoed.toByteArray();
            assertEquals(total, body.length);
            for (int j = 0; j < total; j++) {
                if (body[j] != (byte) (j * 31)) {
                    throw new AssertionError("byte " + j + " of the echo: " + body[j]);
                }
            }
        }
    }

    /**
     * A long body in padded DATA frames to a handler that reads it: the whole frame counts against
     * the windows (RFC 9113, 6.1), and the padding, which no read delivers, is given back too. A
     * client that keeps to its windows would otherwise see the stream's window shrink by every
     * frame's padding until it stalls (a fifth of each frame here is padding).
     */
    @Test
    void aPaddedBodyHasItsPaddingGivenBackAndArrivesWhole() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo"), false);
            assertEchoed(256 * KILOBYTE, sendPadded(h2, 1, 256 * KILOBYTE, 1_000, 255, true));
        }
    }

    /** Padding is given back even while the handler reads nothing: it takes no room in the stream's region. */
    @Test
    void paddingIsGivenBackWhileTheHandlerReadsNothing() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/stall"), false);
            sendPadded(h2, 1, 400, 1, 255, false); // 400 frames of 257 bytes: 100 KB against a 64 KB window
            StreamSummary stalled = Await.until("the stalled stream's 400 bytes copied", Duration.ofSeconds(10),
                    () -> connection().detail().streams().get(0), stream -> stream.prereadBytes() == 400);
            assertTrue(stalled.bytesReserved() <= 2 * MpPool.NODE_SIZE + 16 * KILOBYTE, stalled.toString());
            release.countDown();
            h2.data(1, new byte[0], true);
            assertEquals("read 400", new String(h2.response(1).body(), StandardCharsets.US_ASCII));
        }
    }

    /**
     * A long body in DATA frames flagged PADDED with a pad length of 0: each frame's pad length byte
     * counts against both windows (RFC 9113, 6.1) and no read delivers it. Undertow gives a pad
     * length byte back only with padding, so 70,000 such frames, each losing a byte, would use up
     * the stream's window (64 KB) and stall.
     */
    @Test
    void aBodyPaddedWithNothingHasItsPadLengthBytesGivenBackToTheStream() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo"), false);
            byte[] echoed = new PaddedSender(h2).send(1, 70_000, 1, 0, true);
            assertEchoed(70_000, echoed);
        }
    }

    /**
     * The same on the connection's window, over streams one after another, none of which alone
     * sends enough such frames to use up its own window: 8 bodies of 9,000 frames lose 72,000
     * bytes of the connection's window (64 KB) unless they are given back.
     */
    @Test
    void bodiesPaddedWithNothingHaveTheirPadLengthBytesGivenBackToTheConnection() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            PaddedSender sender = new PaddedSender(h2);
            for (int stream = 1; stream <= 15; stream += 2) {
                h2.headers(stream, H2Frames.requestHeaders("POST", "/echo"), false);
                assertEchoed(9_000, sender.send(stream, 9_000, 1, 0, true));
            }
        }
    }

    private static void assertEchoed(int total, byte[] echoed) {
        assertEquals(total, echoed.length);
        for (int j = 0; j < echoed.length; j++) {
            if (echoed[j] != (byte) (j * 31)) {
                throw new AssertionError("byte " + j + " of the echo: " + echoed[j]);
            }
        }
    }

    private static byte[] sendPadded(H2Frames h2, int stream, int total, int perFrame, int padding, boolean end)
            throws Exception {
        return new PaddedSender(h2).send(stream, total, perFrame, padding, end);
    }

    /** A client that sends padded bodies keeping to the windows the server gives (whole frames count). */
    private static final class PaddedSender {
        private final H2Frames h2;
        /** The connection's window, across the streams sent. */
        private long connectionWindow = H2Frames.DEFAULT_WINDOW;

        PaddedSender(H2Frames h2) {
            this.h2 = h2;
        }

        /**
         * Sends {@code total} bytes ({@code (i * 31)} at position i) on {@code stream} in DATA frames
         * of {@code perFrame} bytes with {@code padding} bytes of padding each, as many frames in
         * one write as the windows allow, ending the stream when {@code end}; returns what the
         * server echoed on it until its end (nothing when not {@code end}). A window the server
         * never opens again ends in the read's timeout.
         */
        byte[] send(int stream, int total, int perFrame, int padding, boolean end) throws Exception {
            long streamWindow = H2Frames.DEFAULT_WINDOW;
            int sent = 0;
            ByteArrayOutputStream echoed = new ByteArrayOutputStream();
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            while (true) {
                int next = Math.min(perFrame, total - sent);
                int frameLength = 1 + next + padding;
                if (sent < total && frameLength <= Math.min(streamWindow, connectionWindow)) {
                    boolean last = end && sent + next == total;
                    batch.writeBytes(H2Frames.header(H2Frames.DATA, H2Frames.PADDED | (last ? H2Frames.END_STREAM : 0),
                            stream, frameLength));
                    batch.write(padding);
                    for (int j = 0; j < next; j++) {
                        batch.write((byte) ((sent + j) * 31));
                    }
                    batch.writeBytes(new byte[padding]);
                    sent += next;
                    streamWindow -= frameLength;
                    connectionWindow -= frameLength;
                    continue;
                }
                if (batch.size() > 0) {
                    h2.raw(batch.toByteArray());
                    batch.reset();
                }
                if (sent == total && !end) {
                    return echoed.toByteArray();
                }
                H2Frames.Frame frame = h2.read();
                assertTrue(frame != null && frame.type() != H2Frames.RST_STREAM && frame.type() != H2Frames.GOAWAY,
                        "the stream goes on: " + frame);
                if (frame.type() == H2Frames.WINDOW_UPDATE) {
                    long increment = frame.errorCode() & 0x7fff_ffffL; // the same four bytes
                    if (frame.stream() == 0) {
                        connectionWindow += increment;
                    } else if (frame.stream() == stream) {
                        streamWindow += increment;
                    }
                } else if (frame.type() == H2Frames.DATA && frame.stream() == stream) {
                    echoed.writeBytes(frame.payload());
                    if (frame.payload().length > 0) {
                        h2.windowUpdate(0, frame.payload().length);
                        h2.windowUpdate(stream, frame.payload().length);
                    }
                    if ((frame.flags() & H2Frames.END_STREAM) != 0) {
                        return echoed.toByteArray();
                    }
                }
            }
        }
    }
}
