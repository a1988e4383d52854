package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /admin/health/live}, {@code /admin/health/ready} and the combined {@code /admin/health}
 * over sockets: UP while serving; readiness DOWN with a reason while a graceful stop drains (and
 * the drain answers requests with {@code Connection: close}) and while the arena refuses
 * allocations; liveness UP through both.
 */
class HealthTest {
    /** Small, so that a few held uploads exhaust it. */
    private static final long ARENA = 256 * 1024;
    private static final int MAX_HOLDERS = 40;
    private static final byte[] UPLOAD_HEAD = ("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withMemory(16384, ARENA, 128 * 1024));

    @Test
    void liveReadyAndCombinedAreUpWhileServing() throws Exception {
        ServerFixture.AdminAnswer live = fixture.admin("/admin/health/live", null);
        assertEquals(200, live.status());
        assertEquals("{\"status\":\"UP\"}", live.body());
        ServerFixture.AdminAnswer ready = fixture.admin("/admin/health/ready", null);
        assertEquals(200, ready.status());
        assertEquals("{\"status\":\"UP\"}", ready.body());
        ServerFixture.AdminAnswer combined = fixture.admin("/admin/health", null);
        assertEquals(200, combined.status());
        assertEquals("{\"status\":\"UP\"}", combined.body(), "unchanged from before the split");
    }

    @Test
    void drainingTurnsReadinessDownAndAnswersRequestsWithConnectionClose() throws Exception {
        try (RawHttp idle = fixture.connect(); Socket inFlight = fixture.socket(10_000)) {
            RawHttp.Response before = idle.exchange(RawHttp.get("/hello"));
            assertEquals("keep-alive", before.header("Connection"), "before the stop: keep-alive");
            // An upload with half its body sent: in flight, its response not started.
            OutputStream upload = inFlight.getOutputStream();
            upload.write(UPLOAD_HEAD);
            upload.write("01234".getBytes(StandardCharsets.US_ASCII));
            upload.flush();
            awaitInFlight(1);

            CompletableFuture<String> stopped = CompletableFuture.supplyAsync(
                    () -> fixture.server().stop(Duration.ofSeconds(20)));
            ServerFixture.AdminAnswer ready = awaitReadyStatus(503);
            assertEquals("DOWN", ready.json().path("status").asText());
            assertTrue(ready.json().path("reason").asText().startsWith("draining: graceful stop began "),
                    ready.body());
            assertTrue(ready.json().path("reason").asText().endsWith(", 1 requests in flight"), ready.body());
            ServerFixture.AdminAnswer live = fixture.admin("/admin/health/live", null);
            assertEquals(200, live.status(), "a draining server is alive: " + live.body());
            ServerFixture.AdminAnswer combined = fixture.admin("/admin/health", null);
            assertEquals(503, combined.status());
            assertEquals("UP", combined.json().path("live").asText());
            assertEquals("DOWN", combined.json().path("ready").asText());
            assertEquals(ready.json().path("reason").asText().substring(0, "draining".length()),
                    combined.json().path("reason").asText().substring(0, "draining".length()));

            // A request that starts during the drain, on a connection that was idle.
            RawHttp.Response during = idle.exchange(RawHttp.get("/hello"));
            assertEquals(200, during.status());
            assertEquals("hello\n", during.text());
            assertEquals("close", during.header("Connection"), "a request started while draining");
            assertTrue(idle.closedByServer(), "and the connection closes after it");

            // The request in flight when the drain began: its response starts now.
            upload.write("56789".getBytes(StandardCharsets.US_ASCII));
            upload.flush();
            byte[] answer = inFlight.getInputStream().readAllBytes();
            List<RawHttp.Response> responses = RawHttp.responses(answer);
            assertEquals(1, responses.size(), new String(answer, StandardCharsets.ISO_8859_1));
            assertEquals(200, responses.get(0).status());
            assertTrue(responses.get(0).text().contains("\"bytes\":10"), responses.get(0).text());
            assertEquals("close", responses.get(0).header("Connection"), "the request in flight when the drain began");

            String summary = stopped.get();
            assertTrue(summary.contains(" unfinishedRequests=0 pagesOutstanding=0 "), summary);
        }
    }

    @Test
    void readinessIsDownWhileTheArenaRefusesAllocations() throws Exception {
        List<Socket> holders = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_HOLDERS && fixture.server().arena().stats().exhaustions() == 0; i++) {
                Socket socket = fixture.socket(10_000);
                holders.add(socket);
                try {
                    socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().write(new byte[20_000]);
                } catch (SocketException refused) {
                    // this one found the arena exhausted: answered 503 and closed
                }
                fixture.awaitReadByServer(holders.get(holders.size() - 1));
            }
            assertTrue(fixture.server().arena().stats().exhaustions() > 0, "the arena ran out within "
                    + MAX_HOLDERS + " uploads: " + fixture.server().arena().stats());
            ServerFixture.AdminAnswer ready = fixture.admin("/admin/health/ready", null);
            assertEquals(503, ready.status(), ready.body());
            String reason = ready.json().path("reason").asText();
            assertTrue(reason.startsWith("arena refusing allocations: last refusal within "), reason);
            assertTrue(reason.contains(" of " + ARENA + " bytes, --arena-max)"), reason);
            assertEquals(200, fixture.admin("/admin/health/live", null).status(), "alive while refusing");
            ServerFixture.AdminAnswer combined = fixture.admin("/admin/health", null);
            assertEquals(503, combined.status());
            assertEquals(reason.substring(0, 30), combined.json().path("reason").asText().substring(0, 30));
        } finally {
            for (Socket socket : holders) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
        }
        fixture.awaitAllPoolsDestroyed();
    }

    @Test
    void healthRoutesTakeTheAdminTokenRuleAndHead() throws Exception {
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            for (String path : List.of("/admin/health/live", "/admin/health/ready", "/metrics")) {
                RawHttp.Response get = admin.exchange(RawHttp.get(path));
                assertEquals(200, get.status(), path);
                admin.send("HEAD " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
                RawHttp.Response head = admin.readHead();
                assertEquals(200, head.status(), path);
                assertEquals(get.header("Content-Type"), head.header("Content-Type"), path);
            }
            RawHttp.Response unknown = admin.exchange(RawHttp.get("/admin/health/else"));
            assertEquals(404, unknown.status());
        }
    }

    private void awaitInFlight(long expected) {
        Await.until(expected + " request(s) in flight", ServerFixture.SETTLE,
                () -> fixture.server().stats().inFlight(), inFlight -> inFlight == expected);
    }

    private ServerFixture.AdminAnswer awaitReadyStatus(int status) {
        return Await.until("/admin/health/ready to answer " + status, ServerFixture.SETTLE,
                () -> fixture.admin("/admin/health/ready", null), ready -> ready.status() == status);
    }
}
