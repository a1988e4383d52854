package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.RequestLimits;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.testing.Await;
import io.undertow.server.HttpHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read timeout of an HTTP/2 connection. Its frames are read beneath the HTTP/1.1 framing
 * check, which reports each read's progress to the watchdog; the read that completed the client
 * preface passes nothing up, and it used to count as a read that found nothing. No later read
 * cleared that stamp, so every HTTP/2 connection with a running stream was taken for a stalled
 * read once the read timeout had passed since its preface, however much it sent since: its streams
 * ended without an answer, RST_STREAM or GOAWAY. The sweeps here run by hand at a time past the
 * read timeout, so no test waits for it.
 */
class Http2ReadTimeoutTest {
    private static final int KILOBYTE = 1024;
    /** The fixture's read timeout (the defaults'), and a sweep's clock one second past it. */
    private static final long PAST_READ_TIMEOUT_NANOS = RequestLimits.DEFAULTS.readTimeout().toNanos() + 1_000_000_000L;
    private final CountDownLatch release = new CountDownLatch(1);

    /** Reads nothing until released, then reads the body and answers. */
    private final HttpHandler stall = StallingHandler.readingAfter(release);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config,
            routes -> exchange -> (exchange.getRequestPath().equals("/stall") ? stall : routes).handleRequest(exchange));

    @Test
    void aStreamIsAnsweredAfterTheReadTimeoutHasPassedSinceTheConnectionsPreface() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000)) {
            h2.headers(1, H2Frames.requestHeaders("POST", "/stall"), false);
            h2.data(1, new byte[KILOBYTE], false);
            ConnectionBufferPool connection = Await.until("the stream's first kilobyte copied", ServerFixture.SETTLE,
                    () -> fixture.server().registry().pools().stream().filter(c -> c.summary().streams() == 1)
                            .findFirst().orElse(null),
                    c -> c != null && c.detail().streams().get(0).prereadBytes() == KILOBYTE);

            // Two sweeps (a stall is seen at one and acted on at a later one) as if the read
            // timeout had passed since the preface; the client sent a frame after the preface.
            long now = System.nanoTime();
            fixture.server().registry().sweep(now + PAST_READ_TIMEOUT_NANOS);
            fixture.server().registry().sweep(now + 2 * PAST_READ_TIMEOUT_NANOS);

            assertTrue(fixture.server().registry().pools().contains(connection) && connection.summary().streams() == 1,
                    "the connection and its stream are still there: " + connection.summary());
            assertEquals(0, fixture.server().stats().readTimeouts(), "no read timed out");
            release.countDown();
            h2.data(1, new byte[KILOBYTE], true);
            H2Frames.Response response = h2.response(1);
            assertEquals(200, response.status());
            assertEquals("read 2048", new String(response.body(), StandardCharsets.US_ASCII));
        } finally {
            release.countDown();
        }
    }
}
