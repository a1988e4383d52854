package io.mpool.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.PathTemplateMatch;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the request meter holds: a row of timers per method and status class in use, each timer counted where it belongs. */
class RequestMetricsRowsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RequestMetrics metrics = new RequestMetrics(registry);

    private void record(HttpString method, int status, String template) {
        HttpServerExchange exchange = new HttpServerExchange(null);
        exchange.setRequestMethod(method);
        exchange.setStatusCode(status);
        if (template != null) {
            exchange.putAttachment(PathTemplateMatch.ATTACHMENT_KEY, new PathTemplateMatch(template, Map.of()));
        }
        metrics.record(exchange, 1_000);
    }

    private long count(String method, String status, String uri) {
        return registry.get(RequestMetrics.NAME).tags("method", method, "status", status, "uri", uri).timer().count();
    }

    @Test
    void aTemplateAnsweredWithOneMethodAndOneStatusClassHoldsOneRow() {
        for (int i = 0; i < 500; i++) {
            record(Methods.GET, 200, "/items/" + i + "/{id}");
            record(Methods.GET, 204, "/items/" + i + "/{id}");
        }
        assertEquals(500, metrics.rowsInUse());
        assertEquals(1, count("GET", "200", "/items/7/{id}"));
        assertEquals(1, count("GET", "204", "/items/7/{id}"));
    }

    @Test
    void everyStatusAndMethodLandsInItsOwnTimer() {
        int[] statuses = {100, 199, 200, 299, 301, 404, 500, 599, 600, 99};
        for (int status : statuses) {
            record(Methods.POST, status, null);
            record(new HttpString("BREW"), status, null);
        }
        for (String method : new String[] {"POST", "OTHER"}) {
            for (String status : new String[] {"100", "199", "200", "299", "301", "404", "500", "599"}) {
                assertEquals(1, count(method, status, RequestMetrics.UNKNOWN), method + " " + status);
            }
            assertEquals(2, count(method, RequestMetrics.OTHER, RequestMetrics.UNKNOWN), method + " OTHER");
        }
        // per method: 1xx, 2xx, 3xx, 4xx, 5xx and the OTHER row
        assertEquals(12, metrics.rowsInUse());
    }
}
