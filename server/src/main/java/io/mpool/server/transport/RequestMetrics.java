package io.mpool.server.transport;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.PathTemplateMatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code http_server_requests_seconds}: every request of the main listener, timed from the root
 * handler to the exchange's completion, by {@code method}, {@code status}, {@code outcome} and
 * {@code uri} (Micrometer's {@code http.server.requests} tags).
 *
 * <p>Label cardinality is bounded whatever clients send: the method is one of the nine standard
 * ones or {@code OTHER}, the status one of 100..599 or {@code OTHER}, and the uri is the route
 * template a {@code RoutingHandler} matched ({@code /greet/{name}}), never the path a client
 * wrote; {@code UNKNOWN} without one. At most {@value #MAX_TEMPLATES} templates are kept apart.
 *
 * <p>Per request: two array reads (the timer made at the first request of its kind) and the
 * timer's record (a count, a sum, a max); no tag objects, no map lookup unless a template matched.
 * Timers are kept in rows of a hundred statuses of one method, made at first use: a template
 * answered with one method and one status class holds one row (~0.8 KB), so the worst case (every
 * template with every method and every status) is reached only by clients that send all of them.
 */
public final class RequestMetrics {
    /** The meter's name; Prometheus shows it as {@code http_server_requests_seconds}. */
    public static final String NAME = "http.server.requests";
    /** Route templates kept apart; more (an application generating routes) share {@link #OTHER}. */
    static final int MAX_TEMPLATES = 1_000;
    static final String UNKNOWN = "UNKNOWN";
    static final String OTHER = "OTHER";
    private static final HttpString[] METHODS = {Methods.GET, Methods.HEAD, Methods.POST, Methods.PUT,
        Methods.DELETE, Methods.PATCH, Methods.OPTIONS, Methods.TRACE, Methods.CONNECT};
    private static final int MIN_STATUS = 100;
    private static final int STATUSES = 500; // 100..599
    /** Statuses per row: one status class ({@code 2xx}); the last row holds {@code OTHER} alone. */
    private static final int ROW = 100;
    private static final int ROWS_PER_METHOD = STATUSES / ROW + 1;
    private static final int ROWS = (METHODS.length + 1) * ROWS_PER_METHOD;

    private final MeterRegistry registry;
    /** Timers of requests without a template, by row and status; rows made at first use. */
    private final Timer[][] untemplated = new Timer[ROWS][];
    private final ConcurrentHashMap<String, Timer[][]> byTemplate = new ConcurrentHashMap<>();

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Records {@code done}, which took {@code nanos}; on the thread that completed it. */
    public void record(HttpServerExchange done, long nanos) {
        int method = methodIndex(done.getRequestMethod());
        int status = done.getStatusCode() >= MIN_STATUS && done.getStatusCode() < MIN_STATUS + STATUSES
                ? done.getStatusCode() - MIN_STATUS : STATUSES;
        PathTemplateMatch match = done.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        String uri = match == null ? UNKNOWN : match.getMatchedTemplate();
        Timer[][] rows = untemplated;
        if (match != null) {
            rows = byTemplate.get(uri);
            if (rows == null) {
                uri = byTemplate.size() >= MAX_TEMPLATES ? OTHER : uri;
                rows = byTemplate.computeIfAbsent(uri, t -> new Timer[ROWS][]);
            }
        }
        int rowIndex = method * ROWS_PER_METHOD + status / ROW;
        Timer[] row = rows[rowIndex];
        if (row == null) {
            // A racing thread may make the same row: one of them is kept, the other's timer is
            // found again in the registry at the next request of its kind.
            row = new Timer[ROW];
            rows[rowIndex] = row;
        }
        Timer timer = row[status % ROW];
        if (timer == null) {
            // Racing threads get the same timer: the registry returns the one registered first.
            timer = timer(uri, method, status);
            row[status % ROW] = timer;
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Rows of timers made so far, over every template: what this meter holds beside the registry's timers. */
    int rowsInUse() {
        int rows = count(untemplated);
        for (Timer[][] template : byTemplate.values()) {
            rows += count(template);
        }
        return rows;
    }

    private static int count(Timer[][] rows) {
        int made = 0;
        for (Timer[] row : rows) {
            made += row == null ? 0 : 1;
        }
        return made;
    }

    private Timer timer(String uri, int method, int status) {
        String statusText = status == STATUSES ? OTHER : String.valueOf(status + MIN_STATUS);
        return Timer.builder(NAME)
                .description("Requests of the main listener, from the root handler to the response's end")
                .tags(Tags.of("method", method == METHODS.length ? OTHER : METHODS[method].toString(),
                        "status", statusText, "outcome", outcome(status + MIN_STATUS), "uri", uri))
                .register(registry);
    }

    private static int methodIndex(HttpString method) {
        for (int i = 0; i < METHODS.length; i++) {
            if (METHODS[i].equals(method)) {
                return i;
            }
        }
        return METHODS.length;
    }

    /** Micrometer's {@code Outcome}: the status's class. */
    static String outcome(int status) {
        if (status >= 100 && status < 200) {
            return "INFORMATIONAL";
        }
        if (status >= 200 && status < 300) {
            return "SUCCESS";
        }
        if (status >= 300 && status < 400) {
            return "REDIRECTION";
        }
        if (status >= 400 && status < 500) {
            return "CLIENT_ERROR";
        }
        return status >= 500 && status < 600 ? "SERVER_ERROR" : "UNKNOWN";
    }
}
