package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.Http2Settings;
import io.mpool.server.connection.ConnectionSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The attacks an HTTP/2 server must survive, crafted frame by frame over h2c ({@link H2Frames}):
 * each ends with the connection closed by GOAWAY ENHANCE_YOUR_CALM (or the stream refused or
 * reset), the attack counted, and every region destroyed with no arena page outstanding (the
 * fixture checks after each test).
 */
class Http2DefenceTest {
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    private ServerTotals totals() {
        return fixture.server().totals();
    }

    @Test
    void rapidResetClosesTheConnectionWithGoAwayEnhanceYourCalm() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            // One more stream opened and reset at once than the window allows, in one write: the
            // last RST_STREAM is the one too many, and nothing follows it (bytes the server never
            // reads would turn its close into a reset that can overtake the GOAWAY).
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            byte[] block = H2Frames.requestHeaders("GET", "/hello");
            for (int i = 0; i <= Http2Settings.DEFAULT_MAX_RESETS_PER_WINDOW; i++) {
                int stream = 1 + 2 * i;
                flood.writeBytes(H2Frames.header(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, stream,
                        block.length));
                flood.writeBytes(block);
                flood.writeBytes(H2Frames.header(H2Frames.RST_STREAM, 0, stream, 4));
                flood.writeBytes(new byte[] {0, 0, 0, H2Frames.CANCEL});
            }
            h2.raw(flood.toByteArray());
            H2Frames.Frame goAway = h2.goAwayThenClose();
            assertNotNull(goAway, "a GOAWAY before the close");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, totals().h2CalmGoaways(), totals().toString());
        assertEquals(Http2Settings.DEFAULT_MAX_RESETS_PER_WINDOW + 1, totals().h2StreamsResetByPeer(), totals().toString());
    }

    @Test
    void continuationFloodOfEmptyFramesClosesWithGoAwayEnhanceYourCalm() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.frame(H2Frames.HEADERS, 0, 1, H2Frames.requestHeaders("GET", "/hello")); // no END_HEADERS
            try {
                for (int i = 0; i < 10_000; i++) {
                    h2.frame(H2Frames.CONTINUATION, 0, 1, new byte[0]);
                }
            } catch (IOException closedByTheServer) {
                // expected once the guard has cut the connection
            }
            H2Frames.Frame goAway = h2.goAwayThenClose();
            assertNotNull(goAway, "a GOAWAY before the close");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, totals().h2CalmGoaways(), totals().toString());
    }

    @Test
    void headerBlockPastTheLimitAcrossContinuationsClosesWithGoAwayEnhanceYourCalm() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            h2.frame(H2Frames.HEADERS, 0, 1, H2Frames.requestHeaders("GET", "/hello"));
            ByteArrayOutputStream junk = new ByteArrayOutputStream();
            H2Frames.literal(junk, "x-junk", "j".repeat(16_000));
            try {
                for (int i = 0; i < 200; i++) { // 3.2 MB of header block, never ended
                    h2.frame(H2Frames.CONTINUATION, 0, 1, junk.toByteArray());
                }
            } catch (IOException closedByTheServer) {
                // expected once the guard has cut the connection
            }
            H2Frames.Frame goAway = h2.goAwayThenClose();
            assertNotNull(goAway, "a GOAWAY before the close");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void streamsPastTheConcurrentLimitAreRefusedAndTheRestServed() throws Exception {
        int limit = 128;
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            byte[] post = H2Frames.requestHeaders("POST", "/echo");
            for (int i = 0; i < limit; i++) {
                h2.headers(1 + 2 * i, post, false); // each waits for its body: 128 streams run at once
            }
            int refused = 1 + 2 * limit;
            h2.headers(refused, post, false);
            H2Frames.Frame reset = null;
            while (reset == null) {
                H2Frames.Frame frame = h2.read();
                assertNotNull(frame, "connection closed before the refusal");
                if (frame.type() == H2Frames.RST_STREAM) {
                    reset = frame;
                }
            }
            assertEquals(refused, reset.stream());
            assertEquals(H2Frames.REFUSED_STREAM, reset.errorCode());
            List<ConnectionSummary> connections = fixture.server().registry().pools().stream()
                    .map(c -> c.summary()).toList();
            assertEquals(1, connections.size());
            assertEquals("h2c", connections.get(0).protocol());
            assertEquals(limit, connections.get(0).streams(), "a region per running stream");
            byte[] body = "every stream still gets its body".getBytes(StandardCharsets.US_ASCII);
            h2.data(1, body, true);
            assertArrayEquals(body, h2.response(1).body());
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(1, totals().h2StreamsRefused(), totals().toString());
    }

    @Test
    void dataAfterEndStreamClosesTheConnectionWithGoAwayAndFreesItsStreams() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), READ_TIMEOUT_MILLIS)) {
            byte[] body = "body".getBytes(StandardCharsets.US_ASCII);
            h2.headers(1, H2Frames.requestHeaders("POST", "/echo"), false);
            h2.data(1, body, true);
            assertArrayEquals(body, h2.response(1).body());
            h2.headers(3, H2Frames.requestHeaders("POST", "/echo"), false); // runs, waiting for its body
            h2.data(1, "after the end".getBytes(StandardCharsets.US_ASCII), false);
            H2Frames.Frame goAway = h2.goAwayThenClose();
            assertNotNull(goAway, "a GOAWAY before the close");
            assertTrue(goAway.errorCode() == H2Frames.PROTOCOL_ERROR || goAway.errorCode() == H2Frames.STREAM_CLOSED,
                    "a connection error (RFC 9113, 5.1: STREAM_CLOSED): " + goAway.errorCode());
        }
        fixture.awaitAllPoolsDestroyed(); // stream 3's region too, though its body never came
        H2Frames.await(() -> fixture.server().stats().inFlight() == 0, "every stream's exchange ended");
    }
}
