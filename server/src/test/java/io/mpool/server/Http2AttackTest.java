package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.Http2Settings;
import io.mpool.server.config.RequestLimits;
import io.mpool.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The frame-level attacks of the HTTP/2 CVE years (floods of frames the server must answer, HPACK
 * bombs, window overflow, stream-id misuse, a peer that never opens its window), each crafted
 * frame by frame over h2c ({@link H2Frames}). Each ends with the connection (or the stream) closed
 * with the error code RFC 9113 or the defence names, and every region destroyed with no arena page
 * outstanding (the fixture checks after each test).
 */
class Http2AttackTest {
    private static final int READ_TIMEOUT_MILLIS = 20_000;
    /** Short enough that the stalled-window test ends soon; the other tests never stall a write. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(RequestLimits.DEFAULTS
            .withTimeouts(Duration.ofSeconds(30), WRITE_TIMEOUT, Duration.ofSeconds(10), Duration.ofSeconds(60))));

    private ServerTotals totals() {
        return fixture.server().totals();
    }

    /** {@code count} copies of one frame, in one buffer: sent in one write, nothing after it. */
    private static byte[] repeated(int count, int type, int flags, int stream, byte[] payload) {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            frames.writeBytes(H2Frames.header(type, flags, stream, payload.length));
            frames.writeBytes(payload);
        }
        return frames.toByteArray();
    }

    private static void assertGoAway(H2Frames h2, int errorCode) throws IOException {
        H2Frames.Frame goAway = h2.goAwayThenClose();
        assertNotNull(goAway, "a GOAWAY before the close");
        assertEquals(errorCode, goAway.errorCode(), "GOAWAY's error code");
    }

    @Test
    void settingsFloodClosesWithGoAwayEnhanceYourCalm() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.raw(repeated(Http2Settings.DEFAULT_MAX_CONTROL_FRAMES_PER_WINDOW + 1, H2Frames.SETTINGS, 0, 0,
                    new byte[0]));
            assertGoAway(h2, H2Frames.ENHANCE_YOUR_CALM);
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, totals().h2CalmGoaways(), totals().toString());
        assertEquals(1, totals().h2ControlFloods(), totals().toString());
    }

    @Test
    void pingFloodClosesWithGoAwayEnhanceYourCalm() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.raw(repeated(Http2Settings.DEFAULT_MAX_CONTROL_FRAMES_PER_WINDOW + 1, H2Frames.PING, 0, 0,
                    new byte[8]));
            assertGoAway(h2, H2Frames.ENHANCE_YOUR_CALM);
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, totals().h2ControlFloods(), totals().toString());
        assertEquals(1, fixture.admin("/admin/pools", null).json().path("totals").path("h2ControlFloods").asLong());
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            PrometheusText metrics = PrometheusText.parse(admin.exchange(RawHttp.getFresh("/metrics")).text());
            assertEquals(1, metrics.count("mpool_h2_floods_total{flood=\"control\"}"));
            assertEquals(0, metrics.count("mpool_h2_floods_total{flood=\"rapid_reset\"}"));
            assertEquals(1, metrics.count("mpool_h2_goaways_calm_total"));
        }
    }

    @Test
    void aFewPingsAndSettingsAreAnswered() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.raw(repeated(10, H2Frames.PING, 0, 0, new byte[8]));
            h2.raw(repeated(10, H2Frames.SETTINGS, 0, 0, new byte[0]));
            h2.headers(1, H2Frames.requestHeaders("GET", "/hello"), true);
            assertEquals("hello\n", new String(h2.response(1).body(), StandardCharsets.US_ASCII));
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(0, totals().h2CalmGoaways(), totals().toString());
    }

    @Test
    void emptyDataFloodClosesWithGoAwayEnhanceYourCalm() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo"), false); // waits for its body
            h2.raw(repeated(Http2Settings.DEFAULT_MAX_EMPTY_FRAMES + 1, H2Frames.DATA, 0, 1,
                    new byte[0]));
            assertGoAway(h2, H2Frames.ENHANCE_YOUR_CALM);
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, totals().h2EmptyFrameFloods(), totals().toString());
        Await.until("the stream's exchange ended", Duration.ofSeconds(20),
                () -> fixture.server().stats().inFlight(), n -> n == 0);
    }

    /**
     * An HPACK bomb: one 4 KB header put in the dynamic table, then referenced by its one-byte
     * index thousands of times, so a block of a few KB decodes to megabytes. Undertow's decoder
     * adds up the decoded header list as it goes and stops at the limit.
     */
    @Test
    void hpackBombPastTheHeaderListLimitIsRefusedBeforeItIsDecoded() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(H2Frames.requestHeaders("GET", "/hello"));
            H2Frames.indexedLiteral(block, "x-bomb", "b".repeat(4_000)); // into the dynamic table: index 62
            for (int i = 0; i < 8_000; i++) {
                block.write(0x80 | 62); // indexed header field: 4 KB decoded per byte sent
            }
            h2.headers(1, block.toByteArray(), true);
            H2Frames.Frame goAway = h2.goAwayThenClose();
            assertNotNull(goAway, "a GOAWAY before the close");
            assertTrue(goAway.errorCode() == H2Frames.PROTOCOL_ERROR || goAway.errorCode() == H2Frames.COMPRESSION_ERROR,
                    "a connection error: " + goAway.errorCode());
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /**
     * A header block of dynamic table size updates (RFC 7541, 6.3: one byte each) longer than the
     * header list limit, across CONTINUATION frames: the block's bytes are bounded, so the updates
     * are too.
     */
    @Test
    void tableSizeUpdateFloodIsBoundedByTheHeaderBlockLimit() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            byte[] updates = new byte[16_000];
            for (int i = 0; i < updates.length; i++) {
                updates[i] = (byte) (i % 2 == 0 ? 0x20 : 0x3e); // size 0, size 30: one byte each
            }
            h2.frame(H2Frames.HEADERS, 0, 1, updates);
            try {
                h2.frame(H2Frames.CONTINUATION, 0, 1, updates);
                h2.frame(H2Frames.CONTINUATION, H2Frames.END_HEADERS, 1, H2Frames.requestHeaders("GET", "/hello"));
            } catch (IOException closedByTheServer) {
                // expected once the guard has cut the connection
            }
            assertGoAway(h2, H2Frames.ENHANCE_YOUR_CALM);
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void connectionWindowPastTheMaximumClosesWithFlowControlError() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.windowUpdate(0, Integer.MAX_VALUE); // 65,535 + 2^31 - 1: past 2^31 - 1
            assertGoAway(h2, H2Frames.FLOW_CONTROL_ERROR);
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void streamWindowPastTheMaximumResetsTheStreamWithFlowControlError() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo"), false); // its response stream is open
            h2.windowUpdate(1, Integer.MAX_VALUE);
            H2Frames.Frame reset = h2.until(H2Frames.RST_STREAM);
            assertEquals(1, reset.stream());
            assertEquals(H2Frames.FLOW_CONTROL_ERROR, reset.errorCode());
            h2.headers(3, H2Frames.requestHeaders("GET", "/hello"), true);
            assertEquals("hello\n", new String(h2.response(3).body(), StandardCharsets.US_ASCII),
                    "the connection goes on");
        }
        fixture.awaitAllPoolsDestroyed();
        Await.until("the reset stream's exchange ended", Duration.ofSeconds(20),
                () -> fixture.server().stats().inFlight(), n -> n == 0);
    }

    @Test
    void anEvenStreamIdFromTheClientClosesWithProtocolError() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.headers(2, H2Frames.requestHeaders("GET", "/hello"), true);
            assertGoAway(h2, H2Frames.PROTOCOL_ERROR);
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void aDecreasingStreamIdClosesWithProtocolError() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.headers(5, H2Frames.requestHeaders("GET", "/hello"), true);
            assertEquals("hello\n", new String(h2.response(5).body(), StandardCharsets.US_ASCII));
            h2.headers(3, H2Frames.requestHeaders("GET", "/hello"), true);
            assertGoAway(h2, H2Frames.PROTOCOL_ERROR);
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void headersOnAClosedStreamCloseTheConnection() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.headers(1, H2Frames.requestHeaders("GET", "/hello"), true);
            assertEquals("hello\n", new String(h2.response(1).body(), StandardCharsets.US_ASCII));
            h2.headers(1, H2Frames.requestHeaders("GET", "/hello"), true);
            H2Frames.Frame goAway = h2.goAwayThenClose();
            assertNotNull(goAway, "a GOAWAY before the close");
            assertTrue(goAway.errorCode() == H2Frames.PROTOCOL_ERROR || goAway.errorCode() == H2Frames.STREAM_CLOSED,
                    "RFC 9113, 5.1: a connection error of type STREAM_CLOSED (or PROTOCOL_ERROR): "
                            + goAway.errorCode());
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /**
     * A client that reads slowly, opening its window a little at a time for longer than the write
     * timeout, is not the stalled peer: each window it opens lets a write go out, and the stall
     * check starts again.
     */
    @Test
    void aClientThatOpensItsWindowSlowlyIsServedPastTheWriteTimeout() throws Exception {
        int size = 400_000; // about 6 s at 64 KB a second: three write timeouts
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.headers(1, H2Frames.requestHeaders("GET", "/bytes/" + size), true);
            long received = 0;
            boolean ended = false;
            while (!ended) {
                H2Frames.Frame frame = h2.read();
                assertNotNull(frame, "closed after " + received + " bytes");
                assertTrue(frame.type() != H2Frames.GOAWAY && frame.type() != H2Frames.RST_STREAM, "closed: " + frame);
                if (frame.type() == H2Frames.DATA) {
                    received += frame.payload().length;
                    ended = (frame.flags() & H2Frames.END_STREAM) != 0;
                    if (frame.payload().length > 0) {
                        Thread.sleep(frame.payload().length / 64); // 64 KB a second: a slow reader, not a stalled one
                        h2.windowUpdate(0, frame.payload().length);
                        h2.windowUpdate(1, frame.payload().length);
                    }
                }
            }
            assertEquals(size, received);
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(0, fixture.server().stats().writeTimeouts());
    }

    /**
     * A client that asks for a large answer and never opens its window: the answer stalls on flow
     * control with the socket empty. The stall counts as a write that cannot finish: after the
     * write timeout the connection is closed and the stream's region destroyed.
     */
    @Test
    void aResponseStalledOnFlowControlIsClosedByTheWriteTimeout() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.headers(1, H2Frames.requestHeaders("GET", "/bytes/1000000"), true);
            long received = 0;
            for (H2Frames.Frame frame = h2.read(); frame != null && frame.type() != H2Frames.GOAWAY; frame = h2.read()) {
                if (frame.type() == H2Frames.DATA) {
                    received += frame.payload().length;
                }
            }
            assertTrue(received <= H2Frames.DEFAULT_WINDOW, "no more than the window: " + received);
        } catch (IOException closed) {
            // a reset after the close: closed all the same
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, fixture.server().stats().writeTimeouts(), "counted as a write timeout");
    }
}
