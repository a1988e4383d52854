package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /admin/} (the live view's page) and the paged {@code /admin/pools?sort=&limit=} it polls. */
class AdminViewTest {
    private static final String TOKEN = "page-test-token";

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAdmin("127.0.0.1", TOKEN));

    @Test
    void thePageNeedsNoTokenButItsDataDoesAndOnlyItsOwnScriptMayRun() throws Exception {
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + fixture.server().adminPort() + "/admin/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElse(""));
        String html = page.body();
        String script = html.substring(html.indexOf("<script>") + "<script>".length(), html.indexOf("</script>"));
        String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(script.getBytes(StandardCharsets.UTF_8)));
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.startsWith("default-src 'none'; script-src 'sha256-" + hash + "';"), csp);
        assertTrue(csp.contains("connect-src 'self'"), csp);
        assertTrue(!html.contains("http://") || html.indexOf("http://") == html.indexOf("http://www.w3.org/2000/svg"),
                "nothing is loaded from elsewhere");

        assertEquals(401, fixture.admin("/admin/pools?limit=5", null).status());
        assertEquals(401, fixture.admin("/admin/pools/1", null).status());
        assertEquals(404, fixture.admin("/admin/view", TOKEN).status());
    }

    @Test
    void aPageListsTheConnectionsHoldingTheMostBytesFirstWithTheirNodesAndTotalsOverAll() throws Exception {
        List<RawHttp> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                connections.add(fixture.connect());
            }
            // The fourth connection is mid-request: its head is in, its body not, so it holds buffers.
            RawHttp busy = connections.get(3);
            busy.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(30_000));
            for (int i = 0; i < 5; i++) {
                if (i != 3) {
                    assertEquals(200, connections.get(i).exchange(RawHttp.get("/hello")).status());
                }
            }
            JsonNode all = fixture.admin("/admin/pools", TOKEN).json();
            long busyId = -1; // found by its address: ids follow accept order, which may differ from connect order
            for (JsonNode c : all.path("connections")) {
                if (c.path("remote").asText().endsWith(":" + busy.localPort())) {
                    busyId = c.path("id").asLong();
                }
            }
            JsonNode two = fixture.admin("/admin/pools?sort=bytes&limit=2", TOKEN).json();
            assertEquals(5, two.path("page").path("total").asInt(), two.path("page").toString());
            assertEquals(2, two.path("page").path("limit").asInt());
            assertEquals(2, two.path("connections").size());

            JsonNode page = fixture.admin("/admin/pools?sort=bytes&limit=5", TOKEN).json();
            long previous = Long.MAX_VALUE;
            JsonNode busyRow = null;
            for (JsonNode row : page.path("connections")) {
                long held = row.path("bytesReserved").asLong();
                assertTrue(held <= previous, "most bytes held first: " + page.path("connections"));
                previous = held;
                assertTrue(row.path("poolNodes").get(0).has("failed"), row.toString());
                assertEquals(row.path("poolNodes").size(), row.path("nodes").asInt(), "nodes: their count, as unpaged");
                assertTrue(row.has("cachedBlocks"), row.toString());
                if (row.path("id").asLong() == busyId) {
                    busyRow = row;
                }
            }
            assertTrue(busyRow != null && busyRow.path("openBuffers").asInt() > 0,
                    "the connection mid-body holds a buffer: " + page.path("connections"));
            assertTrue(page.path("page").path("openBuffers").asLong() >= 1, page.path("page").toString());

            assertEquals(fieldNames(all.path("connections").get(0)), fieldNames(page.path("connections").get(0)),
                    "a row has one shape, paged or not");

            JsonNode byIdAscending = fixture.admin("/admin/pools?sort=id&order=asc&offset=3&limit=10", TOKEN).json();
            assertEquals(2, byIdAscending.path("connections").size());
            assertEquals(all.path("connections").get(3).path("id").asLong(),
                    byIdAscending.path("connections").get(0).path("id").asLong());
            JsonNode oldestFirst = fixture.admin("/admin/pools?sort=age&limit=1", TOKEN).json();
            assertEquals(all.path("connections").get(0).path("id").asLong(),
                    oldestFirst.path("connections").get(0).path("id").asLong());

            busy.send("x".repeat(70_000));
            assertEquals(200, busy.read().status());
        } finally {
            for (RawHttp http : connections) {
                http.close();
            }
        }
    }

    @Test
    void aBadPageParameterIs400NamingTheValue() throws Exception {
        assertBad("/admin/pools?limit=abc", "limit=abc (expected: 1..1000)");
        assertBad("/admin/pools?limit=0", "limit=0 (expected: 1..1000)");
        assertBad("/admin/pools?limit=1001", "limit=1001 (expected: 1..1000)");
        assertBad("/admin/pools?offset=-1", "offset=-1 (expected: 0..)");
        assertBad("/admin/pools?sort=name", "sort=name (expected: bytes, age, requests or id)");
        assertBad("/admin/pools?order=up", "order=up (expected: desc or asc)");
        assertEquals(1000, fixture.admin("/admin/pools?limit=1000", TOKEN).json().path("page").path("limit").asInt());
    }

    private static List<String> fieldNames(JsonNode row) {
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private void assertBad(String path, String message) throws Exception {
        ServerFixture.AdminAnswer answer = fixture.admin(path, TOKEN);
        assertEquals(400, answer.status(), answer.body());
        assertEquals(message, answer.json().path("error").asText());
    }
}
