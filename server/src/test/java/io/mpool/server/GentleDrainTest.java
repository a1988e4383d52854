package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stop does not reset idle keep-alive connections at once: a POST a client (a proxy) sends on
 * one just after the stop began is answered, with {@code Connection: close}, and then the
 * connection closes; a proxy would have turned a reset into a 502.
 */
class GentleDrainTest {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aPostOnAnIdleKeepAliveConnectionJustAfterStopBeganIsAnsweredWithConnectionClose() throws Exception {
        MpoolServer server = fixture.server();
        try (RawHttp http = fixture.connect()) {
            assertEquals(200, http.exchange(RawHttp.get("/hello")).status(), "keep-alive, now idle");
            CompletableFuture<String> stopped = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(10)));
            // The stop is under way once the main listener refuses: without the linger the idle
            // connection is closed right after that.
            Await.until("the stop to close the main listener", ServerFixture.SETTLE,
                    () -> RawHttp.connectOutcome(fixture.port()), outcome -> outcome.startsWith("refused"));
            byte[] body = "{\"a\":1}".getBytes(StandardCharsets.US_ASCII);
            RawHttp.Response answer = http.exchange(RawHttp.post("/echo", "application/json", body));
            assertEquals(200, answer.status(), answer.text());
            assertEquals("{\"a\":1}", answer.text());
            assertEquals("close", answer.headers().get("connection"), answer.headers().toString());
            assertTrue(http.closedByServer(), "closed after the answer");
            String summary = stopped.get(30, TimeUnit.SECONDS);
            assertTrue(summary.contains("unfinishedRequests=0"), summary);
        }
    }
}
