package io.mpool.server.admin;

import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.LeakSite;
import io.mpool.mempool.PageArena;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionRegistry;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The admin endpoint, JSON over its own listener, GET (and HEAD, OPTIONS) only:
 * <ul>
 *   <li>{@code /admin/pools}: the arena, the server totals, JVM figures (heap allocated, GCs,
 *   RSS) and one line per live connection;</li>
 *   <li>{@code /admin/pools/{id}}: one connection with its pool's nodes, large entries and recent
 *   resets (an id that is no live connection 404, one that is not a number 400, naming it);</li>
 *   <li>{@code /admin/health/live}, {@code /admin/health/ready}: {@code {"status":"UP"}}, or 503
 *   with {@code "status":"DOWN"} and a {@code "reason"} ({@link Health});</li>
 *   <li>{@code /admin/health}: both, combined (503 if either is DOWN);</li>
 *   <li>{@code /metrics}: every meter in the Prometheus text format, or OpenMetrics when asked ({@link ServerMetrics}).</li>
 *   <li>{@code /admin/leaks}: the arena's outstanding blocks grouped by where they were taken,
 *   the {@value #LEAK_SITES} sites with most blocks first ({@link LeakSite}); sites are recorded
 *   only with {@code --debug leak-tracking} (else the list is empty and says so).</li>
 *   <li>{@code /admin/pools?sort=&order=&offset=&limit=}: a page of the connections, sorted
 *   ({@link ConnectionPage}), each with its nodes ({@link ConnectionRow});</li>
 *   <li>{@code /admin/}: the live view, an HTML page drawing the above ({@link AdminView}); the
 *   one answer that needs no token, since it holds no data.</li>
 * </ul>
 * With a token configured every request needs {@code Authorization: Bearer <token>} (else 401;
 * the scheme in any case, RFC 9110 section 11.1). A method we do not recognize gets 501, another
 * method 405 with {@code Allow}, OPTIONS 204 with {@code Allow} (the public API's
 * {@code AllowedMethods} rules, which the admin listener sits below).
 * Answers carry counters and sizes only, never request bytes.
 *
 * <p>{@code /metrics} and {@code /admin/pools} (and each of its pages) are built at most once per
 * window and reused by the clients that ask within it ({@link AdminPages}), so their cost does not
 * grow with the number of scrapers.
 */
public final class AdminHandler implements HttpHandler {
    /** Paths a deployment's probes and scraper are pointed at: keep them stable. */
    public static final String HEALTH = "/admin/health";
    public static final String HEALTH_LIVE = "/admin/health/live";
    public static final String HEALTH_READY = "/admin/health/ready";
    public static final String METRICS = "/metrics";
    public static final String LEAKS = "/admin/leaks";
    /** How often a page may be built when the server is not told otherwise ({@link AdminPages}). */
    public static final Duration DEFAULT_PAGE_WINDOW = AdminPages.DEFAULT_WINDOW;
    /** Sites {@code /admin/leaks} lists at most: the largest leaks stand out in the first few. */
    static final int LEAK_SITES = 20;
    /** The authentication scheme, lower case (compared case-insensitively). */
    private static final String BEARER = "bearer";
    /** Connection ids are positive longs: 18 digits always fit. */
    private static final int MAX_ID_DIGITS = 18;
    /** How much of a bad id an error message repeats: enough to recognize it, never a whole long path. */
    private static final int MAX_SHOWN_ID = 64;

    private final PageArena arena;
    /** The server's totals as the public API gives them ({@code ServerTotals}): serialised, never read here. */
    private final Supplier<?> totals;
    private final ConnectionRegistry registry;
    /** The token's bytes, or null when no token is required. */
    private final byte[] expectedToken;
    private final AdminView view = AdminView.load();
    private final ServerMetrics metrics;
    private final Health health;
    private final AdminPages pages;

    /**
     * @param pageWindow how often {@code /metrics} and each {@code /admin/pools} page may be built
     *                   (0: for every request, one at a time); a request within it gets the last
     *                   build ({@link AdminPages})
     */
    public AdminHandler(PageArena arena, Supplier<?> totals, ConnectionRegistry registry, String token,
                        ServerMetrics metrics, Health health, Duration pageWindow) {
        this.arena = arena;
        this.totals = totals;
        this.registry = registry;
        this.expectedToken = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.metrics = metrics;
        this.health = health;
        this.pages = new AdminPages(pageWindow);
        pages.bindTo(metrics.registry());
    }

    /**
     * What {@code GET /admin/pools} answers: every live connection, each row as a page lists it.
     *
     * @param atEpochMillis the server's clock when the snapshot was taken (an answer may be reused
     *                      for up to the page window: this says when it was built)
     */
    public record PoolsSnapshot(ArenaStats arena, Object totals, JvmStats jvm,
                                List<ConnectionRow> connections, long atEpochMillis) {
    }

    /**
     * What {@code GET /admin/pools?limit=...} answers: a page of the connections instead of all of them.
     *
     * @param atEpochMillis the server's clock when the snapshot was taken: rates between two
     *                      snapshots divide by the server's time, not the poller's
     */
    public record PoolsPage(ArenaStats arena, Object totals, JvmStats jvm, ConnectionPage page,
                            List<ConnectionRow> connections, long atEpochMillis) {
    }

    /**
     * What {@code GET /admin/leaks} answers.
     *
     * @param leakTracking      whether sites are recorded ({@code --debug leak-tracking})
     * @param outstandingBlocks blocks of the arena in use now (live connections' memory included)
     * @param sites             where they were taken, most blocks first; empty without leak tracking
     */
    public record LeaksSnapshot(boolean leakTracking, long outstandingBlocks, List<LeakSite> sites) {
    }

    /** What every admin path takes. */
    private static final String ALLOW = "GET, HEAD, OPTIONS";
    /** RFC 9110 section 9's methods and PATCH, case-sensitive: the same set as the public {@code AllowedMethods.KNOWN}. */
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
            "OPTIONS", "TRACE", "PATCH");

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        boolean isView = exchange.getRequestPath().equals(AdminView.PATH);
        if (!isView && !authorized(exchange)) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"mpool-admin\"");
            send(exchange, 401, Map.of("error", "missing or wrong bearer token"));
            return;
        }
        String path = exchange.getRequestPath();
        String method = exchange.getRequestMethod().toString(); // the bytes as sent, case kept
        if (!KNOWN_METHODS.contains(method)) {
            send(exchange, 501, Map.of("error", "method not implemented (methods are case-sensitive; allowed: "
                    + ALLOW + ")"));
            return;
        }
        if (!isView && !isAdminPath(path)) {
            send(exchange, 404, Map.of("error", "unknown admin path (paths: /admin/pools, "
                    + "/admin/pools/{id}, /admin/health, /admin/health/live, /admin/health/ready, /metrics,"
                    + " /admin/leaks)"));
            return;
        }
        if (method.equals("OPTIONS")) {
            exchange.getResponseHeaders().put(Headers.ALLOW, ALLOW);
            exchange.setStatusCode(204);
            exchange.endExchange();
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().put(Headers.ALLOW, ALLOW);
            send(exchange, 405, Map.of("error", "method not allowed (allowed: " + ALLOW + ")"));
            return;
        }
        // GET or HEAD: HEAD gets the same headers (Content-Length of the same JSON), no body.
        if (isView) {
            view.send(exchange);
        } else if (path.equals(METRICS)) {
            // A scrape walks every meter (thread states, GC beans): built on the admin worker's task thread.
            String accept = exchange.getRequestHeaders().getFirst(Headers.ACCEPT);
            String contentType = ServerMetrics.contentType(accept);
            pages.answer(exchange, AdminPages.Kind.METRICS, METRICS + " " + contentType, () -> {
                ServerMetrics.Scrape scrape = metrics.scrape(accept);
                return new CachedPage.Body(scrape.text().getBytes(StandardCharsets.UTF_8), scrape.contentType());
            });
        } else if (path.equals(LEAKS)) {
            if (exchange.isInIoThread()) {
                exchange.dispatch(this); // grouping every outstanding block's stack: not on an IO thread
                return;
            }
            send(exchange, 200, new LeaksSnapshot(arena.debug().leakTracking(), arena.stats().outstandingBlocks(),
                    arena.leakSites(LEAK_SITES)));
        } else if (path.equals(HEALTH)) {
            Health.Combined combined = health.combined();
            send(exchange, combined.up() ? 200 : 503, combined);
        } else if (path.equals(HEALTH_LIVE) || path.equals(HEALTH_READY)) {
            Health.Status status = path.equals(HEALTH_LIVE) ? health.live() : health.ready();
            send(exchange, status.up() ? 200 : 503, status);
        } else if (path.equals("/admin/pools") && ConnectionPage.requested(exchange.getQueryParameters())) {
            sendPage(exchange);
        } else if (path.equals("/admin/pools")) {
            pages.answer(exchange, AdminPages.Kind.POOLS, path, this::pools);
        } else {
            String id = path.substring("/admin/pools/".length());
            Long number = connectionId(id);
            ConnectionBufferPool connection = number == null ? null : registry.get(number);
            if (number == null) {
                send(exchange, 400, Map.of("error", "/admin/pools/" + shown(id) + ": not a connection id (expected: a"
                        + " whole number, an id from /admin/pools)"));
            } else if (connection == null) {
                send(exchange, 404, Map.of("error", "no live connection with id " + number));
            } else {
                send(exchange, 200, connection.detail());
            }
        }
    }

    /** Every live connection, oldest first (a build of {@code /admin/pools}). */
    private CachedPage.Body pools() {
        List<ConnectionBufferPool> live = registry.pools();
        List<ConnectionRow> connections = new ArrayList<>(live.size());
        for (ConnectionBufferPool connection : live) {
            connections.add(ConnectionRow.of(connection.row()));
        }
        return AdminJson.body(new PoolsSnapshot(arena.stats(), totals.get(), JvmStats.now(), connections,
                System.currentTimeMillis()));
    }

    private void sendPage(HttpServerExchange exchange) throws Exception {
        ConnectionPage.Query query;
        try {
            query = ConnectionPage.query(exchange.getQueryParameters());
        } catch (IllegalArgumentException e) {
            send(exchange, 400, Map.of("error", e.getMessage()));
            return;
        }
        pages.answer(exchange, AdminPages.Kind.POOLS_PAGE, query.key(), () -> {
            ConnectionPage.Listing listing = ConnectionPage.list(query, registry.pools());
            return AdminJson.body(new PoolsPage(arena.stats(), totals.get(), JvmStats.now(), listing.page(),
                    listing.rows(), System.currentTimeMillis()));
        });
    }

    private static boolean isAdminPath(String path) {
        return path.equals(HEALTH) || path.equals(HEALTH_LIVE) || path.equals(HEALTH_READY) || path.equals(METRICS)
                || path.equals(LEAKS) || path.equals("/admin/pools") || path.startsWith("/admin/pools/");
    }

    /** The id a path names, or null if it is not a whole number (letters, a sign, a slash, too long). */
    private static Long connectionId(String id) {
        if (id.isEmpty() || id.length() > MAX_ID_DIGITS || !id.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Long.parseLong(id);
    }

    /** A path segment as an error message shows it: at most {@link #MAX_SHOWN_ID} characters. */
    private static String shown(String id) {
        return id.length() <= MAX_SHOWN_ID ? id : id.substring(0, MAX_SHOWN_ID) + "...";
    }

    /**
     * {@code Authorization: Bearer <token>}: the scheme in any case (RFC 9110 section 11.1: "It
     * uses a case-insensitive token"), one or more spaces (RFC 6750 section 2.1: {@code "Bearer"
     * 1*SP b64token}), then the token compared in constant time.
     */
    private boolean authorized(HttpServerExchange exchange) {
        if (expectedToken == null) {
            return true;
        }
        String given = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (given == null || given.length() <= BEARER.length() || !isBearerScheme(given)
                || given.charAt(BEARER.length()) != ' ') {
            return false;
        }
        int token = BEARER.length();
        while (token < given.length() && given.charAt(token) == ' ') {
            token++;
        }
        return MessageDigest.isEqual(expectedToken, given.substring(token).getBytes(StandardCharsets.UTF_8));
    }

    /** ASCII case-insensitive: no Unicode case folding (no dotless i or Kelvin sign sneaks in). */
    private static boolean isBearerScheme(String given) {
        for (int i = 0; i < BEARER.length(); i++) {
            char c = given.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (lower != BEARER.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static void send(HttpServerExchange exchange, int status, Object body) {
        byte[] json = AdminJson.bytes(body);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, AdminJson.CONTENT_TYPE);
        exchange.getResponseSender().send(ByteBuffer.wrap(json));
    }
}
