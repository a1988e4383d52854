package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import io.undertow.server.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A graceful stop on an HTTP/2 connection (RFC 9113, 6.8): GOAWAY NO_ERROR naming the stream in
 * flight comes at once, that stream gets its whole answer within the shutdown grace, a stream the
 * client opens after the stop began is refused (REFUSED_STREAM: not processed, safe to retry
 * elsewhere), and a last GOAWAY closes the connection once nothing runs.
 */
class Http2GracefulStopTest {
    /** More than the client's window (64 KB): the answer needs the client's window updates during the stop. */
    private static final int ANSWER_BYTES = 200_000;
    /** RFC 9113, 6.5.2. */
    private static final byte SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    /** Answers {@link #ANSWER_BYTES} once released. */
    private final HttpHandler slow = exchange -> exchange.dispatch(() -> {
        started.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        byte[] answer = new byte[ANSWER_BYTES];
        Arrays.fill(answer, (byte) 'x');
        exchange.getResponseSender().send(ByteBuffer.wrap(answer));
    });

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config,
            routes -> exchange -> (exchange.getRequestPath().equals("/slow") ? slow : routes).handleRequest(exchange));

    @Test
    void aStreamInFlightAtStopGetsItsWholeAnswerAndANewOneIsRefused() throws Exception {
        try (H2Frames h2 = new H2Frames(fixture.port(), 20_000)) {
            // Windows open for the whole answer up front: the client writes nothing while the answer
            // comes, so the server's close after it meets no unread bytes (which would turn it into a reset).
            h2.frame(H2Frames.SETTINGS, 0, 0, new byte[] {0, SETTINGS_INITIAL_WINDOW_SIZE, 0, 0x10, 0, 0}); // 1 MB
            h2.windowUpdate(0, 1 << 20);
            h2.headers(1, H2Frames.requestHeaders("GET", "/slow"), true);
            started.await();
            CompletableFuture<String> stop = CompletableFuture.supplyAsync(
                    () -> fixture.server().stop(Duration.ofSeconds(20)));
            Await.until("the stop to begin", Duration.ofSeconds(10), () -> fixture.server().stats().draining(),
                    draining -> draining);
            H2Frames.Frame first = h2.until(H2Frames.GOAWAY); // at once, the running stream still running
            assertEquals(H2Frames.NO_ERROR, first.errorCode());
            assertEquals(1, lastStreamId(first), "the last stream taken: the running one");
            h2.headers(3, H2Frames.requestHeaders("GET", "/hello"), true); // sent before the client saw the GOAWAY
            H2Frames.Frame refused = h2.until(H2Frames.RST_STREAM);
            assertEquals(3, refused.stream());
            assertEquals(H2Frames.REFUSED_STREAM, refused.errorCode());
            release.countDown();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            for (H2Frames.Frame frame = h2.read(); ; frame = h2.read()) {
                assertNotNull(frame, "closed after " + answer.size() + " bytes of the answer");
                if (frame.type() == H2Frames.DATA && frame.stream() == 1) {
                    answer.writeBytes(frame.payload());
                    if ((frame.flags() & H2Frames.END_STREAM) != 0) {
                        break;
                    }
                }
            }
            byte[] expected = new byte[ANSWER_BYTES];
            Arrays.fill(expected, (byte) 'x');
            assertArrayEquals(expected, answer.toByteArray(), "the whole answer");
            H2Frames.Frame goAway = h2.goAwayThenClose();
            assertNotNull(goAway, "a GOAWAY before the close");
            assertEquals(H2Frames.NO_ERROR, goAway.errorCode());
            assertTrue(lastStreamId(goAway) <= 3, "never more than the first named, and the refused stream at most: "
                    + lastStreamId(goAway));
            assertTrue(stop.get().contains("unfinishedRequests=0"), stop.get());
        }
    }

    private static int lastStreamId(H2Frames.Frame goAway) {
        byte[] p = goAway.payload();
        return (p[0] & 0x7f) << 24 | (p[1] & 0xff) << 16 | (p[2] & 0xff) << 8 | p[3] & 0xff;
    }
}
