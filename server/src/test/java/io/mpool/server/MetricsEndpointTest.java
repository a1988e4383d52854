package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.admin.ServerMetrics;
import io.mpool.testing.Await;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /metrics} on the admin listener, scraped over a socket: Prometheus text whose mpool
 * figures move with the requests sent and equal what {@code /admin/pools} says once the server is
 * quiet; the reset-delay histogram covers every reset; the same meters are MBeans.
 */
class MetricsEndpointTest {
    private static final byte[] FRAMING_400 = ("GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final BodyTestRoutes routes = new BodyTestRoutes(() -> this.fixture.server());

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(UnaryOperator.identity(), routes);

    @Test
    void metricsMoveWithRequestsAndMatchTheAdminJson() throws Exception {
        PrometheusText before = scrape();
        assertEquals("counter", before.types().get("mpool_requests_total"), "TYPE of mpool_requests_total");
        assertEquals("histogram", before.types().get("mpool_reset_delay_seconds"));
        try (RawHttp http = fixture.connect()) {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
            }
            assertEquals(200, http.exchange(RawHttp.post("/echo", "text/plain", new byte[3000])).status());
            // Four pipelined requests in one write: their resets may coalesce.
            http.send(RawHttp.concat(RawHttp.get("/hello"), RawHttp.get("/hello"), RawHttp.get("/hello"),
                    RawHttp.get("/bytes/20000")));
            for (int i = 0; i < 4; i++) {
                assertEquals(200, http.read().status());
            }
            PrometheusText during = scrape();
            assertEquals(1, during.count("mpool_pools_live"), "the open connection's pool is live");
            assertTrue(during.count("mpool_arena_pages_in_use") >= 1, "its node is in use");
        }
        assertEquals(List.of(400), RawHttp.sendAll(fixture.port(), FRAMING_400, new int[0], 10_000).statuses());
        fixture.awaitAllPoolsDestroyed();

        PrometheusText after = scrape();
        JsonNode pools = fixture.admin("/admin/pools", null).json();
        JsonNode totals = pools.path("totals");
        assertEquals(10, after.count("mpool_requests_total") - before.count("mpool_requests_total"),
                "5 + 1 + 4 requests; the refused one never reached a handler");
        assertEquals(1, after.count("mpool_framing_refusals_total{status=\"400\"}")
                - before.count("mpool_framing_refusals_total{status=\"400\"}"));
        assertEquals(2, after.count("mpool_pools_opened_total") - before.count("mpool_pools_opened_total"));

        assertEquals(totals.path("requests").asLong(), after.count("mpool_requests_total"));
        assertEquals(totals.path("resets").asLong(), after.count("mpool_resets_total"));
        assertEquals(totals.path("resetsDeferred").asLong(), after.count("mpool_resets_deferred_total"));
        assertEquals(totals.path("resetsCoalesced").asLong(), after.count("mpool_resets_coalesced_total"));
        assertEquals(totals.path("requests").asLong(),
                after.count("mpool_resets_total") + after.count("mpool_resets_coalesced_total"),
                "every request end is a reset or coalesced into one");
        assertEquals(totals.path("poolsCreated").asLong(), after.count("mpool_pools_opened_total"));
        assertEquals(totals.path("poolsDestroyed").asLong(), after.count("mpool_pools_destroyed_total"));
        assertEquals(0, after.count("mpool_pools_live"));
        assertEquals(0, after.count("mpool_requests_in_flight"));
        assertEquals(totals.path("orphanedBuffersReclaimed").asLong(),
                after.count("mpool_buffers_orphaned_reclaimed_total"));
        assertEquals(totals.path("framingRefusals").asLong(), after.count("mpool_refusals_total{reason=\"framing\"}"));
        assertEquals(totals.path("arenaRejections").asLong(),
                after.count("mpool_refusals_total{reason=\"arena_exhausted\"}"));
        assertEquals(totals.path("connectionCapExceeded").asLong(),
                after.count("mpool_refusals_total{reason=\"connection_cap\"}"));
        assertEquals(totals.path("blockingRefusals").asLong(),
                after.count("mpool_refusals_total{reason=\"blocking_limit\"}"));

        JsonNode arena = pools.path("arena");
        assertEquals(arena.path("maxBytes").asLong(), after.count("mpool_arena_max_bytes"));
        assertEquals(arena.path("reservedBytes").asLong(), after.count("mpool_arena_reserved_bytes"));
        assertTrue(after.count("mpool_arena_reserved_bytes") > 0, "the requests made the arena reserve memory");
        assertEquals(arena.path("pagesInUse").asLong(), after.count("mpool_arena_pages_in_use"));
        assertEquals(0, after.count("mpool_arena_pages_in_use"), "every page back after the connections closed");
        assertEquals(0, after.count("mpool_arena_in_use_bytes"));
        assertEquals(arena.path("pagesFree").asLong(), after.count("mpool_arena_pages_free"));
        assertEquals(arena.path("largeBlocksInUse").asLong(), after.count("mpool_arena_large_blocks_in_use"));
        assertEquals(arena.path("largeBytesInUse").asLong(), after.count("mpool_arena_large_in_use_bytes"));
        assertEquals(arena.path("exhaustions").asLong(), after.count("mpool_arena_exhaustions_total"));
        assertEquals(arena.path("fallbacks").asLong(), after.count("mpool_arena_fallbacks_total"));
        assertEquals(arena.path("reserveFreeBytes").asLong(), after.count("mpool_arena_reserve_free_bytes"));
        assertEquals(arena.path("reclaims").asLong(), after.count("mpool_arena_reclaims_total"));
        for (JsonNode sizeClass : arena.path("sizeClasses")) {
            String labels = "{block_size=\"" + sizeClass.path("blockSize").asInt() + "\",class=\""
                    + sizeClass.path("name").asText() + "\"}";
            assertEquals(sizeClass.path("reservedBytes").asLong(), after.count("mpool_arena_class_reserved_bytes" + labels));
            assertEquals(sizeClass.path("freeBytes").asLong(), after.count("mpool_arena_class_free_bytes" + labels));
            assertEquals(sizeClass.path("blocksInUse").asLong(), after.count("mpool_arena_class_blocks_in_use" + labels));
        }

        long resets = after.count("mpool_resets_total");
        assertEquals(resets, after.count("mpool_reset_delay_seconds_count"), "the histogram covers every reset");
        assertEquals(resets, after.count("mpool_reset_delay_seconds_bucket{le=\"+Inf\"}"));
        long previous = 0;
        for (String le : List.of("0.0", "1.0E-5", "1.0E-4", "0.001", "0.01", "0.1", "1.0", "10.0", "+Inf")) {
            long cumulative = after.count("mpool_reset_delay_seconds_bucket{le=\"" + le + "\"}");
            assertTrue(cumulative >= previous, "buckets are cumulative: le=" + le + " " + after.samples());
            previous = cumulative;
        }
        // The sum: aResetThatWaitsForARetainedBodyAddsItsWaitToTheDelayHistogram.

        assertTrue(after.samples().keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes{area=\"heap\"")),
                "JVM memory figures");
        assertTrue(after.value("process_uptime_seconds") > 0);
        assertTrue(after.samples().containsKey("jvm_threads_live_threads"));
    }

    /**
     * A retained body holds its connection's reset until the test releases it: the histogram gets
     * one deferred reset whose delay is exactly the one the connection's history shows, and at
     * least the time the test held the body after it saw the reset pending.
     */
    @Test
    void aResetThatWaitsForARetainedBodyAddsItsWaitToTheDelayHistogram() throws Exception {
        PrometheusText before = scrape();
        long heldFrom;
        long heldUntil;
        try (RawHttp http = fixture.connect()) {
            assertEquals(202, http.exchange(RawHttp.post("/test/retain", "a/b", new byte[1000])).status());
            BodyView view = routes.retained.poll(10, TimeUnit.SECONDS);
            long id = Await.until("the connection's reset to wait for the retained body", ServerFixture.SETTLE,
                    () -> fixture.admin("/admin/pools", null).json().path("connections").get(0),
                    connection -> connection.path("resetPending").asBoolean()).path("id").asLong();
            // Looking at the connection alone starts the keeping of its reset history.
            assertEquals(0, fixture.admin("/admin/pools/" + id, null).json().path("recentResets").size());
            heldFrom = System.nanoTime();
            assertEquals(0, scrape().value("mpool_reset_delay_seconds_sum")
                    - before.value("mpool_reset_delay_seconds_sum"), "nothing recorded while the reset waits");
            heldUntil = System.nanoTime();
            assertTrue(view.release(), "the retain was the last reference");
            JsonNode resets = Await.until("the deferred reset in the connection's history", ServerFixture.SETTLE,
                    () -> fixture.admin("/admin/pools/" + id, null).json().path("recentResets"),
                    recent -> recent.size() == 1);
            long deferredMicros = resets.get(0).path("deferredMicros").asLong();
            PrometheusText after = scrape();
            assertEquals(1, after.count("mpool_resets_total") - before.count("mpool_resets_total"));
            assertEquals(1, after.count("mpool_resets_deferred_total") - before.count("mpool_resets_deferred_total"));
            assertEquals(deferredMicros / 1e6, after.value("mpool_reset_delay_seconds_sum")
                    - before.value("mpool_reset_delay_seconds_sum"), 1e-9, "the histogram's sum is the recorded wait");
            long heldMicros = (heldUntil - heldFrom) / 1_000;
            assertTrue(deferredMicros >= heldMicros, "the reset waited " + deferredMicros
                    + " us, at least the " + heldMicros + " us the test held the body after the reset was pending");
            assertEquals(0, after.count("mpool_reset_delay_seconds_bucket{le=\"0.0\"}")
                    - before.count("mpool_reset_delay_seconds_bucket{le=\"0.0\"}"), "not in the zero bucket");
        }
    }

    @Test
    void theMeterAreMBeansInTheMpoolDomain() throws Exception {
        try (RawHttp http = fixture.connect()) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
            }
        }
        fixture.awaitAllPoolsDestroyed();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> requests = server.queryNames(new ObjectName(ServerMetrics.JMX_DOMAIN + ":name=mpoolRequests,*"),
                null);
        assertEquals(1, requests.size(), "one MBean for mpool.requests: " + server.queryNames(
                new ObjectName(ServerMetrics.JMX_DOMAIN + ":*"), null));
        Object count = server.getAttribute(requests.iterator().next(), "Count");
        long expected = fixture.admin("/admin/pools", null).json().path("totals").path("requests").asLong();
        assertEquals(expected, ((Number) count).longValue(), "the MBean reads the same counter");
        Set<ObjectName> reserved = server.queryNames(
                new ObjectName(ServerMetrics.JMX_DOMAIN + ":name=mpoolArenaReserved,*"), null);
        assertEquals(1, reserved.size());
        assertEquals(fixture.server().arena().stats().reservedBytes(),
                ((Number) server.getAttribute(reserved.iterator().next(), "Value")).longValue());
    }

    private PrometheusText scrape() throws Exception {
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            RawHttp.Response response = admin.exchange(RawHttp.getFresh("/metrics"));
            assertEquals(200, response.status(), response.text());
            assertEquals(ServerMetrics.CONTENT_TYPE, response.header("Content-Type"));
            return PrometheusText.parse(response.text());
        }
    }
}
