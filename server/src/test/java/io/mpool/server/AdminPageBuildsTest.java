package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.server.admin.AdminListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin pages cost the same however many clients ask: {@code /admin/pools} (and each of its
 * pages) and {@code /metrics} are built once for every client asking within the page window, and
 * a client that asks again is sent a newer build, never the same one twice.
 * {@code mpool_admin_page_builds_total} counts the builds; no assertion here depends on timing.
 */
class AdminPageBuildsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Scrapers at once: most of the admin listener's connections, with room for the one that checks. */
    private static final int SCRAPERS = AdminListener.MAX_CONNECTIONS - 2;

    /** A window longer than any test: whatever the machine's speed, one build serves every scraper. */
    @Nested
    class WithAnHourLongWindow {
        @RegisterExtension
        final ServerFixture fixture = new ServerFixture().withAdminPageWindow(Duration.ofHours(1));

        @Test
        void concurrentScrapersOfEachPageShareOneBuild() throws Exception {
            List<RawHttp> clients = new ArrayList<>();
            List<RawHttp.Response> pools;
            List<RawHttp.Response> pages;
            List<RawHttp.Response> metrics;
            try {
                for (int i = 0; i < SCRAPERS; i++) {
                    clients.add(new RawHttp(fixture.server().adminPort()));
                }
                pools = askAtOnce(clients, "/admin/pools");
                pages = askAtOnce(clients, "/admin/pools?sort=bytes&limit=5");
                askAtOnce(clients, "/admin/pools?sort=age&limit=5"); // another page: a build of its own
                metrics = askAtOnce(clients, "/metrics");
            } finally {
                for (RawHttp client : clients) {
                    client.close();
                }
            }

            PrometheusText scrape = PrometheusText.parse(metrics.get(0).text());
            assertEquals(1, scrape.count("mpool_admin_page_builds_total{page=\"pools\"}"),
                    SCRAPERS + " clients of /admin/pools at once: one build");
            assertEquals(SCRAPERS, scrape.count("mpool_admin_page_answers_total{page=\"pools\"}"));
            assertEquals(2, scrape.count("mpool_admin_page_builds_total{page=\"pools_page\"}"),
                    SCRAPERS + " clients of each of two pages: one build each");
            assertEquals(2 * SCRAPERS, scrape.count("mpool_admin_page_answers_total{page=\"pools_page\"}"));
            assertEquals(1, scrape.count("mpool_admin_page_builds_total{page=\"metrics\"}"), "this scrape's own build");

            for (List<RawHttp.Response> answers : List.of(pools, pages, metrics)) {
                for (RawHttp.Response answer : answers) {
                    assertArrayEquals(answers.get(0).body(), answer.body(), "every client got the one build");
                }
            }
            // A new client within the window: the same build, at once, saying how old it is.
            try (RawHttp late = new RawHttp(fixture.server().adminPort())) {
                RawHttp.Response again = late.exchange(RawHttp.get("/admin/pools"));
                assertArrayEquals(pools.get(0).body(), again.body());
                assertNotNull(again.headers().get("age"), "a reused page has an Age header: " + again.headers());
            }
            fixture.awaitAllPoolsDestroyed();
        }

        @Test
        void aBadPageQueryIsAnsweredAtOnceAndBuildsNothing() throws Exception {
            try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
                RawHttp.Response bad = admin.exchange(RawHttp.get("/admin/pools?limit=0"));
                assertEquals(400, bad.status());
                assertEquals("{\"error\":\"limit=0 (expected: 1..1000)\"}", bad.text());
                PrometheusText scrape = PrometheusText.parse(admin.exchange(RawHttp.get("/metrics")).text());
                assertEquals(0, scrape.count("mpool_admin_page_builds_total{page=\"pools_page\"}"));
            }
        }
    }

    /** The default window (1 s): what a client that loops, or wants to see what it just did, gets. */
    @Nested
    class WithTheDefaultWindow {
        @RegisterExtension
        final ServerFixture fixture = new ServerFixture();

        @Test
        void aClientAskingAgainIsSentANewerBuildNeverTheSameOne() throws Exception {
            try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
                JsonNode first = json(admin.exchange(RawHttp.get("/admin/pools")));
                RawHttp.Response secondAnswer = admin.exchange(RawHttp.get("/admin/pools"));
                JsonNode second = json(secondAnswer);
                assertTrue(second.path("atEpochMillis").asLong() > first.path("atEpochMillis").asLong(),
                        "built after the first: " + first.path("atEpochMillis") + " then " + second.path("atEpochMillis"));
                assertNull(secondAnswer.headers().get("age"), "built for it, not reused");
            }
        }

        @Test
        void noCacheSeesTheRequestsSentBeforeIt() throws Exception {
            try (RawHttp admin = new RawHttp(fixture.server().adminPort());
                 RawHttp main = fixture.connect()) {
                long before = json(admin.exchange(RawHttp.get("/admin/pools"))).path("totals").path("requests").asLong();
                assertEquals(200, main.exchange(RawHttp.get("/hello")).status());
                // A request is counted as it starts: /hello's answer came, so it is counted.
                try (RawHttp other = new RawHttp(fixture.server().adminPort())) {
                    RawHttp.Response fresh = other.exchange(RawHttp.getFresh("/admin/pools"));
                    assertEquals(before + 1, json(fresh).path("totals").path("requests").asLong(), fresh.text());
                    assertNull(fresh.headers().get("age"), "built for it");
                }
                PrometheusText metrics = PrometheusText.parse(admin.exchange(RawHttp.getFresh("/metrics")).text());
                assertEquals(before + 1, metrics.count("mpool_requests_total"));
            }
            fixture.awaitAllPoolsDestroyed();
        }
    }

    /** {@code path} asked by every client at once: every request is sent before any answer is read. */
    private static List<RawHttp.Response> askAtOnce(List<RawHttp> clients, String path) throws IOException {
        for (RawHttp client : clients) {
            client.send(RawHttp.get(path));
        }
        List<RawHttp.Response> answers = new ArrayList<>();
        for (RawHttp client : clients) {
            RawHttp.Response answer = client.read();
            assertEquals(200, answer.status(), path + ": " + answer.text());
            answers.add(answer);
        }
        assertNotEquals(0, answers.get(0).body().length);
        return answers;
    }

    private static JsonNode json(RawHttp.Response answer) throws IOException {
        assertEquals(200, answer.status(), answer.text());
        return JSON.readTree(answer.body());
    }
}
