package io.mpool.server.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.server.MpoolServer;
import io.mpool.server.RawHttp;
import io.mpool.server.ServerTotals;
import io.mpool.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example service over real sockets: every answer byte for byte, every pool on the admin view, pages back to 0. */
class ExampleApplicationTest {
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path staticDir;

    @Test
    void servesRoutingJsonBlockingAndStaticFilesWithEveryPoolOnTheAdminViewAndGivesEveryPageBack() throws Exception {
        byte[] page = "<h1>example</h1>\n".repeat(2_000).getBytes(StandardCharsets.UTF_8);
        Files.write(staticDir.resolve("index.html"), page);
        MpoolServer server = ExampleApplication.start(0, 0, staticDir);
        try (RawHttp routing = new RawHttp(server.port()); RawHttp json = new RawHttp(server.port());
                RawHttp blocking = new RawHttp(server.port()); RawHttp files = new RawHttp(server.port())) {
            RawHttp.Response greeting = routing.exchange(RawHttp.get("/greet/ann"));
            assertEquals(200, greeting.status());
            assertEquals("hello, ann", greeting.text());

            byte[] order = "{\"customer\":\"ann\",\"lines\":[{\"sku\":\"a\",\"quantity\":2},{\"sku\":\"b\",\"quantity\":3}]}"
                    .getBytes(StandardCharsets.UTF_8);
            RawHttp.Response summary = json.exchange(RawHttp.post("/orders", "application/json", order));
            assertEquals(200, summary.status());
            assertEquals("{\"customer\":\"ann\",\"lines\":2,\"quantity\":5,\"bodyBytes\":" + order.length + "}",
                    summary.text());

            byte[] text = "mpool ".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
            RawHttp.Response upper = blocking.exchange(RawHttp.post("/upper", "text/plain", text));
            assertEquals(200, upper.status());
            assertArrayEquals("MPOOL ".repeat(20_000).getBytes(StandardCharsets.US_ASCII), upper.body());

            RawHttp.Response index = files.exchange(RawHttp.get("/static/index.html"));
            assertEquals(200, index.status());
            assertArrayEquals(page, index.body());

            JsonNode pools = admin(server, "/admin/pools");
            Set<Long> ids = new HashSet<>();
            for (JsonNode connection : pools.path("connections")) {
                ids.add(connection.path("id").asLong());
                assertEquals(1, connection.path("requests").asInt(), connection.toString());
            }
            assertEquals(4, ids.size(), "every open connection's pool on /admin/pools: " + pools);
            assertEquals(4, pools.path("totals").path("poolsLive").asInt());
        }
        try {
            ServerTotals totals = awaitEveryPoolDestroyed(server);
            assertEquals(4, totals.poolsCreated());
            assertEquals(0, server.arenaStats().pagesInUse(), "arena pages after every connection closed");
        } finally {
            server.stop(Duration.ofSeconds(5));
        }
        assertEquals(0, server.arenaStats().outstandingBlocks(), "arena blocks after stop");
    }

    private static JsonNode admin(MpoolServer server, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.adminPort() + path)).timeout(SETTLE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** Bounded wait: the server destroys a pool when its connection's close is seen. */
    private static ServerTotals awaitEveryPoolDestroyed(MpoolServer server) {
        return Await.until("no pool live and no page in use (arena: " + server.arenaStats() + ")", SETTLE,
                server::totals, totals -> totals.poolsLive() == 0 && server.arenaStats().pagesInUse() == 0);
    }
}
