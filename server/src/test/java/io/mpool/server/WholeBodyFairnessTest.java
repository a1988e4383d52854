package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A whole-body read shares its IO thread: a client whose body is already waiting in the socket
 * (as it always is for a client faster than the disk) does not hold the thread until the body
 * ends. One IO thread; the upload's 2 MB sit in the socket buffers before its read starts, and a
 * {@code GET /hello} on another connection arrives just then: it is answered while the upload is
 * still being read, not after.
 */
class WholeBodyFairnessTest {
    private static final Path TEMP_DIR = BodyTestSupport.createDir("whole-body-fairness-test");
    private static final int BODY = 2 * 1024 * 1024;
    /** Large enough that the whole body is written before the server reads any of it. */
    private static final int SEND_BUFFER = 4 * 1024 * 1024;

    private final BodyTestRoutes routes = new BodyTestRoutes(() -> this.fixture.server());

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withIoThreads(1)
            .withLimits(config.limits().withBodyInMemory(64 * 1024, TEMP_DIR)), routes);

    @Test
    void aHelloDuringALargeWholeBodyUploadIsAnsweredBeforeTheUploadIsRead() throws Exception {
        try (Socket upload = fixture.socket(30_000); RawHttp hello = fixture.connect()) {
            assertEquals(200, hello.exchange(RawHttp.get("/hello")).status(), "connected and idle");
            upload.setSendBufferSize(SEND_BUFFER);
            OutputStream out = upload.getOutputStream();
            out.write(("POST /test/gated HTTP/1.1\r\nHost: t\r\nContent-Type: a/b\r\nContent-Length: " + BODY
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitEvent("gated waiting");
            out.write(BodyTestSupport.random(BODY, 7)); // into the socket buffers: the server reads none yet
            out.flush();
            routes.events.clear();

            CountDownLatch onIoThread = new CountDownLatch(1);
            CountDownLatch helloSent = new CountDownLatch(1);
            routes.beforeRead = () -> { // the IO thread waits until the GET is on its way, then reads the body
                onIoThread.countDown();
                await(helloSent);
            };
            routes.gate.complete(null);
            assertTrue(onIoThread.await(10, TimeUnit.SECONDS));
            hello.send(RawHttp.get("/hello"));
            helloSent.countDown();

            assertEquals(200, hello.read().status());
            awaitEvent("body " + BODY);
            List<String> events = new ArrayList<>(routes.events);
            assertTrue(events.indexOf("hello") >= 0 && events.indexOf("hello") < events.indexOf("body " + BODY),
                    "the GET was answered while the upload was still being read: " + events);
        }
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    private void awaitEvent(String event) {
        Await.until("the event '" + event + "'", ServerFixture.SETTLE, () -> List.copyOf(routes.events),
                events -> events.contains(event));
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
