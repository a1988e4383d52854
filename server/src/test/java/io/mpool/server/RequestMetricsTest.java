package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.admin.ServerMetrics;
import io.mpool.server.config.ServerFeatures;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code http_server_requests_seconds} over real sockets: counted by method, status, outcome and
 * route template (never the path a client wrote), CPU in seconds, OpenMetrics on request.
 */
class RequestMetricsTest {
    private static final String SERIES = "http_server_requests_seconds_count";

    /** A route template in front of the demo routes, as an application's RoutingHandler would have. */
    private static HttpHandler withItems(HttpHandler routes) {
        return Handlers.routing()
                .get("/items/{id}", exchange -> exchange.getResponseSender().send("item"))
                .setFallbackHandler(routes);
    }

    private static String series(String method, String outcome, String status, String uri) {
        return SERIES + "{method=\"" + method + "\",outcome=\"" + outcome + "\",status=\"" + status + "\",uri=\""
                + uri + "\"}";
    }

    private static RawHttp.Response metrics(ServerFixture fixture, String accept) throws Exception {
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            String request = "GET /metrics HTTP/1.1\r\nHost: t\r\nCache-Control: no-cache\r\n"
                    + (accept == null ? "" : "Accept: " + accept + "\r\n")
                    + "\r\n";
            RawHttp.Response response = admin.exchange(request.getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, response.status(), response.text());
            return response;
        }
    }

    /** The scrape once every series has its count: a request is counted as its exchange completes, just after its response. */
    private static PrometheusText awaitCounts(ServerFixture fixture, Map<String, Long> expected) throws Exception {
        long deadline = System.nanoTime() + ServerFixture.SETTLE.toNanos();
        while (true) {
            PrometheusText scrape = PrometheusText.parse(metrics(fixture, null).text());
            boolean all = expected.entrySet().stream().allMatch(e -> scrape.samples().containsKey(e.getKey())
                    && scrape.count(e.getKey()) == e.getValue());
            if (all || System.nanoTime() > deadline) {
                expected.forEach((key, count) -> assertEquals(count, scrape.count(key), key));
                return scrape;
            }
            Thread.sleep(20);
        }
    }

    @Nested
    class On {
        @RegisterExtension
        final ServerFixture fixture = new ServerFixture(config -> config, RequestMetricsTest::withItems);

        @Test
        void requestsAreCountedByMethodStatusOutcomeAndRouteTemplate() throws Exception {
            try (RawHttp http = fixture.connect()) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
                }
                assertEquals(404, http.exchange(RawHttp.get("/no/such/path/1")).status());
                assertEquals(200, http.exchange(RawHttp.get("/items/1")).status());
                assertEquals(200, http.exchange(RawHttp.get("/items/2")).status());
                assertEquals(405, http.exchange("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)).status());
                assertEquals(501, http.exchange("BREW /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)).status());
            }
            PrometheusText scrape = awaitCounts(fixture, Map.of(
                    series("GET", "SUCCESS", "200", "UNKNOWN"), 3L,
                    series("GET", "CLIENT_ERROR", "404", "UNKNOWN"), 1L,
                    series("GET", "SUCCESS", "200", "/items/{id}"), 2L,
                    series("POST", "CLIENT_ERROR", "405", "UNKNOWN"), 1L,
                    series("OTHER", "SERVER_ERROR", "501", "UNKNOWN"), 1L));
            assertEquals("summary", scrape.types().get("http_server_requests_seconds"));
            assertTrue(scrape.value(series("GET", "SUCCESS", "200", "UNKNOWN").replace("_count", "_sum")) > 0);
            assertTrue(scrape.samples().keySet().stream().noneMatch(k -> k.contains("/no/such/path")),
                    "a path a client wrote is never a label");
        }

        @Test
        void cpuIsInSecondsAndOpenMetricsIsServedWhenAsked() throws Exception {
            PrometheusText text = PrometheusText.parse(metrics(fixture, null).text());
            assertEquals("counter", text.types().get("process_cpu_seconds_total"));
            assertTrue(text.value("process_cpu_seconds_total") > 0);
            assertFalse(text.samples().containsKey("process_cpu_time_ns_total"), "one CPU series, in seconds");

            RawHttp.Response prometheus = metrics(fixture, "text/plain;version=0.0.4;q=0.3,*/*;q=0.1");
            assertEquals(ServerMetrics.CONTENT_TYPE, prometheus.header("Content-Type"));
            RawHttp.Response openMetrics = metrics(fixture, "application/openmetrics-text;version=1.0.0,"
                    + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"); // what Prometheus sends
            assertEquals(ServerMetrics.OPENMETRICS_CONTENT_TYPE, openMetrics.header("Content-Type"));
            assertTrue(openMetrics.text().endsWith("# EOF\n"), "OpenMetrics ends in # EOF");
            assertTrue(openMetrics.text().contains("# TYPE process_cpu_seconds counter"), "OpenMetrics names counters"
                    + " without _total in TYPE");
        }
    }

    @Nested
    class Off {
        @RegisterExtension
        final ServerFixture fixture = new ServerFixture(config -> config.withFeatures(new ServerFeatures(false, false)));

        @Test
        void noRequestSeriesWhenOff() throws Exception {
            try (RawHttp http = fixture.connect()) {
                assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
            }
            assertFalse(metrics(fixture, null).text().contains("http_server_requests"));
        }
    }
}
