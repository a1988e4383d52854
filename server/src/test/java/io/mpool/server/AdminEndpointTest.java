package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.connection.ResetHistory;
import io.mpool.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AdminEndpointTest {

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void poolsShowsTheArenaTotalsAndEveryLiveConnection() throws Exception {
        try (RawHttp http = fixture.connect()) {
            assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
            JsonNode json = fixture.admin("/admin/pools", null).json();
            for (String field : List.of("pageSize", "maxBytes", "reservedBytes", "pagesInUse", "largeBytesInUse",
                    "exhaustions", "fallbacks")) {
                assertTrue(json.path("arena").has(field), "arena." + field + " in " + json);
            }
            for (String field : List.of("poolsCreated", "poolsDestroyed", "poolsLive", "requests", "resets",
                    "resetsDeferred", "resetsCoalesced")) {
                assertTrue(json.path("totals").has(field), "totals." + field + " in " + json);
            }
            assertEquals(1, json.path("totals").path("poolsLive").asInt());
            JsonNode connection = json.path("connections").get(0);
            for (String field : List.of("id", "remote", "ageMillis", "requests", "resets", "nodes", "bytesUsed",
                    "largeCount", "largeBytes", "openBuffers", "resetPending")) {
                assertTrue(connection.has(field), "connection." + field + " in " + connection);
            }
            assertEquals(1, connection.path("requests").asInt());
            assertTrue(connection.path("remote").asText().contains("127.0.0.1"));
        }
    }

    @Test
    void everyKeepAliveRequestIsAccountedForByAResetAndCloseGivesThePagesBack() throws Exception {
        long pagesBefore = fixture.server().arena().stats().pagesInUse();
        int k = 25;
        try (RawHttp http = fixture.connect()) {
            for (int i = 0; i < k; i++) {
                if (i == 1) { // looking at the connection alone starts the keeping of its reset history
                    long only = fixture.server().registry().pools().get(0).id();
                    assertEquals(0, fixture.admin("/admin/pools/" + only, null).json().path("recentResets").size(),
                            "no history is kept before someone looks");
                }
                byte[] body = ("body " + i).getBytes(StandardCharsets.UTF_8);
                assertEquals(200, http.exchange(i % 2 == 0 ? RawHttp.get("/bytes/40000")
                        : RawHttp.post("/echo", "text/plain", body)).status());
            }
            JsonNode connection = awaitSettled();
            assertEquals(k, connection.path("requests").asInt());
            assertEquals(k, connection.path("resets").asInt() + connection.path("resetsCoalesced").asInt(),
                    "resets + coalesced account for every request: " + connection);
            assertFalse(connection.path("resetPending").asBoolean());
            assertEquals(0, connection.path("openBuffers").asInt());

            long id = connection.path("id").asLong();
            JsonNode detail = fixture.admin("/admin/pools/" + id, null).json();
            assertTrue(detail.path("pool").path("nodes").isArray(), detail.toString());
            assertTrue(detail.path("pool").has("currentNodeIndex"));
            assertTrue(detail.path("pool").has("large"));
            assertTrue(detail.path("pool").has("cleanupCount"));
            JsonNode resets = detail.path("recentResets");
            assertEquals(ResetHistory.CAPACITY, resets.size());
            JsonNode last = resets.get(resets.size() - 1);
            for (String field : List.of("atEpochMillis", "bytesInUseBefore", "nodes", "largeFreed", "deferredMicros")) {
                assertTrue(last.has(field), "reset." + field + " in " + last);
            }
            assertTrue(last.path("bytesInUseBefore").asLong() > 0);
        }
        fixture.awaitNoLivePools();
        JsonNode totals = fixture.admin("/admin/pools", null).json().path("totals");
        assertEquals(0, totals.path("poolsLive").asInt());
        assertEquals(pagesBefore, fixture.server().arena().stats().pagesInUse());
        assertEquals(0, fixture.admin("/admin/pools", null).json().path("arena").path("pagesInUse").asInt());
    }

    @Test
    void pipelinedRequestsAreAllAccountedFor() throws Exception {
        int k = 12;
        byte[][] requests = new byte[k][];
        for (int i = 0; i < k; i++) {
            requests[i] = i % 2 == 0 ? RawHttp.get("/hello") : RawHttp.post("/echo", "text/plain", new byte[i * 1000]);
        }
        try (RawHttp http = fixture.connect()) {
            http.send(RawHttp.concat(requests));
            for (int i = 0; i < k; i++) {
                assertEquals(200, http.read().status());
            }
            JsonNode connection = awaitSettled();
            assertEquals(k, connection.path("resets").asInt() + connection.path("resetsCoalesced").asInt(), connection.toString());
        }
    }

    @Test
    void unknownConnectionAndPathAre404JsonAndAnIdThatIsNoNumber400() throws Exception {
        ServerFixture.AdminAnswer missing = fixture.admin("/admin/pools/999999", null);
        assertEquals(404, missing.status());
        assertEquals("no live connection with id 999999", missing.json().path("error").asText());
        assertEquals(400, fixture.admin("/admin/pools/abc", null).status());
        assertEquals(404, fixture.admin("/admin/else", null).status());
        ServerFixture.AdminAnswer health = fixture.admin("/admin/health", null);
        assertEquals(200, health.status());
        assertEquals("{\"status\":\"UP\"}", health.body());
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + fixture.server().adminPort() + "/admin/pools"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, response.statusCode());
        assertEquals("GET, HEAD, OPTIONS", response.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void aNonLoopbackAdminHostWithoutATokenRefusesToStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.defaults(0, 0).withAdmin("0.0.0.0", null));
        assertTrue(e.getMessage().startsWith("--admin-host=0.0.0.0 is not a loopback address and no --admin-token"),
                e.getMessage());
        ServerConfig.defaults(0, 0).withAdmin("0.0.0.0", "secret"); // with a token it is allowed
    }

    private JsonNode awaitSettled() {
        return Await.until("the connection's reset done and its buffers back", ServerFixture.SETTLE,
                () -> fixture.admin("/admin/pools", null).json().path("connections").get(0),
                connection -> !connection.path("resetPending").asBoolean() && connection.path("openBuffers").asInt() == 0);
    }
}
