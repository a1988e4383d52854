package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.demo.Responses;
import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graceful stop behind a real nginx ({@link NginxFront}: keep-alive connections to the server,
 * as proxies are run): a POST in flight when the stop begins gets its answer through nginx, and a
 * POST nginx sends on one of its idle keep-alive connections as the stop begins is answered, not
 * turned into a 502. nginx does not retry a POST on another connection once it has sent it
 * ({@code proxy_next_upstream} leaves non-idempotent requests alone), and a new connection finds
 * the listener closed; so an idle connection closed at once at the stop (as before the gentler
 * drain) costs the client a 502.
 */
class NginxDrainTest {
    /** Idle keep-alive connections stay open this long into a stop (MpoolServer's DRAIN_IDLE_LINGER). */
    private static final Duration IDLE_LINGER = Duration.ofSeconds(1);
    private static final byte[] BODY = "{\"order\":42}".getBytes(StandardCharsets.US_ASCII);

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @TempDir
    Path folder;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(UnaryOperator.identity(), next -> exchange -> {
        if (exchange.getRequestPath().equals("/test/held-post")) {
            exchange.dispatch(() -> { // a worker thread waits, as a handler calling a slow backend would
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Responses.text(exchange, 200, "held post answered");
            });
        } else {
            next.handleRequest(exchange);
        }
    });

    @Test
    void aPostInFlightWhenTheStopBeginsIsAnsweredThroughNginx() throws Exception {
        try (NginxFront nginx = NginxFront.start(folder, fixture.port());
             NginxFront.Client held = nginx.connect(); NginxFront.Client other = nginx.connect()) {
            held.send(RawHttp.post("/test/held-post", "application/json", BODY));
            CompletableFuture<RawHttp.Response> heldAnswer = held.response();
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the POST reached the handler through nginx");
            assertEquals(200, other.exchange(RawHttp.post("/echo", "application/json", BODY)).status(), nginx.log());
            CompletableFuture<String> stopped = stopInBackground();
            RawHttp.Response during = other.exchange(RawHttp.post("/echo", "application/json", BODY));
            assertEquals(200, during.status(), during.text() + nginx.log());
            assertEquals("{\"order\":42}", during.text());
            release.countDown();
            RawHttp.Response answer = NginxFront.Client.await(heldAnswer);
            assertEquals(200, answer.status(), answer.text() + nginx.log());
            assertEquals("held post answered", answer.text().trim());
            String summary = stopped.get(30, TimeUnit.SECONDS);
            assertTrue(summary.contains("unfinishedRequests=0"), summary);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aPostOnAnIdleUpstreamConnectionAsTheStopBeginsIsAnsweredNot502() throws Exception {
        try (NginxFront nginx = NginxFront.start(folder, fixture.port()); NginxFront.Client client = nginx.connect()) {
            assertEquals(200, client.exchange(RawHttp.post("/echo", "application/json", BODY)).status(), nginx.log());
            // nginx now keeps its connection to the server, idle, for the next request
            long stopBegan = System.nanoTime();
            CompletableFuture<String> stopped = stopInBackground();
            long sent = System.nanoTime();
            RawHttp.Response answer = client.exchange(RawHttp.post("/echo", "application/json", BODY));
            if (answer.status() != 200 && Duration.ofNanos(sent - stopBegan).compareTo(IDLE_LINGER.multipliedBy(3).dividedBy(4)) > 0) {
                Assumptions.abort("void run: the POST was sent " + Duration.ofNanos(sent - stopBegan).toMillis()
                        + " ms into the stop, near the end of the idle linger (a busy machine); got " + answer.status());
            }
            assertEquals(200, answer.status(), "the POST as the stop began: " + answer.text() + "\nnginx: " + nginx.log());
            assertEquals("{\"order\":42}", answer.text());
            String summary = stopped.get(30, TimeUnit.SECONDS);
            assertTrue(summary.contains("unfinishedRequests=0"), summary);
        }
    }

    /** Begins a graceful stop and returns once the main listener refuses new connections. */
    private CompletableFuture<String> stopInBackground() {
        MpoolServer server = fixture.server();
        CompletableFuture<String> stopped = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(10)));
        Await.until("the stop to close the main listener", ServerFixture.SETTLE,
                () -> RawHttp.connectOutcome(fixture.port()), outcome -> outcome.startsWith("refused"));
        return stopped;
    }
}
